package io.levitate.perf.maglev;

import io.levitate.maglev.TableSizes;
import java.util.Arrays;

/**
 * {@code io.levitate.maglev.MaglevPopulation} as of commit 827f8d1, before the lanes and blocked
 * probing, kept unchanged so that {@link MaglevBuildBenchmark} measures the old and the new
 * population in the same run (the machine's load varies too much between runs to compare
 * figures taken at different times). Its tables are the same, slot for slot
 * ({@code MaglevBuildBenchmark#setUp} checks it).
 */
final class LegacyMaglevPopulation {
    /** Slot value when no backend is eligible. */
    public static final int NO_BACKEND = -1;

    /**
     * Tail length factor: the tail phase starts at about {@code TAIL_FACTOR * sqrt(M)} empty slots,
     * where a probing turn (~M / E probes of ~1 ns) starts to cost more than a tail turn (E steps of
     * ~1 ns). Measured with {@code MaglevBuildBenchmark}; any value gives the same table.
     */
    private static final double TAIL_FACTOR = 1.0;

    /** Largest M the tail phase runs at: M^2 &lt; 2^52 keeps its double-precision reduction exact. */
    private static final int TAIL_MAX_M = 1 << 26;

    private LegacyMaglevPopulation() {}

    /**
     * Populates a table.
     *
     * @param m       table size, prime
     * @param offsets per backend, in [0, m)
     * @param skips   per backend, in [1, m)
     * @param weights per backend, &ge; 0
     * @return m slots, each a backend index, or all {@link #NO_BACKEND} if no weight is positive
     */
    static int[] populate(int m, int[] offsets, int[] skips, int[] weights) {
        return populate(m, offsets, skips, weights, tailSlots(m));
    }

    /** Empty slots at which the tail phase starts. */
    static int tailSlots(int m) {
        return (int) Math.min(m, Math.ceil(TAIL_FACTOR * Math.sqrt(m)));
    }

    /** {@link #populate(int, int[], int[], int[])} with a given tail length (tests: any value, same table). */
    static int[] populate(int m, int[] offsets, int[] skips, int[] weights, int tail) {
        final int n = offsets.length;
        if (skips.length != n || weights.length != n) {
            throw new IllegalArgumentException("offsets, skips and weights differ in length");
        }
        if (!TableSizes.isPrime(m)) {
            // With a composite M a skip sharing a factor with M cycles over part of the table and
            // the probe loop below would never end.
            throw new IllegalArgumentException("table size must be prime: " + m);
        }
        final int[] table = new int[m];
        Arrays.fill(table, NO_BACKEND);

        int eligibleCount = 0;
        int maxWeight = 0;
        for (int i = 0; i < n; i++) {
            if (offsets[i] < 0 || offsets[i] >= m || skips[i] < 1 || skips[i] >= m || weights[i] < 0) {
                throw new IllegalArgumentException("backend " + i + ": offset, skip or weight out of range");
            }
            if (weights[i] > 0) {
                eligibleCount++;
                maxWeight = Math.max(maxWeight, weights[i]);
            }
        }
        if (eligibleCount == 0) {
            return table;
        }
        // Per eligible backend, in turn order: index, weight, skip, next permutation position.
        final int[] index = new int[eligibleCount];
        final int[] weight = new int[eligibleCount];
        final int[] skip = new int[eligibleCount];
        final int[] next = new int[eligibleCount];
        boolean equalWeights = true;
        for (int i = 0, e = 0; i < n; i++) {
            if (weights[i] > 0) {
                index[e] = i;
                weight[e] = weights[i];
                skip[e] = skips[i];
                next[e] = offsets[i];
                equalWeights &= weights[i] == maxWeight;
                e++;
            }
        }
        // Credits stay below maxWeight + weight <= 2 * Backend.MAX_WEIGHT: int is enough, but
        // weights passed here directly may be larger, so keep the original long arithmetic.
        final long[] credit = equalWeights ? null : new long[eligibleCount];

        // The tail's step count is exact only while M^2 stays within a double's 53 bits.
        final int tailLength = m <= TAIL_MAX_M ? Math.max(1, Math.min(tail, m)) : 1;
        final int probeFills = m - tailLength;
        final long[] claimed = new long[(m + 63) >>> 6];
        int filled = 0;
        int e = 0;
        // Probing phase: runs until probeFills slots are claimed, then hands over mid-round.
        if (probeFills > 0) {
            probing:
            while (true) {
                for (e = 0; e < eligibleCount; e++) {
                    if (credit != null) {
                        final long c = credit[e] + weight[e];
                        if (c < maxWeight) {
                            credit[e] = c;
                            continue;
                        }
                        credit[e] = c - maxWeight;
                    }
                    final int s = skip[e];
                    int slot = next[e];
                    // M prime and 1 <= skip < M: the permutation is a single cycle over all slots,
                    // so while any slot is empty this loop finds one.
                    while ((claimed[slot >>> 6] & (1L << slot)) != 0) {
                        slot += s;
                        if (slot >= m) {
                            slot -= m;
                        }
                    }
                    claimed[slot >>> 6] |= 1L << slot;
                    table[slot] = index[e];
                    slot += s;
                    if (slot >= m) {
                        slot -= m;
                    }
                    next[e] = slot;
                    if (++filled == probeFills) {
                        e++;
                        break probing;
                    }
                }
            }
        }
        tail(m, table, claimed, filled, e, index, weight, skip, next, credit, maxWeight);
        return table;
    }

    /**
     * Claims the remaining empty slots, resuming the turn order at eligible backend {@code firstTurn}
     * (which may equal the count: the round is then complete).
     */
    private static void tail(
            int m,
            int[] table,
            long[] claimed,
            int filled,
            int firstTurn,
            int[] index,
            int[] weight,
            int[] skip,
            int[] next,
            long[] credit,
            int maxWeight) {
        final int eligibleCount = index.length;
        int emptyCount = m - filled;
        final int[] empty = new int[emptyCount];
        for (int w = 0, k = 0; w < claimed.length; w++) {
            long free = ~claimed[w];
            while (free != 0) {
                final int slot = (w << 6) + Long.numberOfTrailingZeros(free);
                if (slot >= m) {
                    break;
                }
                empty[k++] = slot;
                free &= free - 1;
            }
        }
        final long[] inverse = new long[eligibleCount];
        for (int e = 0; e < eligibleCount; e++) {
            inverse[e] = inverseMod(skip[e], m);
        }
        final double reciprocal = 1.0 / m;
        int e = firstTurn;
        while (true) {
            for (; e < eligibleCount; e++) {
                if (credit != null) {
                    final long c = credit[e] + weight[e];
                    if (c < maxWeight) {
                        credit[e] = c;
                        continue;
                    }
                    credit[e] = c - maxWeight;
                }
                final int p = next[e];
                final long inv = inverse[e];
                // Branch-free: steps < 2^26 and k < 2^31 packed in one long, so the least packed
                // value names the empty slot with the fewest steps (steps are distinct: the
                // permutation is a bijection).
                long least = Long.MAX_VALUE;
                for (int k = 0; k < emptyCount; k++) {
                    int diff = empty[k] - p;
                    diff += (diff >> 31) & m; // (s - p) mod M, in [0, M)
                    final long x = diff * inv; // < M^2 < 2^52: exact in a long and a double
                    long steps = x - (long) (x * reciprocal) * m;
                    // The double quotient is off by at most one either way: bring steps into [0, M).
                    steps += m & (steps >> 63);
                    steps -= m & ~((steps - m) >> 63);
                    least = Math.min(least, steps << 32 | k);
                }
                final int best = (int) least;
                final int slot = empty[best];
                empty[best] = empty[--emptyCount];
                table[slot] = index[e];
                final int after = slot + skip[e];
                next[e] = after >= m ? after - m : after;
                if (emptyCount == 0) {
                    return;
                }
            }
            e = 0;
        }
    }

    /** skip<sup>-1</sup> mod m for prime m and 0 &lt; skip &lt; m (extended Euclid). */
    static long inverseMod(long skip, long m) {
        long r0 = m;
        long r1 = skip;
        long t0 = 0;
        long t1 = 1;
        while (r1 != 0) {
            final long q = r0 / r1;
            long r = r0 - q * r1;
            r0 = r1;
            r1 = r;
            long t = t0 - q * t1;
            t0 = t1;
            t1 = t;
        }
        return t0 < 0 ? t0 + m : t0;
    }
}
