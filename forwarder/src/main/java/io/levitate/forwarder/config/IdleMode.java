package io.levitate.forwarder.config;

/**
 * What a worker does after a duty cycle that found no packets ({@code instance.idle}).
 * <ul>
 *   <li>{@link #BUSY_SPIN}: poll again at once. The lowest latency and the production default on
 *       dedicated (isolated) cores, like DPDK's own poll-mode applications.</li>
 *   <li>{@link #BACKOFF}: spin, then yield, then park for up to {@link #MAX_PARK_NANOS}, resetting
 *       as soon as a packet arrives (Agrona's {@code BackoffIdleStrategy}, the idea of DPDK's
 *       l3fwd-power). For shared CPUs: labs, several instances on one host, quiet standby
 *       machines. It costs up to one park period of latency on the first packet after a lull.</li>
 * </ul>
 */
public enum IdleMode {
    BUSY_SPIN,
    BACKOFF;

    /** Spins before yielding: a burst gap at line rate is far shorter than this. */
    public static final long MAX_SPINS = 1000;
    /** Yields before parking. */
    public static final long MAX_YIELDS = 100;
    /** First park: 1 µs. */
    public static final long MIN_PARK_NANOS = 1_000;
    /** Longest park: 200 µs, a bound on the added latency after a lull (an RX ring of 1024 fills in far longer at lab rates). */
    public static final long MAX_PARK_NANOS = 200_000;
}
