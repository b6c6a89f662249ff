package io.levitate.maglev;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The optimised {@link MaglevPopulation} must give the same table, slot for slot, as a
 * straightforward implementation of the documented algorithm (kept here, written for clarity: the
 * permutation computed with a modulo per probe, the table itself as the record of claimed slots,
 * long credits per round). Tables are a cross-machine invariant, so any difference is a bug.
 */
class MaglevReferenceTest {

    /** The algorithm of the {@link MaglevPopulation} class comment, as plainly as possible. */
    static int[] reference(int m, int[] offsets, int[] skips, int[] weights) {
        final int n = offsets.length;
        final int[] table = new int[m];
        Arrays.fill(table, -1);
        long maxWeight = 0;
        for (int w : weights) {
            maxWeight = Math.max(maxWeight, w);
        }
        if (maxWeight == 0) {
            return table;
        }
        final long[] j = new long[n]; // next permutation index of each backend
        final long[] credit = new long[n];
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                if (weights[i] == 0) {
                    continue;
                }
                credit[i] += weights[i];
                if (credit[i] < maxWeight) {
                    continue;
                }
                credit[i] -= maxWeight;
                int slot;
                do {
                    slot = (int) ((offsets[i] + j[i] * skips[i]) % m);
                    j[i]++;
                } while (table[slot] != -1);
                table[slot] = i;
                if (++filled == m) {
                    return table;
                }
            }
        }
    }

    /**
     * The paper's population loop (section 3.4, Pseudocode 1) as it is written there, for equal
     * weights: a full permutation table {@code permutation[i][j] = (offset_i + j * skip_i) mod M}
     * computed up front, {@code next[i]} the index into it, round-robin over the backends, each
     * taking the first slot of its permutation whose entry is still -1. A removed backend (here:
     * weight 0) is simply left out of the round-robin, as the paper removes it.
     */
    static int[] paper(int m, int[] offsets, int[] skips, boolean[] present) {
        final int n = offsets.length;
        final int[] entry = new int[m];
        Arrays.fill(entry, -1);
        int count = 0;
        for (boolean p : present) {
            count += p ? 1 : 0;
        }
        if (count == 0) {
            return entry;
        }
        final int[][] permutation = new int[n][];
        for (int i = 0; i < n; i++) {
            if (present[i]) {
                permutation[i] = new int[m];
                for (int j = 0; j < m; j++) {
                    permutation[i][j] = (int) ((offsets[i] + (long) j * skips[i]) % m);
                }
            }
        }
        final int[] next = new int[n];
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                if (!present[i]) {
                    continue;
                }
                int c = permutation[i][next[i]];
                while (entry[c] >= 0) {
                    next[i]++;
                    c = permutation[i][next[i]];
                }
                entry[c] = i;
                next[i]++;
                filled++;
                if (filled == m) {
                    return entry;
                }
            }
        }
    }

    @Test
    void equalWeightsGiveThePapersTableOnRandomInputs() {
        final SplittableRandom rnd = new SplittableRandom(0xBA9E5L);
        final int[] sizes = {2, 3, 7, 101, 1009, 4099, 65537};
        for (int trial = 0; trial < 60; trial++) {
            final int m = sizes[trial % sizes.length];
            // The permutation table is n * M ints: keep it to a few MB.
            final int n = 1 + rnd.nextInt(Math.min(m, m > 4099 ? 40 : 300));
            final int[] offsets = new int[n];
            final int[] skips = new int[n];
            final int[] weights = new int[n];
            final boolean[] present = new boolean[n];
            final int weight = 1 + rnd.nextInt(5);
            for (int i = 0; i < n; i++) {
                offsets[i] = rnd.nextInt(m);
                skips[i] = m == 2 ? 1 : 1 + rnd.nextInt(m - 1);
                present[i] = trial % 3 != 0 || rnd.nextInt(4) != 0; // every third trial: some removed
                weights[i] = present[i] ? weight : 0;
            }
            assertArrayEquals(
                    paper(m, offsets, skips, present),
                    MaglevPopulation.populate(m, offsets, skips, weights),
                    "trial " + trial + " m=" + m + " n=" + n);
        }
    }

    @Test
    void matchesTheReferenceOnRandomInputs() {
        final SplittableRandom rnd = new SplittableRandom(0x5EED_1E5L);
        final int[] sizes = {2, 3, 7, 13, 101, 251, 1009, 4099, 65537};
        for (int trial = 0; trial < 200; trial++) {
            final int m = trial < 190 ? sizes[trial % (sizes.length - 1)] : sizes[sizes.length - 1];
            final int n = 1 + rnd.nextInt(trial % 3 == 0 ? 3 : Math.min(m, 200));
            final int[] offsets = new int[n];
            final int[] skips = new int[n];
            final int[] weights = new int[n];
            final int weightKind = trial % 4; // 0: equal, 1: small mixed, 2: mixed with zeros, 3: wide range
            for (int i = 0; i < n; i++) {
                offsets[i] = rnd.nextInt(m);
                skips[i] = m == 2 ? 1 : 1 + rnd.nextInt(m - 1);
                weights[i] = switch (weightKind) {
                    case 0 -> 3;
                    case 1 -> 1 + rnd.nextInt(4);
                    case 2 -> rnd.nextInt(3);
                    default -> 1 + rnd.nextInt(50);
                };
            }
            final int[] want = reference(m, offsets, skips, weights);
            assertArrayEquals(
                    want,
                    MaglevPopulation.populate(m, offsets, skips, weights),
                    "trial " + trial + " m=" + m + " n=" + n);
            // The tail phase must not change the table whatever its length: all probing, all tail.
            // (An all-tail run costs M^2 / 2 steps: only at the small sizes.)
            for (int tail : m > 4099 ? new int[0] : new int[] {1, m / 2 + 1, m}) {
                assertArrayEquals(
                        want,
                        MaglevPopulation.populate(m, offsets, skips, weights, tail),
                        "trial " + trial + " m=" + m + " n=" + n + " tail=" + tail);
            }
            // Nor the rounds phase whatever its end: rounds until the tail, or no rounds at all.
            for (int roundEmpty : new int[] {0, m}) {
                assertArrayEquals(
                        want,
                        MaglevPopulation.populate(
                                m, offsets, skips, weights, MaglevPopulation.tailSlots(m), roundEmpty),
                        "trial " + trial + " m=" + m + " n=" + n + " roundEmpty=" + roundEmpty);
            }
        }
    }

    @Test
    void matchesTheReferenceAtThePapersSizesWith1000Backends() {
        final SplittableRandom rnd = new SplittableRandom(42);
        for (int m : new int[] {65537, 655373}) {
            for (int kind = 0; kind < 2; kind++) {
                final int n = 1000;
                final int[] offsets = new int[n];
                final int[] skips = new int[n];
                final int[] weights = new int[n];
                for (int i = 0; i < n; i++) {
                    offsets[i] = rnd.nextInt(m);
                    skips[i] = 1 + rnd.nextInt(m - 1);
                    weights[i] = kind == 0 ? 1 : rnd.nextInt(4);
                }
                final int[] want = reference(m, offsets, skips, weights);
                assertArrayEquals(
                        want, MaglevPopulation.populate(m, offsets, skips, weights), "m=" + m + " kind=" + kind);
                // Rounds down to the tail: rounds whose turns collide often (about N / E of them).
                assertArrayEquals(
                        want,
                        MaglevPopulation.populate(m, offsets, skips, weights, MaglevPopulation.tailSlots(m), 0),
                        "m=" + m + " kind=" + kind + " rounds to the tail");
            }
        }
    }

    /**
     * The tail's double-precision step count against exact integer arithmetic at the largest M it
     * runs at and the largest configured M, at the extremes of its inputs (a multiple of M, the
     * largest products) and on random ones.
     */
    @Test
    void tailStepsAreExactUpToTheLargestTailSize() {
        final SplittableRandom rnd = new SplittableRandom(0x7A11L);
        int largest = MaglevPopulation.TAIL_MAX_M;
        while (!TableSizes.isPrime(largest)) {
            largest--;
        }
        // 16775237: a prime whose 1.0 / M is rounded down far enough that M * (1.0 / M) < 1, so a
        // quotient without the added half is one short at a = M, inv = 1 (a backend at the slot).
        for (int m : new int[] {7, 65537, 655373, 16_775_237, TableSizes.MAX_CONFIGURED, largest}) {
            final double reciprocal = 1.0 / m;
            final long[] as = {1, 2, m - 1, m, m + 1, 2L * m - 2, 2L * m - 1};
            final long[] invs = {1, 2, m - 2, m - 1};
            for (long a : as) {
                for (long inv : invs) {
                    assertSteps(a, inv, m, reciprocal);
                }
            }
            for (int i = 0; i < 200_000; i++) {
                assertSteps(1 + rnd.nextLong(2L * m - 1), 1 + rnd.nextLong(m - 1), m, reciprocal);
            }
            // Products just above and below multiples of M.
            for (int i = 0; i < 20_000; i++) {
                final long inv = 1 + rnd.nextLong(m - 1);
                final long a = (rnd.nextLong(2L * inv) * m / inv) + rnd.nextInt(3) - 1;
                if (a >= 1 && a <= 2L * m - 1) {
                    assertSteps(a, inv, m, reciprocal);
                }
            }
        }
    }

    private static void assertSteps(long a, long inv, int m, double reciprocal) {
        assertEquals(
                (double) (a * inv % m),
                MaglevPopulation.tailSteps(a, inv, m, reciprocal),
                "a=" + a + " inv=" + inv + " m=" + m);
    }

    /** The tail at the largest configured size (few backends, so probing alone is affordable). */
    @Test
    void tailAtTheLargestConfiguredSizeGivesTheProbingTable() {
        final int m = TableSizes.MAX_CONFIGURED;
        final SplittableRandom rnd = new SplittableRandom(3);
        final int n = 3;
        final int[] offsets = new int[n];
        final int[] skips = new int[n];
        final int[] weights = {1, 2, 2};
        for (int i = 0; i < n; i++) {
            offsets[i] = rnd.nextInt(m);
            skips[i] = 1 + rnd.nextInt(m - 1);
        }
        final int[] probing = MaglevPopulation.populate(m, offsets, skips, weights, 1);
        assertArrayEquals(probing, MaglevPopulation.populate(m, offsets, skips, weights, 3000));
        assertArrayEquals(probing, MaglevPopulation.populate(m, offsets, skips, weights));
    }

    @Test
    void inverseModIsAnInverse() {
        for (int m : new int[] {2, 7, 65537, 655373, TableSizes.MAX_CONFIGURED}) {
            for (long s = 1; s < Math.min(m, 2000); s++) {
                assertEquals(1, MaglevPopulation.inverseMod(s, m) * s % m, "m=" + m + " s=" + s);
            }
            assertEquals(1, MaglevPopulation.inverseMod(m - 1, m) * (m - 1) % m);
        }
    }
}
