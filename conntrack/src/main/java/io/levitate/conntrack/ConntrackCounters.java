package io.levitate.conntrack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Counters of one worker's table. The worker is the only writer; an exporter or stat thread reads.
 *
 * <p>Memory ordering: the writer reads a counter plainly (it wrote every previous value itself) and
 * stores with release semantics, so a reader's acquire load sees a value at least as new as any
 * earlier one and never a torn long. On x86 a release store is an ordinary store: the hot path pays
 * nothing beyond the increment. Counters sit in one padded array so the writer's lines are shared
 * with nobody else's data.
 */
public final class ConntrackCounters {
    /** Lookups that found a live entry. */
    public static final int HITS = 0;
    /** Lookups that found nothing (or an entry that had expired). */
    public static final int MISSES = 1;
    /** New entries written. */
    public static final int INSERTS = 2;
    /** Live entries overwritten to make room (capacity or quota). */
    public static final int EVICTIONS = 3;
    /** Entries removed because they were idle past their timeout (by a slice, a lookup or an insert). */
    public static final int EXPIRATIONS = 4;
    /** Inserts refused by the flood guard; the flow was forwarded stateless. */
    public static final int FLOOD_GUARD_SKIPS = 5;
    /** Inserts refused because the service was at its quota with none of its entries in the window. */
    public static final int QUOTA_SKIPS = 6;
    /** Inserts refused because the probe window held only other services' live entries. */
    public static final int WINDOW_FULL_SKIPS = 7;
    /** Hits whose backend was down and that the caller re-resolved. */
    public static final int REBINDS = 8;
    /** Inserts refused for an invalid service or backend id. */
    public static final int INVALID_INSERTS = 9;
    /** Entries currently stored (live or expired but not yet removed). A gauge, not a count. */
    public static final int OCCUPANCY = 10;

    /** Number of counters. */
    public static final int COUNT = 11;

    private static final String[] NAMES = {
        "hits",
        "misses",
        "inserts",
        "evictions",
        "expirations",
        "flood_guard_skips",
        "quota_skips",
        "window_full_skips",
        "rebinds",
        "invalid_inserts",
        "occupancy"
    };

    /** 128 bytes of padding each side: two cache lines, against the adjacent-line prefetcher. */
    private static final int PAD = 16;

    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values = new long[PAD + COUNT + PAD];

    /** Name of counter {@code id} for exporters ({@code conntrack_<name>}). */
    public static String name(int id) {
        return NAMES[id];
    }

    /** Writer only: adds one, release store. */
    void incrementRelease(int id) {
        final int i = PAD + id;
        VALUES.setRelease(values, i, values[i] + 1);
    }

    /** Writer only: adds {@code delta}, release store. */
    void addRelease(int id, long delta) {
        final int i = PAD + id;
        VALUES.setRelease(values, i, values[i] + delta);
    }

    /** Any thread: acquire load. */
    public long getAcquire(int id) {
        return (long) VALUES.getAcquire(values, PAD + id);
    }
}
