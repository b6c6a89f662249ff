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
                assertArrayEquals(
                        reference(m, offsets, skips, weights),
                        MaglevPopulation.populate(m, offsets, skips, weights),
                        "m=" + m + " kind=" + kind);
            }
        }
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
