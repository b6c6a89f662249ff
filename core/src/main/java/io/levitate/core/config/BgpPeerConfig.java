package io.levitate.core.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;

/**
 * One BGP neighbour.
 *
 * @param address      the peer's address
 * @param remoteAs     the peer's AS (== local_as: iBGP)
 * @param port         TCP port, default 179
 * @param localAddress source address (same family as {@code address}), or null
 * @param nextHop      IPv4 NEXT_HOP override, or null
 * @param nextHopV6    IPv6 next hop override, or null
 * @param md5Password  RFC 2385 key (at most 80 bytes), or null
 * @param passive      wait for the peer to connect
 * @param holdTime     per-peer hold time, or null for the section's
 * @param bfd          BFD with this peer (RFC 5880/5881), or null for none
 */
public record BgpPeerConfig(
        InetAddress address,
        long remoteAs,
        int port,
        InetAddress localAddress,
        Inet4Address nextHop,
        Inet6Address nextHopV6,
        String md5Password,
        boolean passive,
        Duration holdTime,
        BfdSettings bfd) {
    /** Keeps the key out of logs and test failure messages. */
    @Override
    public String toString() {
        return "BgpPeerConfig[address=" + Addresses.format(address) + ", remoteAs=" + remoteAs + ", port=" + port
                + ", md5=" + (md5Password == null ? "none" : "set") + ", passive=" + passive + "]";
    }
}
