package io.levitate.forwarder.capture;

import io.levitate.dpdk.NativeMemory;

/**
 * A compiled capture filter: primitive fields only, tested by a worker per packet while a capture
 * runs, so a test reads a few bytes of the frame and compares longs (no allocation, no lookup).
 *
 * <p>Two stages. {@link #matchesFrame} runs on the frame as received, before the worker's paths
 * alter it: addresses, protocol and ports (IPv4 and IPv6, untagged or with one VLAN tag). A filter
 * naming none of these matches every frame there. {@link #matchesVerdict} runs once the packet was
 * handled: the points asked for, the verdict (drops only), the drop reasons, the service and backend.
 */
public final class CaptureFilter {
    /** Capture points, as a bit mask of {@link #points}. */
    public static final int RX = 1;

    public static final int TX = 2;
    public static final int DROP = 4;

    /** Verdicts, as the worker's actions number them (lb.Action). */
    public static final int VERDICT_DROP = 0;

    public static final int VERDICT_FORWARD = 1;
    public static final int VERDICT_REPLY = 2;
    public static final int VERDICT_KERNEL = 3;

    /** "Any" for {@link #protocol}, {@link #service}, {@link #backend}. */
    public static final int ANY = -1;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;

    final int points;
    final boolean dropsOnly;
    /** Drop reason ids 0..127 as two 64-bit maps; both 0 means any reason. */
    final long reasonsLo;

    final long reasonsHi;
    /** Destination address (the VIP) as received: family 4 or 6 (0: any), 128 bits and a prefix mask. */
    final int vipFamily;

    final long vipHi;
    final long vipLo;
    final long vipMaskHi;
    final long vipMaskLo;
    /** Source address (the client) as received, the same way. */
    final int clientFamily;

    final long clientHi;
    final long clientLo;
    final long clientMaskHi;
    final long clientMaskLo;
    /** IP protocol (the last header of IPv6 extension chains is not followed: TCP, UDP, ICMP directly after). */
    final int protocol;
    /** Either port (source or destination) in [portLo, portHi]; portHi below 0 means any. */
    final int portLo;

    final int portHi;
    final int service;
    final int backend;

    CaptureFilter(final Builder b) {
        points = b.points;
        dropsOnly = b.dropsOnly;
        reasonsLo = b.reasonsLo;
        reasonsHi = b.reasonsHi;
        vipFamily = b.vipFamily;
        vipHi = b.vipHi & b.vipMaskHi;
        vipLo = b.vipLo & b.vipMaskLo;
        vipMaskHi = b.vipMaskHi;
        vipMaskLo = b.vipMaskLo;
        clientFamily = b.clientFamily;
        clientHi = b.clientHi & b.clientMaskHi;
        clientLo = b.clientLo & b.clientMaskLo;
        clientMaskHi = b.clientMaskHi;
        clientMaskLo = b.clientMaskLo;
        protocol = b.protocol;
        portLo = b.portLo;
        portHi = b.portHi;
        service = b.service;
        backend = b.backend;
    }

    /** Whether any point is asked for. */
    public int points() {
        return points;
    }

    private boolean headerFree() {
        return vipFamily == 0 && clientFamily == 0 && protocol == ANY && portHi < 0;
    }

    /**
     * The frame of {@code length} bytes at {@code address}, as received: whether its addresses,
     * protocol and ports are those asked for. A frame too short to show a field the filter names
     * does not match.
     */
    public boolean matchesFrame(final long address, final int length) {
        if (headerFree()) {
            return true;
        }
        if (length < 14) {
            return false;
        }
        int l2 = 14;
        int type = etherType(address, 12);
        if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
            if (length < 18) {
                return false;
            }
            type = etherType(address, 16);
            l2 = 18;
        }
        final int family;
        final long srcHi;
        final long srcLo;
        final long dstHi;
        final long dstLo;
        final int proto;
        final int l4;
        if (type == ETHERTYPE_IPV4) {
            if (length < l2 + 20) {
                return false;
            }
            family = 4;
            srcHi = 0;
            dstHi = 0;
            srcLo = u32(address, l2 + 12);
            dstLo = u32(address, l2 + 16);
            proto = u8(address, l2 + 9);
            l4 = l2 + (u8(address, l2) & 0x0F) * 4;
            // A non-first fragment carries no ports.
            if ((u16(address, l2 + 6) & 0x1FFF) != 0 && portHi >= 0) {
                return false;
            }
        } else if (type == ETHERTYPE_IPV6) {
            if (length < l2 + 40) {
                return false;
            }
            family = 6;
            srcHi = u64(address, l2 + 8);
            srcLo = u64(address, l2 + 16);
            dstHi = u64(address, l2 + 24);
            dstLo = u64(address, l2 + 32);
            proto = u8(address, l2 + 6);
            l4 = l2 + 40;
        } else {
            return false;
        }
        if (vipFamily != 0 && (vipFamily != family || (dstHi & vipMaskHi) != vipHi || (dstLo & vipMaskLo) != vipLo)) {
            return false;
        }
        if (clientFamily != 0
                && (clientFamily != family
                        || (srcHi & clientMaskHi) != clientHi
                        || (srcLo & clientMaskLo) != clientLo)) {
            return false;
        }
        if (protocol != ANY && proto != protocol) {
            return false;
        }
        if (portHi >= 0) {
            if ((proto != 6 && proto != 17 && proto != 132) || length < l4 + 4) {
                return false;
            }
            final int sport = u16(address, l4);
            final int dport = u16(address, l4 + 2);
            return (sport >= portLo && sport <= portHi) || (dport >= portLo && dport <= portHi);
        }
        return true;
    }

    /**
     * The packet once handled: whether a frame at {@code point} with this verdict, drop reason id
     * (meaningful for drops), service id and backend id (-1: none) is asked for.
     */
    public boolean matchesVerdict(
            final int point, final int verdict, final int reason, final int serviceId, final int backendId) {
        if ((points & point) == 0) {
            return false;
        }
        if (dropsOnly && verdict != VERDICT_DROP) {
            return false;
        }
        if ((reasonsLo | reasonsHi) != 0) {
            if (verdict != VERDICT_DROP || reason < 0 || reason > 127) {
                return false;
            }
            final long map = reason < 64 ? reasonsLo : reasonsHi;
            if ((map & (1L << (reason & 63))) == 0) {
                return false;
            }
        }
        if (service != ANY && serviceId != service) {
            return false;
        }
        return backend == ANY || backendId == backend;
    }

    /**
     * Whether a frame matching {@link #matchesFrame} can match at all once handled, for any verdict:
     * false only when no point is asked for.
     */
    boolean anyPoint() {
        return points != 0;
    }

    private static int etherType(final long address, final int offset) {
        return u16(address, offset);
    }

    private static int u8(final long address, final int offset) {
        return NativeMemory.getByte(address + offset) & 0xFF;
    }

    private static int u16(final long address, final int offset) {
        return (u8(address, offset) << 8) | u8(address, offset + 1);
    }

    private static long u32(final long address, final int offset) {
        return ((long) u16(address, offset) << 16) | u16(address, offset + 2);
    }

    private static long u64(final long address, final int offset) {
        return (u32(address, offset) << 32) | u32(address, offset + 4);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a filter's fields; {@link CaptureRequest#parse} fills it from a request line. */
    public static final class Builder {
        int points = RX | TX | DROP;
        boolean dropsOnly;
        long reasonsLo;
        long reasonsHi;
        int vipFamily;
        long vipHi;
        long vipLo;
        long vipMaskHi;
        long vipMaskLo;
        int clientFamily;
        long clientHi;
        long clientLo;
        long clientMaskHi;
        long clientMaskLo;
        int protocol = ANY;
        int portLo;
        int portHi = -1;
        int service = ANY;
        int backend = ANY;

        private Builder() {}

        public Builder points(final int points) {
            this.points = points;
            return this;
        }

        public Builder dropsOnly(final boolean dropsOnly) {
            this.dropsOnly = dropsOnly;
            return this;
        }

        public Builder reason(final int id) {
            if (id < 0 || id > 127) {
                throw new IllegalArgumentException("reason id " + id + " is not 0..127");
            }
            if (id < 64) {
                reasonsLo |= 1L << id;
            } else {
                reasonsHi |= 1L << (id - 64);
            }
            return this;
        }

        /** The destination prefix: family 4 or 6, the address's 128 bits (IPv4 in the low 32), its length. */
        public Builder vip(final int family, final long hi, final long lo, final int prefix) {
            vipFamily = family;
            vipHi = hi;
            vipLo = lo;
            final long[] mask = mask(family, prefix);
            vipMaskHi = mask[0];
            vipMaskLo = mask[1];
            return this;
        }

        /** The source prefix, as {@link #vip}. */
        public Builder client(final int family, final long hi, final long lo, final int prefix) {
            clientFamily = family;
            clientHi = hi;
            clientLo = lo;
            final long[] mask = mask(family, prefix);
            clientMaskHi = mask[0];
            clientMaskLo = mask[1];
            return this;
        }

        public Builder protocol(final int protocol) {
            this.protocol = protocol;
            return this;
        }

        public Builder ports(final int lo, final int hi) {
            portLo = lo;
            portHi = hi;
            return this;
        }

        public Builder service(final int id) {
            service = id;
            return this;
        }

        public Builder backend(final int id) {
            backend = id;
            return this;
        }

        public CaptureFilter build() {
            return new CaptureFilter(this);
        }

        private static long[] mask(final int family, final int prefix) {
            if (family == 4) {
                return new long[] {0, prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL};
            }
            final long hi = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
            final long lo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
            return new long[] {hi, lo};
        }
    }
}
