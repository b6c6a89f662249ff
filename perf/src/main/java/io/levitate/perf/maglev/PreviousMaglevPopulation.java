package io.levitate.perf.maglev;

import io.levitate.maglev.TableSizes;
import java.util.Arrays;

/**
 * {@code io.levitate.maglev.MaglevPopulation} as of commit 5ff7de9 (eight-turn lanes, blocked
 * probing, a tail with long arithmetic from 0.4 sqrt(M) empty slots), kept unchanged apart from
 * its name, package and visibility so that {@link MaglevBuildBenchmark} measures it against the
 * round-based version that replaced it in the same run (the machine's load varies too much
 * between runs to compare figures taken at different times). Its tables are the same, slot for
 * slot ({@code MaglevBuildBenchmark#setUp} checks it). Its class comment as it was:
 *
 * <p>Maglev table population (paper, section 3.4), with weights.
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
 *   <li><b>Lanes phase</b> (equal weights, the common case, until e<sup>-2</sup> of the table is
 *       empty). A turn then mostly takes one or two probes, and the data-dependent branch that
 *       ends it costs more than they do. Eight consecutive turns (eight different backends) search together, each lane
 *       advancing branch-free while its slot is claimed, so there is one loop exit per eight turns;
 *       the turns are then resolved in order, and a lane whose slot an earlier lane just took goes
 *       on from there, which is exactly where its turn alone would have gone on.</li>
 *   <li><b>Blocked probing</b> (after that; with unequal weights turns probe one slot at a time
 *       until then, as turns of one backend can follow each other closely): a turn tests eight probes of its
 *       permutation with independent loads and one branch per block, and picks the first free one
 *       from the block's bits without a branch.</li>
 *   <li><b>Tail phase.</b> With E slots empty a probing turn costs about M / E probes, so the last
 *       few hundred slots would take a good share of all probes. Once at most {@link #tailSlots(int)}
 *       are empty, a turn instead computes, for every empty slot s, how many steps of the backend's
 *       permutation lie between its current position p and s: {@code d = (s - p) * skip^-1 mod M}
 *       (M is prime, so skip has an inverse), and claims the slot of least d. That is exactly the
 *       slot probing would have reached first, at a cost of E multiply-reduce steps per turn.</li>
 *   <li>Equal weights skip the credit arithmetic: every eligible backend then takes a turn every
 *       round, as the credit scheme would give. The table is not pre-filled: every slot is
 *       claimed.</li>
 * </ul>
 * A straightforward reference implementation in the tests checks the result on random inputs.
 */
final class PreviousMaglevPopulation {
    /** Slot value when no backend is eligible. */
    public static final int NO_BACKEND = -1;

    /**
     * Tail length factor: the tail phase starts at about {@code TAIL_FACTOR * sqrt(M)} empty slots,
     * where a probing turn (~M / E blocked probes, a fraction of a ns each) starts to cost more
     * than a tail turn (E steps of a few ns). Measured at M = 65537 and 655373 with 1000 backends
     * (0.3 to 0.5 best, 1.0 about 7 % slower, 2.0 about 40 %); any value gives the same table.
     */
    private static final double TAIL_FACTOR = 0.4;

    /** Largest M the tail phase runs at: M^2 &lt; 2^52 keeps its double-precision reduction exact. */
    private static final int TAIL_MAX_M = 1 << 26;

    /**
     * Largest M: the claim bitmap holds 2M bits and probe positions reach 2M - 2, both in an int.
     * (Configured sizes stop far below, at {@link TableSizes#MAX_CONFIGURED}.)
     */
    static final int MAX_M = 1 << 30;

    /** Turns searched together in the lanes phase (equal weights): {@link #lanes} is written for 8. */
    private static final int LANES = 8;

    /**
     * The lanes phase ends when this share of the table is still empty (e^-2): later a turn takes
     * M / E &gt; 7 probes on average, and the lanes would wait for their slowest.
     */
    private static final double LANE_EMPTY_SHARE = 0.135;

    /** Probes per block in {@link #firstFreeBlocked}: written for 8. */
    private static final int BLOCK = 8;

    private PreviousMaglevPopulation() {}

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

        // The tail's step count is exact only while M^2 stays within a double's 53 bits.
        final int tailLength = m <= TAIL_MAX_M ? Math.max(1, Math.min(tail, m)) : 1;
        final int probeFills = m - tailLength;
        final int laneFills = Math.min(probeFills, m - (int) (m * LANE_EMPTY_SHARE));
        // Bit s and bit s + M both mean "slot s claimed", so a probe at s + k * skip (k < BLOCK)
        // needs no reduction mod M: the position is at most 2M - 2.
        final long[] claimed = new long[(2 * m + 63) >>> 6];
        int filled = 0;
        int e = 0;
        if (equalWeights && eligibleCount >= LANES) {
            // Every eligible backend takes a turn every round, so LANES consecutive turns belong
            // to LANES different backends (round-robin, wrapping at the round's end).
            while (laneFills - filled >= LANES) {
                e = lanes(m, table, claimed, e, index, skip, next);
                filled += LANES;
            }
        }
        // Blocked probing: until probeFills slots are claimed, then the tail takes over mid-round.
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
            final int slot = filled < laneFills
                    ? firstFree(claimed, next[e], skip[e], m)
                    : firstFreeBlocked(claimed, next[e], skip[e], multiples, e * BLOCK, m);
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
     * LANES turns at once, for LANES different backends starting with eligible backend
     * {@code first}: each lane searches its permutation for the first slot free now, all lanes
     * advancing together (one probe each per step, branch-free, until every lane has found one),
     * then the turns are resolved in order. A lane whose slot an earlier lane of the batch has just
     * claimed continues from there: every slot it passed was claimed before the batch, so what it
     * finds is what its turn alone would have found. Returns the backend of the next turn.
     */
    private static int lanes(int m, int[] table, long[] claimed, int first, int[] index, int[] skip, int[] next) {
        final int count = index.length;
        final int e0 = first;
        final int e1 = e0 + 1 == count ? 0 : e0 + 1;
        final int e2 = e1 + 1 == count ? 0 : e1 + 1;
        final int e3 = e2 + 1 == count ? 0 : e2 + 1;
        final int e4 = e3 + 1 == count ? 0 : e3 + 1;
        final int e5 = e4 + 1 == count ? 0 : e4 + 1;
        final int e6 = e5 + 1 == count ? 0 : e5 + 1;
        final int e7 = e6 + 1 == count ? 0 : e6 + 1;
        final int k0 = skip[e0];
        final int k1 = skip[e1];
        final int k2 = skip[e2];
        final int k3 = skip[e3];
        final int k4 = skip[e4];
        final int k5 = skip[e5];
        final int k6 = skip[e6];
        final int k7 = skip[e7];
        int s0 = next[e0];
        int s1 = next[e1];
        int s2 = next[e2];
        int s3 = next[e3];
        int s4 = next[e4];
        int s5 = next[e5];
        int s6 = next[e6];
        int s7 = next[e7];
        // t_i: 1 while lane i's position is claimed (a lane at a free slot stays there).
        long t0 = claimed[s0 >>> 6] >>> s0 & 1;
        long t1 = claimed[s1 >>> 6] >>> s1 & 1;
        long t2 = claimed[s2 >>> 6] >>> s2 & 1;
        long t3 = claimed[s3 >>> 6] >>> s3 & 1;
        long t4 = claimed[s4 >>> 6] >>> s4 & 1;
        long t5 = claimed[s5 >>> 6] >>> s5 & 1;
        long t6 = claimed[s6 >>> 6] >>> s6 & 1;
        long t7 = claimed[s7 >>> 6] >>> s7 & 1;
        while ((t0 | t1 | t2 | t3 | t4 | t5 | t6 | t7) != 0) {
            s0 = addMod(s0, k0 & -(int) t0, m);
            s1 = addMod(s1, k1 & -(int) t1, m);
            s2 = addMod(s2, k2 & -(int) t2, m);
            s3 = addMod(s3, k3 & -(int) t3, m);
            s4 = addMod(s4, k4 & -(int) t4, m);
            s5 = addMod(s5, k5 & -(int) t5, m);
            s6 = addMod(s6, k6 & -(int) t6, m);
            s7 = addMod(s7, k7 & -(int) t7, m);
            t0 = claimed[s0 >>> 6] >>> s0 & 1;
            t1 = claimed[s1 >>> 6] >>> s1 & 1;
            t2 = claimed[s2 >>> 6] >>> s2 & 1;
            t3 = claimed[s3 >>> 6] >>> s3 & 1;
            t4 = claimed[s4 >>> 6] >>> s4 & 1;
            t5 = claimed[s5 >>> 6] >>> s5 & 1;
            t6 = claimed[s6 >>> 6] >>> s6 & 1;
            t7 = claimed[s7 >>> 6] >>> s7 & 1;
        }
        claim(m, table, claimed, firstFree(claimed, s0, k0, m), e0, index, skip, next);
        claim(m, table, claimed, firstFree(claimed, s1, k1, m), e1, index, skip, next);
        claim(m, table, claimed, firstFree(claimed, s2, k2, m), e2, index, skip, next);
        claim(m, table, claimed, firstFree(claimed, s3, k3, m), e3, index, skip, next);
        claim(m, table, claimed, firstFree(claimed, s4, k4, m), e4, index, skip, next);
        claim(m, table, claimed, firstFree(claimed, s5, k5, m), e5, index, skip, next);
        claim(m, table, claimed, firstFree(claimed, s6, k6, m), e6, index, skip, next);
        claim(m, table, claimed, firstFree(claimed, s7, k7, m), e7, index, skip, next);
        return e7 + 1 == count ? 0 : e7 + 1;
    }

    /** The first free slot of the permutation from {@code slot} on, one probe at a time. */
    private static int firstFree(long[] claimed, int slot, int skip, int m) {
        // M prime and 1 <= skip < M: the permutation is a single cycle over all slots, so while
        // any slot is empty this loop finds one.
        while ((claimed[slot >>> 6] & (1L << slot)) != 0) {
            slot += skip;
            if (slot >= m) {
                slot -= m;
            }
        }
        return slot;
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
        final int[] empty = new int[emptyCount];
        for (int w = 0, k = 0, words = (m + 63) >>> 6; w < words; w++) {
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
