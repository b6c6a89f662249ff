package io.levitate.conntrack;

/**
 * Start-up settings of a {@link ConntrackTable}. Times are milliseconds of the caller's monotonic
 * clock (the {@code now} passed to every table call).
 *
 * @param capacity             entries to allocate (rounded up to a multiple of 8); the table holds
 *                             about 90 % of this before inserts start to evict
 * @param tcpEstablishedMs     idle timeout of a TCP flow that has sent a segment without SYN
 * @param tcpClosingMs         idle timeout of a TCP flow after a FIN or RST
 * @param tcpSynOnlyMs         idle timeout of a TCP flow that has only sent SYNs (half-open)
 * @param udpMs                idle timeout of a UDP flow
 * @param otherMs              idle timeout of any other protocol (ICMP, GRE, ESP, ...)
 * @param floodRatePerSecond   new entries per second above which inserts stop (0: no flood guard)
 * @param floodBurst           new entries allowed in a burst above the rate (the bucket depth; 0: one second of the rate)
 * @param maxServices          service ids are 0..maxServices-1 (at most 65536: stored in 16 bits)
 * @param defaultServiceQuota  entries one service may hold until told otherwise (0: no limit)
 * @param hashSeed             seed of the table's own hash; pick it at random per process so a
 *                             remote sender cannot aim keys at one probe window
 */
public record ConntrackConfig(
        int capacity,
        long tcpEstablishedMs,
        long tcpClosingMs,
        long tcpSynOnlyMs,
        long udpMs,
        long otherMs,
        int floodRatePerSecond,
        int floodBurst,
        int maxServices,
        int defaultServiceQuota,
        long hashSeed) {
    /** Largest capacity: 2^27 entries, 8 GiB. */
    public static final int MAX_CAPACITY = 1 << 27;
    /** Smallest capacity: a few probe windows. */
    public static final int MIN_CAPACITY = 64;

    /** Defaults: TCP established 300 s, closing 10 s, SYN-only 5 s, UDP 30 s, other 30 s; no flood guard, no quotas. */
    public static final long DEFAULT_TCP_ESTABLISHED_MS = 300_000;

    public static final long DEFAULT_TCP_CLOSING_MS = 10_000;
    public static final long DEFAULT_TCP_SYN_ONLY_MS = 5_000;
    public static final long DEFAULT_UDP_MS = 30_000;
    public static final long DEFAULT_OTHER_MS = 30_000;
    /** Enough services for a large deployment; the quota arrays cost 8 bytes per service. */
    public static final int DEFAULT_MAX_SERVICES = 4096;

    public ConntrackConfig {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity out of range 1.." + MAX_CAPACITY + ": " + capacity);
        }
        if (tcpEstablishedMs <= 0 || tcpClosingMs <= 0 || tcpSynOnlyMs <= 0 || udpMs <= 0 || otherMs <= 0) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (floodRatePerSecond < 0 || floodBurst < 0) {
            throw new IllegalArgumentException("flood guard rate and burst must not be negative");
        }
        if (maxServices < 1 || maxServices > 65536) {
            throw new IllegalArgumentException("maxServices out of range 1..65536: " + maxServices);
        }
        if (defaultServiceQuota < 0) {
            throw new IllegalArgumentException("service quota must not be negative");
        }
    }

    /** Default settings for {@code capacity} entries and a hash seed. */
    public static ConntrackConfig defaults(int capacity, long hashSeed) {
        return new ConntrackConfig(
                capacity,
                DEFAULT_TCP_ESTABLISHED_MS,
                DEFAULT_TCP_CLOSING_MS,
                DEFAULT_TCP_SYN_ONLY_MS,
                DEFAULT_UDP_MS,
                DEFAULT_OTHER_MS,
                0,
                0,
                DEFAULT_MAX_SERVICES,
                0,
                hashSeed);
    }

    /** The same settings with other timeouts. */
    public ConntrackConfig withTimeouts(long established, long closing, long synOnly, long udp, long other) {
        return new ConntrackConfig(
                capacity,
                established,
                closing,
                synOnly,
                udp,
                other,
                floodRatePerSecond,
                floodBurst,
                maxServices,
                defaultServiceQuota,
                hashSeed);
    }

    /** The same settings with a flood guard: {@code ratePerSecond} new entries per second, bucket depth {@code burst}. */
    public ConntrackConfig withFloodGuard(int ratePerSecond, int burst) {
        return new ConntrackConfig(
                capacity,
                tcpEstablishedMs,
                tcpClosingMs,
                tcpSynOnlyMs,
                udpMs,
                otherMs,
                ratePerSecond,
                burst,
                maxServices,
                defaultServiceQuota,
                hashSeed);
    }

    /** The same settings with another service-id range and default quota. */
    public ConntrackConfig withServices(int newMaxServices, int newDefaultQuota) {
        return new ConntrackConfig(
                capacity,
                tcpEstablishedMs,
                tcpClosingMs,
                tcpSynOnlyMs,
                udpMs,
                otherMs,
                floodRatePerSecond,
                floodBurst,
                newMaxServices,
                newDefaultQuota,
                hashSeed);
    }

    /** Entries actually allocated: the capacity rounded up to whole buckets of 8, at least {@link #MIN_CAPACITY}. */
    public int slots() {
        final int c = Math.max(capacity, MIN_CAPACITY);
        return (c + ConntrackTable.BUCKET - 1) / ConntrackTable.BUCKET * ConntrackTable.BUCKET;
    }
}
