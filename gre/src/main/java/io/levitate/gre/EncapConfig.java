package io.levitate.gre;

import io.levitate.packet.Addresses;

/**
 * Setup-time encapsulation settings, immutable and shared by all workers.
 *
 * <p>Outer source addresses: a /32 (IPv4) or /128 (IPv6) gives every packet the one configured
 * LB address. A shorter prefix gives each flow its own address from that prefix, derived from a
 * hash of the flow key, as Katran does: backends spread GRE flows over RX queues by the outer
 * addresses (RSS), and one fixed outer source would put every flow on one queue.
 */
public final class EncapConfig {
    /** Default outer TTL / hop limit: the Linux default; the tunnel crosses a few routers at most. */
    public static final int DEFAULT_TTL = 64;
    /** Default IP MTU of the LB-to-backend path (plain Ethernet). */
    public static final int DEFAULT_MTU = 1500;
    /** ICMP too-big messages per second per worker (RFC 1812 section 4.3.2.8 asks for a limit). */
    public static final int DEFAULT_ICMP_PER_SECOND = 1000;
    /** Burst the limiter lets through at once. */
    public static final int DEFAULT_ICMP_BURST = 50;
    /**
     * Smallest MTU accepted: IPv6's minimum link MTU (RFC 8200 section 5) plus the largest outer
     * headers (IPv6 40 + keyed GRE 8), so a too-big message never has to advertise less than 1280.
     */
    public static final int MIN_MTU = 1280 + 40 + 8;
    /** Largest MTU accepted: an IPv4 packet's largest total length (ports' MTUs stay far below it). */
    public static final int MAX_MTU = 65535;

    final long portMac;
    final int sourceV4;
    final int sourceV4HostMask;
    final long sourceV6Hi;
    final long sourceV6Lo;
    final long sourceV6HostMask;
    final int ttl;
    final DfPolicy dfPolicy;
    final int mtu;
    final int icmpPerSecond;
    final int icmpBurst;

    private EncapConfig(Builder b) {
        this.portMac = b.portMac;
        this.sourceV4HostMask = b.v4PrefixLength == 32 ? 0 : (int) (0xFFFF_FFFFL >>> b.v4PrefixLength);
        this.sourceV4 = b.sourceV4 & ~sourceV4HostMask;
        this.sourceV6HostMask = b.v6PrefixLength == 128 ? 0 : -1L >>> (b.v6PrefixLength - 64);
        this.sourceV6Hi = b.sourceV6Hi;
        this.sourceV6Lo = b.sourceV6Lo & ~sourceV6HostMask;
        this.ttl = b.ttl;
        this.dfPolicy = b.dfPolicy;
        this.mtu = b.mtu;
        this.icmpPerSecond = b.icmpPerSecond;
        this.icmpBurst = b.icmpBurst;
    }

    public static Builder builder() {
        return new Builder();
    }

    public long portMac() {
        return portMac;
    }

    public int mtu() {
        return mtu;
    }

    public int ttl() {
        return ttl;
    }

    public DfPolicy dfPolicy() {
        return dfPolicy;
    }

    public static final class Builder {
        private long portMac = -1;
        private int sourceV4;
        private int v4PrefixLength = 32;
        private long sourceV6Hi;
        private long sourceV6Lo;
        private int v6PrefixLength = 128;
        private int ttl = DEFAULT_TTL;
        private DfPolicy dfPolicy = DfPolicy.SET;
        private int mtu = DEFAULT_MTU;
        private int icmpPerSecond = DEFAULT_ICMP_PER_SECOND;
        private int icmpBurst = DEFAULT_ICMP_BURST;

        public Builder portMac(long mac) {
            this.portMac = mac;
            return this;
        }

        /** One fixed IPv4 outer source. */
        public Builder sourceV4(String address) {
            return sourceV4(address, 32);
        }

        /** IPv4 outer sources from {@code address/prefixLength}, one per flow (16..32). */
        public Builder sourceV4(String address, int prefixLength) {
            if (prefixLength < 16 || prefixLength > 32) {
                throw new IllegalArgumentException("IPv4 source prefix length must be 16..32: " + prefixLength);
            }
            this.sourceV4 = Addresses.ipv4(address);
            this.v4PrefixLength = prefixLength;
            return this;
        }

        public Builder sourceV6(String address) {
            return sourceV6(address, 128);
        }

        /** IPv6 outer sources from {@code address/prefixLength}, one per flow (64..128: entropy goes in the interface id). */
        public Builder sourceV6(String address, int prefixLength) {
            if (prefixLength < 64 || prefixLength > 128) {
                throw new IllegalArgumentException("IPv6 source prefix length must be 64..128: " + prefixLength);
            }
            long[] a = Addresses.ipv6(address);
            this.sourceV6Hi = a[0];
            this.sourceV6Lo = a[1];
            this.v6PrefixLength = prefixLength;
            return this;
        }

        public Builder ttl(int ttl) {
            if (ttl < 1 || ttl > 255) {
                throw new IllegalArgumentException("TTL must be 1..255: " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        public Builder dfPolicy(DfPolicy policy) {
            this.dfPolicy = policy;
            return this;
        }

        /** IP MTU of the path to the backends (outer IP header included, Ethernet excluded). */
        public Builder mtu(int mtu) {
            if (mtu < MIN_MTU || mtu > MAX_MTU) {
                throw new IllegalArgumentException("MTU must be " + MIN_MTU + ".." + MAX_MTU + ": " + mtu);
            }
            this.mtu = mtu;
            return this;
        }

        public Builder icmpRateLimit(int perSecond, int burst) {
            if (perSecond < 1 || burst < 1) {
                throw new IllegalArgumentException("ICMP rate and burst must be positive");
            }
            this.icmpPerSecond = perSecond;
            this.icmpBurst = burst;
            return this;
        }

        public EncapConfig build() {
            if (portMac < 0) {
                throw new IllegalArgumentException("port MAC is required");
            }
            return new EncapConfig(this);
        }
    }
}
