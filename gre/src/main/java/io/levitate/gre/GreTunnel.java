package io.levitate.gre;

import io.levitate.packet.Addresses;
import io.levitate.packet.FlowKey;

/**
 * One backend as a tunnel endpoint: immutable, built at setup (and rebuilt when its next-hop MAC
 * changes), shared read-only by every worker. The backend's address family chooses the outer
 * header: IPv4 outer (20 bytes) or IPv6 outer (40 bytes), whatever the inner family.
 */
public final class GreTunnel {
    private final int family;
    private final int destinationV4;
    private final long destinationV6Hi;
    private final long destinationV6Lo;
    private final long nextHopMac;
    private final boolean keyed;
    private final int key;

    private GreTunnel(int family, int v4, long v6Hi, long v6Lo, long nextHopMac, boolean keyed, int key) {
        this.family = family;
        this.destinationV4 = v4;
        this.destinationV6Hi = v6Hi;
        this.destinationV6Lo = v6Lo;
        this.nextHopMac = nextHopMac;
        this.keyed = keyed;
        this.key = key;
    }

    public static GreTunnel ipv4(int backend, long nextHopMac) {
        return new GreTunnel(FlowKey.FAMILY_IPV4, backend, 0, 0, nextHopMac, false, 0);
    }

    public static GreTunnel ipv4(String backend, long nextHopMac) {
        return ipv4(Addresses.ipv4(backend), nextHopMac);
    }

    public static GreTunnel ipv6(long backendHi, long backendLo, long nextHopMac) {
        return new GreTunnel(FlowKey.FAMILY_IPV6, 0, backendHi, backendLo, nextHopMac, false, 0);
    }

    public static GreTunnel ipv6(String backend, long nextHopMac) {
        long[] a = Addresses.ipv6(backend);
        return ipv6(a[0], a[1], nextHopMac);
    }

    /** The same tunnel with an RFC 2890 key (e.g. a service id the backend demultiplexes on). */
    public GreTunnel withKey(int greKey) {
        return new GreTunnel(family, destinationV4, destinationV6Hi, destinationV6Lo, nextHopMac, true, greKey);
    }

    /** The same tunnel toward a new next hop (neighbour table update). */
    public GreTunnel withNextHopMac(long mac) {
        return new GreTunnel(family, destinationV4, destinationV6Hi, destinationV6Lo, mac, keyed, key);
    }

    public int family() {
        return family;
    }

    public int destinationV4() {
        return destinationV4;
    }

    public long destinationV6Hi() {
        return destinationV6Hi;
    }

    public long destinationV6Lo() {
        return destinationV6Lo;
    }

    public long nextHopMac() {
        return nextHopMac;
    }

    public boolean keyed() {
        return keyed;
    }

    public int key() {
        return key;
    }

    @Override
    public String toString() {
        return "GreTunnel{"
                + Addresses.format(
                        family,
                        destinationV6Hi,
                        family == FlowKey.FAMILY_IPV4 ? destinationV4 & 0xFFFF_FFFFL : destinationV6Lo)
                + " via " + Addresses.formatMac(nextHopMac)
                + (keyed ? " key=" + Integer.toUnsignedString(key) : "") + "}";
    }
}
