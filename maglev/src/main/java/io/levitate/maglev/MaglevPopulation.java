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
 * <h2>How it runs fast (the result is the algorithm above, slot for slot)</h2>
 * <ul>
 *   <li><b>Claim bitmap.</b> Probes test a bitmap of claimed slots, never the table. It holds every
 *       slot twice (bit s and bit s + M), so a probe k steps ahead, at {@code s + (k * skip mod M)},
 *       needs no reduction mod M. Permutations are stepped incrementally ({@code pos += skip},
 *       conditional subtract), never with a division.</li>
 *   <li><b>Rounds phase</b> (all weights, until 8 % of the table is empty). In a round
 *       each backend takes at most one turn (a credit below {@code maxWeight} plus a weight of at
 *       most {@code maxWeight} pays {@code maxWeight} at most once), so the searches of a whole round are
 *       independent and run together: passes over a list of the round's backends, each pass
 *       advancing every backend that stands on a claimed slot by one step and keeping only those
 *       in the list, with no branch on a probe's result. A turn costs its own probes (2.7 on
 *       average in this phase), with independent loads from many backends in flight, instead of
 *       a mispredicted loop exit per turn. The turns then claim in order; a turn whose slot an
 *       earlier turn of the same round has just taken goes on from there by blocked probing,
 *       which is exactly where its search alone would have gone on, as every slot it passed was
 *       claimed before. (This replaced searching eight consecutive turns in lockstep, where each
 *       group waited for its slowest search: about 25 % less time in this phase at M = 655373.)</li>
 *   <li><b>Blocked probing</b> (after that, in turn order, one turn at a time): a turn tests eight
 *       probes of its permutation with independent loads and one branch per block, and picks the
 *       first free one from the block's bits without a branch.</li>
 *   <li><b>Tail phase.</b> With E slots empty a probing turn costs about M / E probes, so the last
 *       thousand or so slots would take a good share of all probes. Once at most
 *       {@link #tailSlots(int)} are empty, a turn instead computes, for every empty slot s, how
 *       many steps of the backend's permutation lie between its current position p and s:
 *       {@code d = (s - p) * skip^-1 mod M} (M is prime, so skip has an inverse), and claims the
 *       slot of least d. That is exactly the slot probing would have reached first, at a cost of
 *       E multiply-reduce steps per turn. The steps are computed in doubles, exact below 2^24
 *       (see {@link #tailSteps}), with the slot's list position packed below the step count so
 *       that one minimum gives both: no long multiply, no branch, and C2 vectorises the loop
 *       (with -XX:-UseSuperWord the tail takes 2.5 times as long): about three times faster per
 *       step than the long version it replaced, which moves the tail's start from 0.4 to 1.0
 *       sqrt(M) empty slots.</li>
 *   <li>Equal weights skip the credit arithmetic: every eligible backend then takes a turn every
 *       round, as the credit scheme would give. The table is not pre-filled: every slot is
 *       claimed.</li>
 *   <li>Measured and left out: a {@code char[]} working table for N &le; 65536 widened at the end
 *       (the random writes to the int table cost at most 0.3 ms at M = 655373, and the widening
 *       pass took about that), a claim bitmap of power-of-two length so that masking replaces the
 *       bounds checks (no difference), and rounds down to the tail with eight probes per pass
 *       (no difference against blocked probing).</li>
 * </ul>
 * A straightforward reference implementation in the tests checks the result on random inputs.
 */
public final class MaglevPopulation {
    /** Slot value when no backend is eligible. */
    public static final int NO_BACKEND = -1;

    /**
     * Tail length factor: the tail phase starts at about {@code TAIL_FACTOR * sqrt(M)} empty slots,
     * where a probing turn (~M / E blocked probes, about a ns each) starts to cost more than a tail
     * turn (E steps of a fraction of a ns: the step loop is compiled to vector instructions).
     * Measured at M = 65537 and 655373 with 1000 backends: 1.0 best at 655373 (0.4: 0.6 ms slower,
     * 2.0: 0.4 ms slower), 1.0 to 1.5 alike at 65537; any value gives the same table.
     */
    private static final double TAIL_FACTOR = 1.0;

    /**
     * Largest M the tail phase runs at: its step counts are computed in doubles, exactly for
     * M^2 &lt; 2^50 (see {@link #tailSteps}); 2^24 leaves a margin and is above every configured
     * size ({@link TableSizes#MAX_CONFIGURED}).
     */
    static final int TAIL_MAX_M = 1 << 24;

    /**
     * Largest M: the claim bitmap holds 2M bits and probe positions reach 2M - 2, both in an int.
     * (Configured sizes stop far below, at {@link TableSizes#MAX_CONFIGURED}.)
     */
    static final int MAX_M = 1 << 30;

    /**
     * The rounds phase ends when this share of the table is still empty: a turn then takes
     * M / E &gt; 12 probes on average, and blocked probing (eight probes per step) does them with
     * fewer instructions than the rounds' one probe per pass. Measured at N = 1000, old and new
     * interleaved: 0.08 about 2 % faster than 0.135 and 0.03 at M = 655373, alike at 65537.
     */
    private static final double ROUND_EMPTY_SHARE = 0.08;

    /** Probes per block in {@link #firstFreeBlocked}: written for 8. */
    private static final int BLOCK = 8;

    private MaglevPopulation() {}

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
        return populate(m, offsets, skips, weights, tailSlots(m), roundEmptySlots(m));
    }

    /** Empty slots at which the tail phase starts. */
    static int tailSlots(int m) {
        return (int) Math.min(m, Math.ceil(TAIL_FACTOR * Math.sqrt(m)));
    }

    /** {@link #populate(int, int[], int[], int[])} with a given tail length (tests: any value, same table). */
    static int[] populate(int m, int[] offsets, int[] skips, int[] weights, int tail) {
        return populate(m, offsets, skips, weights, tail, roundEmptySlots(m));
    }

    /** Empty slots at which the rounds phase ends. */
    static int roundEmptySlots(int m) {
        return (int) (m * ROUND_EMPTY_SHARE);
    }

    /**
     * {@link #populate(int, int[], int[], int[])} with a given tail length and end of the rounds
     * phase, in empty slots (tests: any values, same table; {@code roundEmpty = m}: no rounds).
     */
    static int[] populate(int m, int[] offsets, int[] skips, int[] weights, int tail, int roundEmpty) {
        final int n = offsets.length;
        if (skips.length != n || weights.length != n) {
            throw new IllegalArgumentException("offsets, skips and weights differ in length");
        }
        if (!TableSizes.isPrime(m)) {
            // With a composite M a skip sharing a factor with M cycles over part of the table and
            // the probe loop below would never end.
            throw new IllegalArgumentException("table size must be prime: " + m);
        }
        if (m > MAX_M) {
            throw new IllegalArgumentException("table size above " + MAX_M + ": " + m);
        }
        final int[] table = new int[m];

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
            Arrays.fill(table, NO_BACKEND);
            return table;
        }
        // Otherwise every slot is claimed below: no need to fill the table first.
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
        // Per eligible backend, BLOCK entries k * skip mod M (k = 0 .. BLOCK - 1): the offsets of a
        // block of probes from its first position.
        final int[] multiples = new int[eligibleCount * BLOCK];
        for (int e = 0; e < eligibleCount; e++) {
            for (int k = 1; k < BLOCK; k++) {
                multiples[e * BLOCK + k] = addMod(multiples[e * BLOCK + k - 1], skip[e], m);
            }
        }

        // The tail's double-precision step count is exact only up to TAIL_MAX_M.
        final int tailLength = m <= TAIL_MAX_M ? Math.max(1, Math.min(tail, m)) : 1;
        final int probeFills = m - tailLength;
        final int roundFills = Math.min(probeFills, m - Math.max(0, Math.min(roundEmpty, m)));
        // Bit s and bit s + M both mean "slot s claimed", so a probe at s + k * skip (k < BLOCK)
        // needs no reduction mod M: the position is at most 2M - 2.
        final long[] claimed = new long[(2 * m + 63) >>> 6];
        int filled = 0;
        // Rounds while a whole round (at most one turn per backend) fits before roundFills.
        if (roundFills >= eligibleCount) {
            final int[] turns = new int[eligibleCount];
            if (credit == null) {
                for (int e = 0; e < eligibleCount; e++) {
                    turns[e] = e;
                }
            }
            final int[] searching = new int[eligibleCount];
            while (roundFills - filled >= eligibleCount) {
                filled += round(
                        m, table, claimed, index, weight, skip, next, multiples, credit, maxWeight, turns, searching);
            }
        }
        // Blocked probing, resuming at the start of a round: until probeFills slots are claimed,
        // then the tail takes over mid-round.
        int e = 0;
        while (filled < probeFills) {
            if (credit != null) {
                final long c = credit[e] + weight[e];
                if (c < maxWeight) {
                    credit[e] = c;
                    if (++e == eligibleCount) {
                        e = 0;
                    }
                    continue;
                }
                credit[e] = c - maxWeight;
            }
            final int slot = firstFreeBlocked(claimed, next[e], skip[e], multiples, e * BLOCK, m);
            claim(m, table, claimed, slot, e, index, skip, next);
            filled++;
            if (++e == eligibleCount) {
                e = 0;
            }
        }
        tail(m, table, claimed, filled, e, index, weight, skip, next, credit, maxWeight);
        return table;
    }

    /**
     * One round: every backend whose credit allows takes one turn, in index order (with equal
     * weights, every backend). Searches first, for all the round's turns together: each backend
     * advances along its permutation to the first slot free now, in passes over a shrinking list
     * of the backends still on a claimed slot (one probe each per pass, no branch on the probe).
     * Then the turns claim in order; a turn whose slot an earlier turn of this round has just taken
     * goes on from there, which is where its search alone would have gone on: every slot it passed
     * was claimed before. Returns the number of turns (slots claimed).
     */
    private static int round(
            int m,
            int[] table,
            long[] claimed,
            int[] index,
            int[] weight,
            int[] skip,
            int[] next,
            int[] multiples,
            long[] credit,
            int maxWeight,
            int[] turns,
            int[] searching) {
        final int count = index.length;
        int turnCount = count;
        if (credit != null) {
            turnCount = 0;
            for (int e = 0; e < count; e++) {
                final long c = credit[e] + weight[e];
                final int takes = c >= maxWeight ? 1 : 0;
                credit[e] = c - (maxWeight & -(long) takes);
                turns[turnCount] = e;
                turnCount += takes;
            }
        }
        // First pass over all turns, then over those whose slot was claimed.
        int live = 0;
        for (int k = 0; k < turnCount; k++) {
            final int e = turns[k];
            final int s = next[e];
            final int taken = (int) (claimed[s >>> 6] >>> s) & 1;
            next[e] = addMod(s, skip[e] & -taken, m);
            searching[live] = e;
            live += taken;
        }
        while (live > 0) {
            int stillLive = 0;
            for (int k = 0; k < live; k++) {
                final int e = searching[k];
                final int s = next[e];
                final int taken = (int) (claimed[s >>> 6] >>> s) & 1;
                next[e] = addMod(s, skip[e] & -taken, m);
                searching[stillLive] = e;
                stillLive += taken;
            }
            live = stillLive;
        }
        for (int k = 0; k < turnCount; k++) {
            final int e = turns[k];
            int slot = next[e];
            if ((claimed[slot >>> 6] & (1L << slot)) != 0) {
                slot = firstFreeBlocked(claimed, slot, skip[e], multiples, e * BLOCK, m);
            }
            claim(m, table, claimed, slot, e, index, skip, next);
        }
        return turnCount;
    }

    /**
     * The first free slot of the permutation from {@code slot} on, BLOCK probes at a time: one
     * branch per block (all claimed?), then the free one found from the block's bits without a
     * branch. Late in population, when a turn takes many probes, this trades the probe loop's
     * dependency chain and its per-probe exit test for independent loads.
     */
    private static int firstFreeBlocked(long[] claimed, int slot, int skip, int[] multiples, int base, int m) {
        final int m1 = multiples[base + 1];
        final int m2 = multiples[base + 2];
        final int m3 = multiples[base + 3];
        final int m4 = multiples[base + 4];
        final int m5 = multiples[base + 5];
        final int m6 = multiples[base + 6];
        final int m7 = multiples[base + 7];
        final int step = addMod(m7, skip, m); // BLOCK * skip mod M
        while (true) {
            // Positions up to 2M - 2: the bitmap's mirrored half answers for slot - M.
            final int p1 = slot + m1;
            final int p2 = slot + m2;
            final int p3 = slot + m3;
            final int p4 = slot + m4;
            final int p5 = slot + m5;
            final int p6 = slot + m6;
            final int p7 = slot + m7;
            final long taken = (claimed[slot >>> 6] >>> slot & 1)
                    | (claimed[p1 >>> 6] >>> p1 & 1) << 1
                    | (claimed[p2 >>> 6] >>> p2 & 1) << 2
                    | (claimed[p3 >>> 6] >>> p3 & 1) << 3
                    | (claimed[p4 >>> 6] >>> p4 & 1) << 4
                    | (claimed[p5 >>> 6] >>> p5 & 1) << 5
                    | (claimed[p6 >>> 6] >>> p6 & 1) << 6
                    | (claimed[p7 >>> 6] >>> p7 & 1) << 7;
            if (taken != 0xFF) {
                return addMod(slot, multiples[base + Long.numberOfTrailingZeros(~taken)], m);
            }
            slot = addMod(slot, step, m);
        }
    }

    /** Gives free slot {@code slot} to eligible backend {@code e} and moves its position past it. */
    private static void claim(
            int m, int[] table, long[] claimed, int slot, int e, int[] index, int[] skip, int[] next) {
        claimed[slot >>> 6] |= 1L << slot;
        final int mirror = slot + m;
        claimed[mirror >>> 6] |= 1L << mirror;
        table[slot] = index[e];
        next[e] = addMod(slot, skip[e], m);
    }

    /** (a + b) mod m for a, b in [0, m), without a branch. */
    private static int addMod(int a, int b, int m) {
        final int x = a + b - m;
        return x + ((x >> 31) & m);
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
        // The empty slots, and each entry's position in this list (constant: a claimed entry is
        // replaced by the last one), both as doubles for the step loop.
        final double[] empty = new double[emptyCount];
        final double[] position = new double[emptyCount];
        for (int w = 0, k = 0, words = (m + 63) >>> 6; w < words; w++) {
            long free = ~claimed[w];
            while (free != 0) {
                final int slot = (w << 6) + Long.numberOfTrailingZeros(free);
                if (slot >= m) {
                    break;
                }
                position[k] = k;
                empty[k++] = slot;
                free &= free - 1;
            }
        }
        // skip^-1 mod M, computed at a backend's first tail turn (0: not yet).
        final double[] inverse = new double[eligibleCount];
        final double md = m;
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
                if (inverse[e] == 0) {
                    inverse[e] = inverseMod(skip[e], m);
                }
                final double inv = inverse[e];
                final double back = md - next[e]; // s + back = s - p + M, in [1, 2M - 1]
                // Steps < 2^24 and positions < 2^24 packed in one double (exact below 2^48), so
                // the least packed value names the empty slot with the fewest steps (steps are
                // distinct: the permutation is a bijection). No branch, no long: the loop
                // vectorises.
                double least = Double.MAX_VALUE;
                for (int k = 0; k < emptyCount; k++) {
                    least = Math.min(least, tailSteps(empty[k] + back, inv, md, reciprocal) * TAIL_PACK + position[k]);
                }
                final int best = (int) ((long) least & (TAIL_PACK_MASK));
                final int slot = (int) empty[best];
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

    /** Packing factor of a tail step count above an empty slot's list position: 2^24 &gt; both. */
    private static final double TAIL_PACK = 0x1p24;

    private static final long TAIL_PACK_MASK = (1L << 24) - 1;

    /**
     * {@code a * inv mod m}, the permutation steps from a backend's position p to slot s when
     * {@code a = s - p + m} (in [1, 2m - 1]) and {@code inv = skip^-1 mod m}, computed exactly in
     * doubles for prime m &lt; 2^25 ({@code reciprocal = 1.0 / m}): x = a * inv &lt; 2m^2 &lt;
     * 2^51 is an exact integer; its true quotient (x + 0.5) / m is at least 0.5 / m from an
     * integer, and the computed one is within 2m * 2^-52 of it (two roundings of relative error
     * 2^-53), less than 0.5 / m while m^2 &lt; 2^50, so its floor is the exact quotient q, and
     * x - q * m is exact too.
     */
    static double tailSteps(double a, double inv, double m, double reciprocal) {
        final double x = a * inv;
        return x - Math.floor((x + 0.5) * reciprocal) * m;
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
