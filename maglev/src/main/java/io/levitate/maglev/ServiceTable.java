package io.levitate.maglev;

import java.util.Arrays;
import java.util.List;

/**
 * The immutable Maglev lookup table of one service, plus what operators and the forwarder need to
 * know about it. Built by the control thread, published by a release store, read by workers.
 *
 * <p>Backends are numbered 0..N-1 in {@link Backend#compareIdentity identity order}, not config order;
 * every backend of the config has a number, including draining and down ones (they own no slots).
 * A lookup returns that number, or {@link #NO_BACKEND} when no backend is eligible.
 *
 * <p>Each backend's permutation comes from its canonical identity bytes
 * (see {@link Backend#canonicalBytes()}) and the cluster-wide hash seed:
 * {@code offset = XXH64(id, seed) mod M}, {@code skip = XXH64(id, ~seed) mod (M - 1) + 1}
 * (unsigned remainders).
 *
 * <p>Hot-path methods ({@code hash*}, {@code lookup*}) allocate nothing, take no lock and throw for no
 * input. Building allocates (the table, a claim bitmap, per-backend arrays); nothing afterwards.
 */
public final class ServiceTable {
    /** Lookup result when the service has no eligible backend. */
    public static final int NO_BACKEND = MaglevPopulation.NO_BACKEND;

    private final ServiceConfig config;
    private final long seed;
    private final boolean sourceOnly;
    private final int[] slots;
    private final Backend[] backends;
    private final int[] slotCounts;
    private final long digest;

    private ServiceTable(
            ServiceConfig config, long seed, int[] slots, Backend[] backends, int[] slotCounts, long digest) {
        this.config = config;
        this.seed = seed;
        this.sourceOnly = config.hashFields() == HashFields.SOURCE_IP;
        this.slots = slots;
        this.backends = backends;
        this.slotCounts = slotCounts;
        this.digest = digest;
    }

    /**
     * Builds a service's table.
     *
     * @param config the service
     * @param seed   the cluster-wide hash seed (identical on every Levitate of a cluster)
     * @throws IllegalArgumentException on an invalid table size or a backend listed twice
     */
    public static ServiceTable build(ServiceConfig config, long seed) {
        final List<Backend> configured = config.backends();
        final int n = configured.size();
        // Canonical bytes once per backend, then sort by them (the order of Backend#compareIdentity:
        // length, then unsigned bytes), instead of recomputing both sides' bytes in every comparison.
        final Identified[] byId = new Identified[n];
        for (int i = 0; i < n; i++) {
            final Backend b = configured.get(i);
            byId[i] = new Identified(b.canonicalBytes(), b);
        }
        Arrays.sort(byId, ServiceTable::compareIds);
        final Backend[] sorted = new Backend[n];
        final byte[][] ids = new byte[n][];
        for (int i = 0; i < n; i++) {
            sorted[i] = byId[i].backend;
            ids[i] = byId[i].id;
            if (i > 0 && Arrays.equals(ids[i], ids[i - 1])) {
                throw new IllegalArgumentException("backend listed twice: " + sorted[i].identity());
            }
        }
        final int m = TableSizes.resolve(config.tableSize(), n);
        final int[] offsets = new int[n];
        final int[] skips = new int[n];
        final int[] weights = new int[n];
        final long[] idHashes = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = (int) Long.remainderUnsigned(XxHash64.hash(ids[i], seed), m);
            skips[i] = (int) Long.remainderUnsigned(XxHash64.hash(ids[i], ~seed), m - 1) + 1;
            weights[i] = sorted[i].eligible() ? sorted[i].weight() : 0;
            idHashes[i] = XxHash64.hash(ids[i], 0L);
        }
        final int[] slots = MaglevPopulation.populate(m, offsets, skips, weights);
        // Slot counts are tallied in the digest's pass over the slots (entry 0: empty slots): the
        // digest's multiply chains leave room for them, a pass of their own cost about 0.3 ms at
        // M = 655373.
        final int[] tally = new int[n + 1];
        final long digest = digest(seed, config.hashFields(), slots, idHashes, tally);
        final int[] counts = Arrays.copyOfRange(tally, 1, n + 1);
        return new ServiceTable(config, seed, slots, sorted, counts, digest);
    }

    /** A backend with its canonical identity bytes, computed once for sorting. */
    private record Identified(byte[] id, Backend backend) {}

    /** {@link Backend#compareIdentity}'s order on precomputed canonical bytes. */
    private static int compareIds(Identified a, Identified b) {
        if (a.id.length != b.id.length) {
            return Integer.compare(a.id.length, b.id.length);
        }
        return Arrays.compareUnsigned(a.id, b.id);
    }

    /**
     * The digest covers everything that decides where a flow goes: it is XXH64 (seed 0) of the
     * big-endian 64-bit words {@code 0x4C564D4700000001 ("LVMG", version 1), hashSeed,
     * hashFieldsCode (5 or 1), M}, then for each slot in order the XXH64 (seed 0) of its backend's
     * canonical identity bytes, or 0 for an empty slot. Backend numbering, config order, weights
     * and states enter only through the slots they produce.
     */
    private static long digest(long seed, HashFields fields, int[] slots, long[] idHashes, int[] tally) {
        // XXH64 of the words above, computed straight from the slots (no word array, no callback
        // per word): the four header words are exactly the first 32-byte stripe. Counts each
        // slot's backend in tally[backend + 1] on the way.
        final int m = slots.length;
        final long count = 4L + m;
        long v1 = XxHash64.round(XxHash64.P1 + XxHash64.P2, Long.reverseBytes(0x4C564D4700000001L));
        long v2 = XxHash64.round(XxHash64.P2, Long.reverseBytes(seed));
        long v3 = XxHash64.round(0, Long.reverseBytes(fields.code));
        long v4 = XxHash64.round(-XxHash64.P1, Long.reverseBytes((long) m));
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            final int s0 = slots[i];
            final int s1 = slots[i + 1];
            final int s2 = slots[i + 2];
            final int s3 = slots[i + 3];
            tally[s0 + 1]++;
            tally[s1 + 1]++;
            tally[s2 + 1]++;
            tally[s3 + 1]++;
            v1 = XxHash64.round(v1, Long.reverseBytes(word(s0, idHashes)));
            v2 = XxHash64.round(v2, Long.reverseBytes(word(s1, idHashes)));
            v3 = XxHash64.round(v3, Long.reverseBytes(word(s2, idHashes)));
            v4 = XxHash64.round(v4, Long.reverseBytes(word(s3, idHashes)));
        }
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = XxHash64.mergeRound(h, v1);
        h = XxHash64.mergeRound(h, v2);
        h = XxHash64.mergeRound(h, v3);
        h = XxHash64.mergeRound(h, v4);
        h += count * 8;
        for (; i < m; i++) {
            tally[slots[i] + 1]++;
            h = XxHash64.lane8(h, Long.reverseBytes(word(slots[i], idHashes)));
        }
        return XxHash64.avalanche(h);
    }

    /** A slot's digest word: its backend's identity hash, 0 when empty. */
    private static long word(int slot, long[] idHashes) {
        return slot < 0 ? 0L : idHashes[slot];
    }

    // ---------------------------------------------------------------- hot path

    /**
     * The flow hash of an IPv4 packet under this service's hash fields.
     *
     * @param fragment true for every fragment of a fragmented datagram (MF set or offset non-zero):
     *                 hashes the 3-tuple so all fragments reach one backend
     */
    public long hashV4(int src, int dst, int srcPort, int dstPort, int proto, boolean fragment) {
        if (sourceOnly) {
            return FlowHash.v4Source(seed, src);
        }
        return fragment
                ? FlowHash.v4ThreeTuple(seed, src, dst, proto)
                : FlowHash.v4FiveTuple(seed, src, dst, srcPort, dstPort, proto);
    }

    /** The flow hash of an IPv6 packet (see {@link #hashV4} for {@code fragment}). */
    public long hashV6(
            long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int proto, boolean fragment) {
        if (sourceOnly) {
            return FlowHash.v6Source(seed, srcHi, srcLo);
        }
        return fragment
                ? FlowHash.v6ThreeTuple(seed, srcHi, srcLo, dstHi, dstLo, proto)
                : FlowHash.v6FiveTuple(seed, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, proto);
    }

    /** The backend number for a flow hash, or {@link #NO_BACKEND}. */
    public int lookup(long flowHash) {
        final int[] s = slots;
        return s[FlowHash.slot(flowHash, s.length)];
    }

    /** Hash and lookup of an IPv4 packet in one call. */
    public int lookupV4(int src, int dst, int srcPort, int dstPort, int proto, boolean fragment) {
        return lookup(hashV4(src, dst, srcPort, dstPort, proto, fragment));
    }

    /** Hash and lookup of an IPv6 packet in one call. */
    public int lookupV6(
            long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int proto, boolean fragment) {
        return lookup(hashV6(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, proto, fragment));
    }

    // ---------------------------------------------------------------- inspection (not hot path)

    /** The configuration this table was built from. */
    public ServiceConfig config() {
        return config;
    }

    /** The hash seed this table was built with. */
    public long seed() {
        return seed;
    }

    /** M. */
    public int size() {
        return slots.length;
    }

    /** The backend number in slot {@code i} (tests, diff, tools). */
    public int slot(int i) {
        return slots[i];
    }

    /** Number of backends (all configured, eligible or not). */
    public int backendCount() {
        return backends.length;
    }

    /** Backend number {@code i}. */
    public Backend backend(int i) {
        return backends[i];
    }

    /** All backends in number order. */
    public List<Backend> backends() {
        return List.of(backends);
    }

    /** Number of the backend with {@code b}'s identity, or -1. */
    public int indexOf(Backend b) {
        for (int i = 0; i < backends.length; i++) {
            if (backends[i].sameIdentity(b)) {
                return i;
            }
        }
        return -1;
    }

    /** Slots owned by backend number {@code i}. */
    public int slotCount(int i) {
        return slotCounts[i];
    }

    /** The table digest (see the class comment); printed as 16 hex digits by {@link #digestHex()}. */
    public long digest() {
        return digest;
    }

    /** The digest as 16 lower-case hex digits. */
    public String digestHex() {
        return String.format("%016x", digest);
    }

    /** True if every slot is {@link #NO_BACKEND}. */
    public boolean isEmpty() {
        return slots[0] == NO_BACKEND;
    }
}
