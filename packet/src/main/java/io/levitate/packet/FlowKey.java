package io.levitate.packet;

/**
 * A flow's identity as primitives, reused across packets: the 5-tuple, or the 3-tuple
 * (source, destination, protocol) when the packet is a fragment (only the first fragment carries
 * ports, so every fragment of a datagram must hash without them to reach the same backend).
 *
 * <p>Addresses are held as two longs each, most significant half first in network order. IPv4
 * puts its address in the low 32 bits of {@code *Lo} with {@code *Hi} zero; {@link #family}
 * tells the two apart.
 */
public final class FlowKey {
    public static final int FAMILY_NONE = 0;
    public static final int FAMILY_IPV4 = 4;
    public static final int FAMILY_IPV6 = 6;

    public int family;
    public int protocol;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** 0 for fragments and for protocols without ports. */
    public int srcPort;

    public int dstPort;
    /** True when this is a 3-tuple key (the packet was a fragment). */
    public boolean fragment;

    public void clear() {
        family = FAMILY_NONE;
        protocol = 0;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
        srcPort = 0;
        dstPort = 0;
        fragment = false;
    }

    /** IPv4 source address as an int (network order value). */
    public int srcV4() {
        return (int) srcLo;
    }

    public int dstV4() {
        return (int) dstLo;
    }

    public void copyFrom(FlowKey other) {
        family = other.family;
        protocol = other.protocol;
        srcHi = other.srcHi;
        srcLo = other.srcLo;
        dstHi = other.dstHi;
        dstLo = other.dstLo;
        srcPort = other.srcPort;
        dstPort = other.dstPort;
        fragment = other.fragment;
    }

    /** Swaps source and destination (address and port), in place. */
    public void reverse() {
        long t = srcHi;
        srcHi = dstHi;
        dstHi = t;
        t = srcLo;
        srcLo = dstLo;
        dstLo = t;
        int p = srcPort;
        srcPort = dstPort;
        dstPort = p;
    }

    public boolean sameAs(FlowKey o) {
        return family == o.family
                && protocol == o.protocol
                && srcHi == o.srcHi
                && srcLo == o.srcLo
                && dstHi == o.dstHi
                && dstLo == o.dstLo
                && srcPort == o.srcPort
                && dstPort == o.dstPort
                && fragment == o.fragment;
    }

    /** For logs and tests only (allocates). */
    @Override
    public String toString() {
        return "FlowKey{v" + family + " proto=" + protocol + " "
                + Addresses.format(family, srcHi, srcLo) + ":" + srcPort + " -> "
                + Addresses.format(family, dstHi, dstLo) + ":" + dstPort
                + (fragment ? " fragment" : "") + "}";
    }
}
