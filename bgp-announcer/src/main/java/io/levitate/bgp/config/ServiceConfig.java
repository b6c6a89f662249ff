package io.levitate.bgp.config;

import io.levitate.core.counters.CountersLayout;
import java.net.InetAddress;

/**
 * The part of a {@code services[]} entry the announcer reads.
 *
 * @param name     service name (for logs and metrics).
 * @param vip      the VIP announced as a host route.
 * @param port     1..65535, or 0 for "any" (as the counters file's service key encodes it).
 * @param protocol IP protocol number: 6 TCP, 17 UDP.
 * @param announce whether the announcer announces this VIP at all.
 */
public record ServiceConfig(String name, InetAddress vip, int port, int protocol, boolean announce) {
    /** The 20-byte service key of docs/COUNTERS.md: family, protocol, port (big-endian), address. */
    public byte[] counterKey() {
        return CountersLayout.serviceKey(vip, protocol, port);
    }
}
