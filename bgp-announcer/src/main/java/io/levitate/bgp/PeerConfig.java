package io.levitate.bgp;

import java.net.InetAddress;

/**
 * One BGP neighbour, as the config file's {@code bgp.peers[]} entry describes it.
 *
 * @param address      the peer's address (the session runs to it).
 * @param remoteAs     the peer's AS; equal to the local AS means iBGP.
 * @param port         TCP port (179 unless a lab says otherwise).
 * @param localAddress source address to bind, and the default next hop; null lets the kernel choose.
 * @param nextHop4     NEXT_HOP override for IPv4 routes; null: local address of the session.
 * @param nextHop6     next hop for IPv6 routes; null: local IPv6 address, or the IPv4-mapped local address.
 * @param md5Password  RFC 2385 key, or null.
 * @param passive      wait for the peer to connect instead of connecting.
 * @param holdTimeSeconds per-peer hold time, or -1 for the speaker's.
 * @param bfd          RFC 5880/5881 BFD parameters for this peer, or null for no BFD.
 */
public record PeerConfig(
        InetAddress address,
        long remoteAs,
        int port,
        InetAddress localAddress,
        InetAddress nextHop4,
        InetAddress nextHop6,
        String md5Password,
        boolean passive,
        int holdTimeSeconds,
        io.levitate.bgp.bfd.BfdConfig bfd) {
    /** A peer without BFD (the form every caller used before BFD existed). */
    public PeerConfig(
            final InetAddress address,
            final long remoteAs,
            final int port,
            final InetAddress localAddress,
            final InetAddress nextHop4,
            final InetAddress nextHop6,
            final String md5Password,
            final boolean passive,
            final int holdTimeSeconds) {
        this(address, remoteAs, port, localAddress, nextHop4, nextHop6, md5Password, passive, holdTimeSeconds, null);
    }

    /** The same peer with BFD parameters (null: none). */
    public PeerConfig withBfd(final io.levitate.bgp.bfd.BfdConfig config) {
        return new PeerConfig(
                address,
                remoteAs,
                port,
                localAddress,
                nextHop4,
                nextHop6,
                md5Password,
                passive,
                holdTimeSeconds,
                config);
    }

    public String name() {
        return io.levitate.packet.Addresses.format(address);
    }
}
