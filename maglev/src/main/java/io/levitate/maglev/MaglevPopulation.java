package io.levitate.maglev;

import java.util.Arrays;

/**
 * Maglev table population (paper, section 3.4), with weights.
 *
 * <p>Each backend i walks its own permutation {@code (offset_i + j * skip_i) mod M}, j = 0, 1, ...;
 * backends take turns, and on its turn a backend claims the next slot of its permutation that is
 * still empty. Population ends when all M slots are claimed.
 *
 * <p><b>Weights</b> (the paper gives no method; this is the "turns proportional to weight" variant):
 * population runs in rounds; in each round every backend adds its weight to a credit, and a backend
 * whose credit has reached {@code maxWeight} pays {@code maxWeight} and takes one turn. After r
 * rounds backend i has had exactly &lfloor;r &middot; w<sub>i</sub> / w<sub>max</sub>&rfloor; turns,
 * and every turn claims exactly one slot, so slot counts are proportional to weight to within one
 * slot. With equal weights every backend takes a turn every round: the paper's algorithm exactly.
 * A backend of weight 0 never takes a turn and owns no slot. The tie-break when two backends want
 * the same slot is turn order: backend index order.
 *
 * <p>Cost: O(M log M) slot probes on average. Probes test a bitmap of claimed slots (M / 8 bytes,
 * cache-resident at M = 65537) rather than the table itself.
 */
public final class MaglevPopulation {
    /** Slot value when no backend is eligible. */
    public static final int NO_BACKEND = -1;

    private MaglevPopulation() {
    }

    /**
     * Populates a table.
     *
     * @param m       table size, prime
     * @param offsets per backend, in [0, m)
     * @param skips   per backend, in [1, m)
     * @param weights per backend, &ge; 0
     * @return m slots, each a backend index, or all {@link #NO_BACKEND} if no weight is positive
     */
    public static int[] populate(int m, int[] offsets, int[] skips, int[] weights) {
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
        long maxWeight = 0;
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
        final int[] eligible = new int[eligibleCount];
        for (int i = 0, e = 0; i < n; i++) {
            if (weights[i] > 0) {
                eligible[e++] = i;
            }
        }

        final long[] claimed = new long[(m + 63) >>> 6];
        final int[] next = offsets.clone();      // next permutation position of each backend
        final long[] credit = new long[n];
        int filled = 0;
        while (true) {
            for (int e = 0; e < eligibleCount; e++) {
                final int i = eligible[e];
                final long c = credit[i] + weights[i];
                if (c < maxWeight) {
                    credit[i] = c;
                    continue;
                }
                credit[i] = c - maxWeight;
                final int skip = skips[i];
                int slot = next[i];
                // M prime and 1 <= skip < M: the permutation is a single cycle over all slots, so
                // while any slot is empty this loop finds one.
                while ((claimed[slot >>> 6] & (1L << slot)) != 0) {
                    slot += skip;
                    if (slot >= m) {
                        slot -= m;
                    }
                }
                claimed[slot >>> 6] |= 1L << slot;
                table[slot] = i;
                slot += skip;
                if (slot >= m) {
                    slot -= m;
                }
                next[i] = slot;
                if (++filled == m) {
                    return table;
                }
            }
        }
    }
}
