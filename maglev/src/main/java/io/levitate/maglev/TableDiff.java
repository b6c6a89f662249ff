package io.levitate.maglev;

import java.util.ArrayList;
import java.util.List;

/**
 * What changes for new flows when a service's table is replaced: the share of the flow-hash space
 * (and so, for uniformly hashed flows, of new flows) whose backend changes, and each backend's share
 * before and after. Established flows are not counted: conntrack keeps them where they are unless
 * their backend is down.
 *
 * <p>The share is exact, not sampled: slot i of a table of size M receives the flow hashes whose top
 * 32 bits x satisfy {@code floor(x * M / 2^32) = i} (see {@link FlowHash#slot}), i.e. the interval
 * {@code [ceil(i * 2^32 / M), ceil((i + 1) * 2^32 / M))}. Merging the two tables' interval lists
 * measures the moved part of the 2<sup>32</sup> values, in O(M<sub>old</sub> + M<sub>new</sub>),
 * whether or not M changed. Backends are matched by identity (address and port), not by number.
 *
 * @param movedShare the fraction of new flows whose backend changes, in [0, 1]
 * @param backends   every backend of either table, with its share before and after
 */
public record TableDiff(double movedShare, List<BackendShare> backends) {

    /**
     * One backend's share of new flows in the old and the new table.
     *
     * @param identity {@code address:port}
     * @param before   share in the old table (0 if absent or ineligible)
     * @param after    share in the new table
     */
    public record BackendShare(String identity, double before, double after) {}

    private static final double HASH_SPACE = 4294967296.0;

    /** Compares two tables of the same service (or any two tables). */
    public static TableDiff between(ServiceTable before, ServiceTable after) {
        // Map each backend of the new table to the number of the same identity in the old one so
        // the merge compares plain ints; -2 marks "absent from the old table" (never equal to a
        // slot value of the old table, which is a number or NO_BACKEND = -1).
        final int[] newToOld = new int[after.backendCount()];
        for (int i = 0; i < newToOld.length; i++) {
            final int o = before.indexOf(after.backend(i));
            newToOld[i] = o >= 0 ? o : -2;
        }
        final int ma = before.size();
        final int mb = after.size();
        long moved = 0;
        long cursor = 0;
        int ia = 0;
        int ib = 0;
        while (ia < ma && ib < mb) {
            final long endA = start(ia + 1, ma);
            final long endB = start(ib + 1, mb);
            final long end = Math.min(endA, endB);
            final int a = before.slot(ia);
            final int bNew = after.slot(ib);
            final int b = bNew < 0 ? MaglevPopulation.NO_BACKEND : newToOld[bNew];
            if (a != b) {
                moved += end - cursor;
            }
            cursor = end;
            if (endA == end) {
                ia++;
            }
            if (endB == end) {
                ib++;
            }
        }
        final List<BackendShare> shares = new ArrayList<>();
        for (int o = 0; o < before.backendCount(); o++) {
            final int n = after.indexOf(before.backend(o));
            shares.add(new BackendShare(
                    before.backend(o).identity(),
                    (double) before.slotCount(o) / ma,
                    n < 0 ? 0.0 : (double) after.slotCount(n) / mb));
        }
        for (int n = 0; n < after.backendCount(); n++) {
            if (newToOld[n] < 0) {
                shares.add(new BackendShare(after.backend(n).identity(), 0.0, (double) after.slotCount(n) / mb));
            }
        }
        return new TableDiff(moved / HASH_SPACE, List.copyOf(shares));
    }

    /** Number of slots (same M only) whose backend differs; a plain count for tests and tools. */
    public static int movedSlots(ServiceTable before, ServiceTable after) {
        if (before.size() != after.size()) {
            throw new IllegalArgumentException("tables differ in size: " + before.size() + " vs " + after.size());
        }
        int moved = 0;
        for (int i = 0; i < before.size(); i++) {
            final int a = before.slot(i);
            final int b = after.slot(i);
            final boolean aEmpty = a < 0;
            final boolean bEmpty = b < 0;
            if (aEmpty != bEmpty || (!aEmpty && !before.backend(a).sameIdentity(after.backend(b)))) {
                moved++;
            }
        }
        return moved;
    }

    /** First 32-bit hash value of slot i in a table of size m: ceil(i * 2^32 / m). */
    private static long start(int i, int m) {
        return (((long) i << 32) + m - 1) / m;
    }
}
