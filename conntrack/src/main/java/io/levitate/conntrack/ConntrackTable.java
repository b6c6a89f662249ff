package io.levitate.conntrack;

import static io.levitate.conntrack.ConntrackCounters.EVICTIONS;
import static io.levitate.conntrack.ConntrackCounters.EXPIRATIONS;
import static io.levitate.conntrack.ConntrackCounters.FLOOD_GUARD_SKIPS;
import static io.levitate.conntrack.ConntrackCounters.HITS;
import static io.levitate.conntrack.ConntrackCounters.INSERTS;
import static io.levitate.conntrack.ConntrackCounters.INVALID_INSERTS;
import static io.levitate.conntrack.ConntrackCounters.MISSES;
import static io.levitate.conntrack.ConntrackCounters.OCCUPANCY;
import static io.levitate.conntrack.ConntrackCounters.QUOTA_SKIPS;
import static io.levitate.conntrack.ConntrackCounters.REBINDS;
import static io.levitate.conntrack.ConntrackCounters.WINDOW_FULL_SKIPS;

/**
 * One worker's connection table: flow key &rarr; (backend, service, last seen, TCP state), in fixed
 * off-heap memory, written and read by the owning worker only. No locks, no allocation and no
 * exception on the per-packet methods ({@code lookup*}, {@code insert*}, {@code rebindLastHit},
 * {@code expireSlice}); {@link #counters()} may be read by any thread.
 *
 * <h2>Layout</h2>
 * Buckets of {@value #BUCKET} entries, 512 bytes each, 64-byte aligned: one cache line of
 * per-bucket metadata (the bucket header: tags, TCP state, protocol, service), then each entry's
 * 32-byte hot part (what an IPv4 hit reads: low address words, ports, backend, last seen; two to a
 * cache line, so never split), then each entry's 16-byte cold part (the addresses' high words,
 * which are 0 for every IPv4 flow, a fact kept as a state bit). So an IPv4 hit reads two cache
 * lines (its tag line and its hot part), an IPv6 hit three; a probe reads tags only; an insert's
 * choice of victim and an expiry sweep read the header and, for occupied entries, the hot parts.
 * Memory is 64 bytes per entry, header share included, and nothing else per entry (8 M entries:
 * 512 MB; 8 Mi entries: 512 MiB; 8 M flows at the recommended 90 % load, 8.9 M entries: 569 MB),
 * plus 8 bytes per service for quotas. On Linux a table of 2 MiB or more is mapped 2 MiB aligned
 * (2 MiB more address space, never touched) with a transparent huge-page hint and prefaulted, so
 * random lookups do not also pay a TLB miss and page walk each (see {@code TableMemory}).
 * IPv4 and IPv6 flows share the table: an IPv4 address is stored in its IPv4-mapped IPv6 form
 * ({@code ::ffff:a.b.c.d}).
 * <pre>
 *  bucket header, line 0
 *  0          16       24       32         48        64
 *  +----------+--------+--------+----------+---------+
 *  | 8 x tag  | 8 x st | 8 x pro| 8 x svc  | spare   |
 *  | 16 bit   | 8 bit  | 8 bit  | 16 bit   |         |
 *  +----------+--------+--------+----------+---------+
 *  hot part of entry k at 64 + 32 k (k = 0..7), lines 1-4:
 *  0               8               16      20      24              32
 *  +---------------+---------------+-------+-------+---------------+
 *  | src addr lo   | dst addr lo   | ports |backend| last seen (ms)|
 *  +---------------+---------------+-------+-------+---------------+
 *  cold part of entry k at 320 + 16 k, lines 5-6 (line 7 is spare):
 *  0               8               16
 *  +---------------+---------------+
 *  | src addr hi   | dst addr hi   |
 *  +---------------+---------------+
 *  tag = 16 hash bits not used to pick the buckets, 0 marks a free entry (a hash giving 0 uses 1);
 *  ports = srcPort &lt;&lt; 16 | dstPort; pro = IP protocol; st = TCP state bits and the
 *  high-words-zero bit; svc = service id; backend = caller's id. Header fields are little-endian,
 *  so the eight tags of a bucket are two 64-bit words compared four lanes at a time; hot and cold
 *  parts are native order.
 * </pre>
 *
 * <h2>Probing and eviction</h2>
 * A key may live in either of two buckets chosen by its hash (two-choice hashing): its probe window of
 * 2 &times; {@value #BUCKET} entries. Lookups read the first bucket's tags, then the second's if the
 * key is not in the first, compare the 16-bit tags (entries are removed without tombstones, so a
 * hole does not end a search) and read the entry only of a matching tag (a false match costs one
 * extra read, 1 in 65535 per occupied entry): a miss costs about one memory latency per bucket, an
 * IPv4 hit about one more (its hot part). A caller that handles packets in bursts prefetches them
 * ({@link #bucketLines}, {@link #recordToPrefetch}). An insert takes, in order: the
 * entry of the same key; a free or expired entry (an expired
 * one is reclaimed and counted as an expiration) in whichever bucket has more room, the first on a
 * tie (in a table less than an eighth full: the first while it has room, so that the one tag line
 * prefetched at that load is the key's); and when both buckets are full of live entries it evicts the least recently seen entry
 * <em>of the same service</em> in the window (counted as an eviction). It never evicts another
 * service's live entry: if the window holds only those, the insert is skipped and the flow goes
 * stateless.
 *
 * <p>Why two buckets: with one window of 8 adjacent entries (plain bounded linear probing) about
 * 10 % of inserts already find no room at 95 % load; with the emptier of two buckets of 8, about 2 %
 * do at 95 % and under 1 % at 90 %. Size the table about 10 % above the flows it must hold.
 *
 * <h2>Quotas, flood guard</h2>
 * A service at its quota may only replace its own entries, so one tenant's flood cannot take
 * another's entries, and with quotas that sum to less than the capacity cannot take their room
 * either. The flood guard is a token bucket on new entries ({@code floodRatePerSecond}, depth
 * {@code floodBurst}); when it is empty, inserts are skipped and counted, and the caller forwards the
 * flow by a stateless Maglev lookup, as Maglev and Katran do.
 *
 * <h2>Timeouts</h2>
 * An entry expires when {@code now - lastSeen} exceeds its timeout, chosen by protocol and TCP state:
 * TCP after FIN or RST: closing; TCP with SYNs only: SYN-only; other TCP (including a flow first
 * seen mid-stream): established; UDP; anything else. An expired entry is never a hit, even before
 * {@link #expireSlice} removes it. A SYN without ACK for an entry that saw FIN or RST is a new
 * connection on a reused port: the old entry is expired and the lookup misses.
 *
 * <h2>Time</h2>
 * {@code now} is the caller's monotonic clock in milliseconds, read once per duty cycle; the table
 * never reads a clock.
 */
public final class ConntrackTable implements AutoCloseable {
    /** Bytes per entry, header share included: a bucket of 8 is 512 bytes, eight cache lines. */
    public static final int ENTRY_BYTES = 64;
    /** Entries per bucket: one header's worth (8 tags of 16 bits are two 64-bit words). */
    public static final int BUCKET = 8;
    /** Entries a key may occupy: its two buckets. */
    public static final int WINDOW = 2 * BUCKET;

    private static final long BUCKET_BYTES = (long) BUCKET * ENTRY_BYTES;

    /** {@code lookup*}: no live entry for this key. */
    public static final int MISS = -1;
    /**
     * {@code lookup*}: a live entry whose backend is down. Resolve the flow through the service's
     * current table and call {@link #rebindLastHit(int)} (or {@link #removeLastHit()} if the service
     * has no backend left).
     */
    public static final int RESOLVE = -2;

    /** {@code insert*}: stored. */
    public static final int INSERTED = 0;
    /** {@code insert*}: the flood guard is empty; forward stateless. */
    public static final int SKIPPED_FLOOD = -1;
    /** {@code insert*}: the service is at its quota and has no entry in the window to replace. */
    public static final int SKIPPED_QUOTA = -2;
    /** {@code insert*}: the window holds only other services' live entries. */
    public static final int SKIPPED_WINDOW_FULL = -3;
    /** {@code insert*}: service id out of range or negative backend id. */
    public static final int REJECTED_INVALID = -4;

    /** TCP flag bits as on the wire (RFC 9293, section 3.1), as the caller passes them. */
    public static final int TCP_FIN = 0x01;

    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_ACK = 0x10;

    /** IP protocol numbers the timeouts depend on. */
    static final int PROTO_TCP = 6;

    static final int PROTO_UDP = 17;

    // State bits stored per entry.
    static final int ST_SYN = 0x01; // a SYN has been seen
    static final int ST_NON_SYN = 0x02; // a segment without SYN has been seen: past the handshake
    static final int ST_FIN_RST = 0x04; // a FIN or RST has been seen
    static final int ST_HIGH_ZERO = 0x08; // both addresses' high words are 0 (every IPv4 flow): no cold part to compare

    // Bucket header offsets (see the diagram); entry k's field is at offset + k * field size.
    static final long H_TAG = 0; // 8 x 16 bit
    static final long H_STATE = 16; // 8 x 8 bit
    static final long H_PROTO = 24; // 8 x 8 bit
    static final long H_SERVICE = 32; // 8 x 16 bit
    /** Offset of entry 0's hot part (what an IPv4 hit reads); hot parts are {@value #HOT_BYTES} bytes apart. */
    static final long HOT = 64;

    static final int HOT_BYTES = 32;
    /** Offset of entry 0's cold part (the addresses' high words); {@value #COLD_BYTES} bytes apart. */
    static final long COLD = 320;

    static final int COLD_BYTES = 16;
    // Hot part offsets.
    static final long SRC_LO = 0;
    static final long DST_LO = 8;
    static final long PORTS = 16;
    static final long BACKEND = 20;
    static final long LAST_SEEN = 24;
    // Cold part offsets.
    static final long SRC_HI = 0;
    static final long DST_HI = 8;

    /** One in each 16-bit lane: broadcasts a tag over a word of four tags. */
    private static final long LANES_ONE = 0x0001_0001_0001_0001L;

    private static final long LANES_LOW15 = 0x7FFF_7FFF_7FFF_7FFFL;

    /** High word of an IPv4-mapped IPv6 address is 0; the low word carries 0xffff above the IPv4 address. */
    private static final long V4_MAPPED = 0x0000_FFFF_0000_0000L;
    /** Flood-guard tokens are thousandths of a flow so a per-second rate refills per millisecond exactly. */
    private static final long TOKEN = 1000;
    /** The flood guard has not seen a clock value yet. */
    private static final long CLOCK_UNSET = Long.MIN_VALUE;

    // Records are native order (only this process reads them); header words are little-endian so
    // that tag k is lane k of a 64-bit word on every platform (free on x86 and arm64). Every access
    // is by absolute address through Memory (see there why not a MemorySegment), naturally aligned
    // by construction (64-byte aligned buckets, fields at multiples of their size). An access after
    // close() is not caught but reads freed memory: the owner closes the table only after its
    // worker has stopped.

    private final TableMemory memory;
    /** Address of the table: bucket b starts at {@code addr + b * 512}. */
    private final long addr;

    private final long buckets;
    /** Bytes of the buckets: {@code buckets * 512}. */
    private final long tableBytes;

    private final int slots;
    private final long seed;
    private final long tcpEstablished;
    private final long tcpClosing;
    private final long tcpSynOnly;
    private final long udp;
    private final long other;
    private final long floodRate;
    private final long floodDepth;
    private final int[] serviceEntries;
    private final int[] serviceQuota;
    private final ConntrackCounters counters = new ConntrackCounters();

    private BackendStates backendStates = BackendStates.allUsable();
    private long lastHit = -1;
    private long floodTokens;
    private long floodRefilledAt = CLOCK_UNSET;
    private long expiryCursor;
    /** Full passes of {@link #expireSlice} over the table so far (the cursor's wraps). */
    private long sweeps;

    private long occupancy;

    /**
     * Allocates and zeroes {@code config.slots() * 64} bytes off-heap (on Linux, for 2 MiB and more,
     * with a transparent-huge-page hint and every page touched: see {@link TableMemory}).
     */
    public ConntrackTable(ConntrackConfig config) {
        this.slots = config.slots();
        this.buckets = slots / BUCKET;
        this.tableBytes = buckets * BUCKET_BYTES;
        this.seed = config.hashSeed();
        this.tcpEstablished = config.tcpEstablishedMs();
        this.tcpClosing = config.tcpClosingMs();
        this.tcpSynOnly = config.tcpSynOnlyMs();
        this.udp = config.udpMs();
        this.other = config.otherMs();
        this.floodRate = config.floodRatePerSecond();
        // A burst of 0 means one second's worth of the rate.
        this.floodDepth =
                (config.floodBurst() > 0 ? config.floodBurst() : Math.max(1, config.floodRatePerSecond())) * TOKEN;
        this.floodTokens = floodDepth;
        this.serviceEntries = new int[config.maxServices()];
        this.serviceQuota = new int[config.maxServices()];
        java.util.Arrays.fill(
                serviceQuota, config.defaultServiceQuota() == 0 ? Integer.MAX_VALUE : config.defaultServiceQuota());
        this.memory = TableMemory.allocate((long) slots * ENTRY_BYTES); // zeroed: every tag 0, all free
        this.addr = memory.address;
    }

    // ================================================================ per-packet: lookup

    /**
     * Looks up an IPv4 flow and, on a hit, records the packet (last seen, TCP state bits).
     *
     * @param src      source address, as a big-endian read of the header gives it
     * @param dst      destination address
     * @param srcPort  source port (low 16 bits used; 0 for port-less protocols)
     * @param dstPort  destination port
     * @param proto    IP protocol (low 8 bits used)
     * @param tcpFlags the TCP flags byte for TCP, else 0
     * @param now      caller's clock, ms
     * @return the backend id (usable or draining: keep it), {@link #MISS} or {@link #RESOLVE}
     */
    public int lookupV4(int src, int dst, int srcPort, int dstPort, int proto, int tcpFlags, long now) {
        return lookupV4Hinted(
                hashOfV4(src, dst, srcPort, dstPort, proto), 0, src, dst, srcPort, dstPort, proto, tcpFlags, now);
    }

    /**
     * {@link #lookupV4} with the key's hash already computed ({@link #hashOfV4} of exactly these
     * arguments, as a prefetching caller has it): saves hashing the key twice. A hash of another key
     * makes the lookup miss.
     */
    public int lookupV4Hashed(long h, int src, int dst, int srcPort, int dstPort, int proto, int tcpFlags, long now) {
        return lookupV4Hinted(h, 0, src, dst, srcPort, dstPort, proto, tcpFlags, now);
    }

    /** Looks up an IPv6 flow; addresses as two big-endian longs each. See {@link #lookupV4}. */
    public int lookupV6(
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int srcPort,
            int dstPort,
            int proto,
            int tcpFlags,
            long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV6(srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF);
        return lookup(h, srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF, tcpFlags, now);
    }

    /**
     * {@link #lookupV4Hashed} with a hint: {@code record}, what {@link #recordToPrefetch} gave for
     * {@code h} a few packets earlier (0 for none). The key is checked in that lane first (its tag,
     * protocol and key, all in lines the prefetch brought), which saves matching the bucket's tags a
     * second time; if the lane no longer holds the key (freed, reused, a tag collision), or the hint
     * is 0 or not the address of a record of this table, the lookup is {@link #lookupV4Hashed}'s.
     * The result is the same either way, because a key is stored in one lane only (inserts rewrite
     * a key they find in its two buckets). The lane is not checked to be one of the key's buckets:
     * a hint that is not {@code recordToPrefetch(h)} is never read outside the table's records, but
     * could find an IPv4-mapped IPv6 key stored through {@link #insertV6}, which lives in other
     * buckets; the worker's hints are always {@code recordToPrefetch(h)}.
     */
    public int lookupV4Hinted(
            long h, long record, int src, int dst, int srcPort, int dstPort, int proto, int tcpFlags, long now) {
        final long sLo = V4_MAPPED | (src & 0xFFFF_FFFFL);
        final long dLo = V4_MAPPED | (dst & 0xFFFF_FFFFL);
        final int ports = ports(srcPort, dstPort);
        final int p = proto & 0xFF;
        long x = record != 0 ? atHint(h, record, 0L, sLo, 0L, dLo, ports, p) : -1;
        if (x < 0) {
            x = find(h, 0L, sLo, 0L, dLo, ports, p);
        }
        return hit(x, p, tcpFlags, now);
    }

    /**
     * {@link #lookupV6} with the key's hash ({@link #hashOfV6} of exactly these arguments) and a
     * hint, as {@link #lookupV4Hinted} for IPv4: {@code record} is what {@link #recordToPrefetch}
     * gave for {@code h} (0 for none), checked first; the result is {@link #lookupV6}'s either way.
     */
    public int lookupV6Hinted(
            long h,
            long record,
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int srcPort,
            int dstPort,
            int proto,
            int tcpFlags,
            long now) {
        final int ports = ports(srcPort, dstPort);
        final int p = proto & 0xFF;
        long x = record != 0 ? atHint(h, record, srcHi, srcLo, dstHi, dstLo, ports, p) : -1;
        if (x < 0) {
            x = find(h, srcHi, srcLo, dstHi, dstLo, ports, p);
        }
        return hit(x, p, tcpFlags, now);
    }

    /** The entry of the key at hot-part address {@code record}, if that lane holds it, else -1. */
    private long atHint(long h, long record, long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        final long offset = record - addr;
        final long inBucket = (offset & (BUCKET_BYTES - 1)) - HOT;
        // Inside the table, and a lane's hot part: 0, 32, .. 224 bytes past the header line.
        if (Long.compareUnsigned(offset, tableBytes) >= 0 || (inBucket & ~(long) (7 * HOT_BYTES)) != 0) {
            return -1;
        }
        final long base = addr + (offset & -BUCKET_BYTES);
        final int k = (int) inBucket >>> 5;
        if (Memory.getShortLE(base + H_TAG + 2L * k) != (short) tag(h)
                || Memory.getByte(base + H_PROTO + k) != (byte) proto
                || !keyEquals(base, k, sHi, sLo, dHi, dLo, ports)) {
            return -1;
        }
        return entry(base, k);
    }

    private int lookup(long h, long sHi, long sLo, long dHi, long dLo, int ports, int proto, int tcpFlags, long now) {
        return hit(find(h, sHi, sLo, dHi, dLo, ports, proto), proto, tcpFlags, now);
    }

    /** A lookup's end: entry {@code x} (or -1) checked for expiry, its state and clock updated, counted. */
    private int hit(long x, int proto, int tcpFlags, long now) {
        if (x < 0) {
            counters.incrementRelease(MISSES);
            return MISS;
        }
        final long base = base(x);
        final int k = lane(x);
        final int st = Memory.getByte(base + H_STATE + k);
        final long seenAt = hot(base, k) + LAST_SEEN;
        if (expired(proto, st, Memory.getLong(seenAt), now) || reopened(proto, st, tcpFlags)) {
            free(x);
            counters.incrementRelease(EXPIRATIONS);
            counters.incrementRelease(MISSES);
            return MISS;
        }
        Memory.putByte(base + H_STATE + k, (byte) (st | stateBits(proto, tcpFlags)));
        Memory.putLong(seenAt, now);
        counters.incrementRelease(HITS);
        lastHit = x;
        final int backend = Memory.getInt(hot(base, k) + BACKEND);
        return backendStates.isDown(backend) ? RESOLVE : backend;
    }

    /**
     * What {@link #lookupV4} would answer, without its effects: no clock or state update, no
     * counter, no expiry, nothing remembered for {@link #rebindLastHit}. For an operator's question
     * ({@code levitate lookup --live}); like every method of this table, only the worker that owns
     * it may call it.
     *
     * @return the backend id, {@link #MISS} (absent or expired) or {@link #RESOLVE} (its backend is down)
     */
    public int peekV4(int src, int dst, int srcPort, int dstPort, int proto, long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV4(src, dst, ports, proto & 0xFF);
        return peek(
                find(
                        h,
                        0L,
                        V4_MAPPED | (src & 0xFFFF_FFFFL),
                        0L,
                        V4_MAPPED | (dst & 0xFFFF_FFFFL),
                        ports,
                        proto & 0xFF),
                proto & 0xFF,
                now);
    }

    /** {@link #peekV4} for an IPv6 flow (addresses as two big-endian longs each). */
    public int peekV6(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int proto, long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV6(srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF);
        return peek(find(h, srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF), proto & 0xFF, now);
    }

    private int peek(long x, int proto, long now) {
        if (x < 0) {
            return MISS;
        }
        final long base = base(x);
        final int k = lane(x);
        if (expired(proto, Memory.getByte(base + H_STATE + k), Memory.getLong(hot(base, k) + LAST_SEEN), now)) {
            return MISS;
        }
        final int backend = Memory.getInt(hot(base, k) + BACKEND);
        return backendStates.isDown(backend) ? RESOLVE : backend;
    }

    /**
     * The hash {@link #bucketLines}, {@link #recordToPrefetch} and {@link #lookupV4} use for an IPv4
     * key, for a caller that prefetches a burst's entries in steps (and then looks them up with
     * {@link #lookupV4Hashed} or {@link #lookupV4Hinted}).
     */
    public long hashOfV4(int src, int dst, int srcPort, int dstPort, int proto) {
        return hashV4(src, dst, ports(srcPort, dstPort), proto & 0xFF);
    }

    /** {@link #hashOfV4} for an IPv6 key (addresses as two big-endian longs each): {@link #lookupV6Hinted}'s hash. */
    public long hashOfV6(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int proto) {
        return hashV6(srcHi, srcLo, dstHi, dstLo, ports(srcPort, dstPort), proto & 0xFF);
    }

    /**
     * Step one of prefetching: the addresses of the tag lines of the buckets of the key with hash
     * {@code h} ({@link #hashOfV4}), for the caller to prefetch, so that its lookups a few packets
     * later find them in cache. Both buckets once the table is an eighth full, because inserts then take
     * the emptier one: in a table loaded to half or more, about half the keys live in their second
     * bucket. Reads nothing.
     *
     * @param out off-heap array of addresses; the first or both buckets' lines go at index
     *            {@code n} on (room for 2 needed)
     * @return the new count, {@code n + 1} or {@code n + 2}
     */
    public int bucketLines(long h, long out, int n) {
        Memory.putLong(out + 8L * n, bucket1(h) + H_TAG);
        if (!secondBucketInUse()) {
            return n + 1;
        }
        Memory.putLong(out + 8L * (n + 1), bucket2(h) + H_TAG);
        return n + 2;
    }

    /**
     * Whether prefetching should look at second buckets: below an eighth full, inserts take the
     * first bucket unless it is full (rare at that load), so the second's line would be a wasted
     * load; from there on they take the emptier one, and about half the keys of a loaded table live
     * in their second bucket.
     */
    private boolean secondBucketInUse() {
        return occupancy > slots >>> 3;
    }

    /**
     * Step two, once the tag lines of step one have arrived: the address of the hot part of the first
     * lane whose tag matches, in the first bucket, else in the second when the table is loaded enough
     * for step one to name that bucket too; or 0 when no tag matches. This is the likely hit, to
     * prefetch: one cache line, all an IPv4 hit reads besides the tags. There is no key compare, so
     * a false match only costs a useless prefetch, and a table that has just become loaded enough
     * costs one load step one did not prefetch. Reads the tag lines only.
     */
    public long recordToPrefetch(long h) {
        final long pattern = (tag(h) & 0xFFFFL) * LANES_ONE;
        final long b1 = bucket1(h);
        final long r = matchingRecord(b1, pattern);
        return r != 0 || !secondBucketInUse() ? r : matchingRecord(bucket2(h), pattern);
    }

    /**
     * Step three, for a record {@link #recordToPrefetch} named: the address of its cold part's line
     * (the addresses' high words) when its entry holds a key whose high words are not both 0, an
     * IPv6 flow, whose hit compares them; 0 for an IPv4 flow, whose hit never reads that line.
     * Reads the tag line (its state byte), which step one prefetched.
     */
    public long coldLineToPrefetch(long record) {
        final long offset = record - addr;
        final long base = addr + (offset & -BUCKET_BYTES);
        final int k = (int) (((offset & (BUCKET_BYTES - 1)) - HOT) / HOT_BYTES);
        return (Memory.getByte(base + H_STATE + k) & ST_HIGH_ZERO) != 0 ? 0 : cold(base, k);
    }

    private static long matchingRecord(long base, long pattern) {
        final long m1 = zeroLanes(Memory.getLongLE(base + H_TAG) ^ pattern);
        final long m2 = zeroLanes(Memory.getLongLE(base + H_TAG + 8) ^ pattern);
        if ((m1 | m2) == 0) {
            return 0;
        }
        final int k = m1 != 0 ? Long.numberOfTrailingZeros(m1) >>> 4 : 4 + (Long.numberOfTrailingZeros(m2) >>> 4);
        return hot(base, k);
    }

    /**
     * The entry (index) of the key in its two buckets, or -1. The first bucket alone first: inserts
     * prefer it (on a tie in room, and while it has room in a table less than an eighth full), so a hit usually
     * reads one bucket header and never fetches the second bucket's line; only a key not in the
     * first bucket costs the second header.
     */
    private long find(long h, long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        final long pattern = (tag(h) & 0xFFFFL) * LANES_ONE;
        final long b1 = bucket1(h);
        final long m1 = zeroLanes(Memory.getLongLE(b1 + H_TAG) ^ pattern);
        final long m2 = zeroLanes(Memory.getLongLE(b1 + H_TAG + 8) ^ pattern);
        if ((m1 | m2) != 0) {
            long x = findIn(b1, 0, m1, sHi, sLo, dHi, dLo, ports, proto);
            if (x < 0) {
                x = findIn(b1, 4, m2, sHi, sLo, dHi, dLo, ports, proto);
            }
            if (x >= 0) {
                return x;
            }
        }
        return findSecond(bucket2(h), pattern, sHi, sLo, dHi, dLo, ports, proto);
    }

    private long findSecond(long b2, long pattern, long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        final long m3 = zeroLanes(Memory.getLongLE(b2 + H_TAG) ^ pattern);
        final long m4 = zeroLanes(Memory.getLongLE(b2 + H_TAG + 8) ^ pattern);
        if ((m3 | m4) == 0) {
            return -1;
        }
        long x = findIn(b2, 0, m3, sHi, sLo, dHi, dLo, ports, proto);
        if (x < 0) {
            x = findIn(b2, 4, m4, sHi, sLo, dHi, dLo, ports, proto);
        }
        return x;
    }

    /** Among the lanes flagged in {@code matches} (entries {@code first..first+3}), the one holding the key. */
    private long findIn(
            long base, int first, long matches, long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        while (matches != 0) {
            final int k = first + (Long.numberOfTrailingZeros(matches) >>> 4);
            if (Memory.getByte(base + H_PROTO + k) == (byte) proto && keyEquals(base, k, sHi, sLo, dHi, dLo, ports)) {
                return entry(base, k);
            }
            matches &= matches - 1;
        }
        return -1;
    }

    /**
     * The high bit of each 16-bit lane of {@code v} that is zero, and no other bit (exact: no carry
     * crosses a lane, unlike the shorter {@code (v - ones) & ~v} test).
     */
    private static long zeroLanes(long v) {
        return ~(((v & LANES_LOW15) + LANES_LOW15) | v | LANES_LOW15);
    }

    /**
     * Whether lane {@code k} of the bucket at {@code base} holds the key: the hot part's low words
     * and ports, then for a key whose high words are 0 (every IPv4 flow) the entry's
     * {@link #ST_HIGH_ZERO} bit in the header line already read, else the cold part.
     */
    private static boolean keyEquals(long base, int k, long sHi, long sLo, long dHi, long dLo, int ports) {
        final long r = hot(base, k);
        if (Memory.getLong(r + SRC_LO) != sLo
                || Memory.getLong(r + DST_LO) != dLo
                || Memory.getInt(r + PORTS) != ports) {
            return false;
        }
        if ((sHi | dHi) == 0) {
            return (Memory.getByte(base + H_STATE + k) & ST_HIGH_ZERO) != 0;
        }
        final long c = cold(base, k);
        return Memory.getLong(c + SRC_HI) == sHi && Memory.getLong(c + DST_HI) == dHi;
    }

    /** True if entry {@code x} holds a flow (it has a tag). */
    private boolean used(long x) {
        return Memory.getShortLE(base(x) + H_TAG + 2L * lane(x)) != 0;
    }

    /**
     * After a {@link #RESOLVE} (or any hit): moves the flow to {@code backend}, the current table's
     * choice. Counted as a rebind. No effect if there was no hit or {@code backend} is negative.
     */
    public void rebindLastHit(int backend) {
        final long x = lastHit;
        if (x >= 0 && backend >= 0 && used(x)) {
            Memory.putInt(hot(base(x), lane(x)) + BACKEND, backend);
            counters.incrementRelease(REBINDS);
        }
    }

    /** After a hit: removes the entry (for example when its service has no backend left). */
    public void removeLastHit() {
        final long x = lastHit;
        if (x >= 0 && used(x)) {
            free(x);
        }
        lastHit = -1;
    }

    /** Service id of the last hit's entry, or -1. */
    public int lastHitService() {
        final long x = lastHit;
        return x >= 0 && used(x) ? Short.toUnsignedInt(Memory.getShortLE(base(x) + H_SERVICE + 2L * lane(x))) : -1;
    }

    /** Backend id stored in the last hit's entry (whatever its state), or -1. */
    public int lastHitBackend() {
        final long x = lastHit;
        return x >= 0 && used(x) ? Memory.getInt(hot(base(x), lane(x)) + BACKEND) : -1;
    }

    // ================================================================ per-packet: insert

    /**
     * Records a new IPv4 flow after a miss (or re-records an existing key). Never throws; a refused
     * insert is counted and the caller simply forwards the flow to {@code backend} without state.
     *
     * @param backend the caller's backend id (&ge; 0), as chosen by the Maglev table
     * @param service the service id, 0..maxServices-1
     * @return {@link #INSERTED} or a negative {@code SKIPPED_*} / {@link #REJECTED_INVALID} code
     */
    public int insertV4(
            int src, int dst, int srcPort, int dstPort, int proto, int tcpFlags, int backend, int service, long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV4(src, dst, ports, proto & 0xFF);
        return insert(
                h,
                0L,
                V4_MAPPED | (src & 0xFFFF_FFFFL),
                0L,
                V4_MAPPED | (dst & 0xFFFF_FFFFL),
                ports,
                proto & 0xFF,
                tcpFlags,
                backend,
                service,
                now);
    }

    /** Records a new IPv6 flow. See {@link #insertV4}. */
    public int insertV6(
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int srcPort,
            int dstPort,
            int proto,
            int tcpFlags,
            int backend,
            int service,
            long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV6(srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF);
        return insert(h, srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF, tcpFlags, backend, service, now);
    }

    private int insert(
            long h,
            long sHi,
            long sLo,
            long dHi,
            long dLo,
            int ports,
            int proto,
            int tcpFlags,
            int backend,
            int service,
            long now) {
        if (service < 0 || service >= serviceEntries.length || backend < 0) {
            counters.incrementRelease(INVALID_INSERTS);
            return REJECTED_INVALID;
        }
        if (floodRate > 0 && !floodTokenAvailable(now)) {
            counters.incrementRelease(FLOOD_GUARD_SKIPS);
            return SKIPPED_FLOOD;
        }
        final int tag = tag(h);
        final long b1 = bucket1(h);
        final long b2 = bucket2(h);
        long free1 = -1;
        long free2 = -1;
        int room1 = 0;
        int room2 = 0;
        long ownOldest = -1;
        long ownOldestSeen = Long.MAX_VALUE;
        // The two headers, and the hot parts of occupied entries (last seen); the cold part only on a tag match.
        for (int i = 0; i < WINDOW; i++) {
            final boolean first = i < BUCKET;
            final long base = first ? b1 : b2;
            final int k = i & (BUCKET - 1);
            final int t = Short.toUnsignedInt(Memory.getShortLE(base + H_TAG + 2L * k));
            boolean empty = t == 0;
            if (!empty) {
                final int eProto = Byte.toUnsignedInt(Memory.getByte(base + H_PROTO + k));
                final long seen = Memory.getLong(hot(base, k) + LAST_SEEN);
                if (t == tag && eProto == proto && keyEquals(base, k, sHi, sLo, dHi, dLo, ports)) {
                    // Same key (an insert without a lookup, or after RESOLVE): rewrite in place.
                    final long x = entry(base, k);
                    unaccount(x);
                    write(base, k, tag, sHi, sLo, dHi, dLo, ports, proto, tcpFlags, backend, service, now);
                    account(service);
                    return INSERTED;
                }
                if (expired(eProto, Memory.getByte(base + H_STATE + k), seen, now)) {
                    free(entry(base, k));
                    counters.incrementRelease(EXPIRATIONS);
                    empty = true;
                } else if (Short.toUnsignedInt(Memory.getShortLE(base + H_SERVICE + 2L * k)) == service
                        && seen < ownOldestSeen) {
                    ownOldest = entry(base, k);
                    ownOldestSeen = seen;
                }
            }
            if (empty) {
                if (first) {
                    room1++;
                    free1 = free1 < 0 ? entry(base, k) : free1;
                } else if (b2 != b1) {
                    room2++;
                    free2 = free2 < 0 ? entry(base, k) : free2;
                }
            }
        }
        // The emptier bucket (ties to the first) once prefetching looks at both; below that, the first
        // while it has room, so that the one tag line prefetched then is the key's.
        final long free = secondBucketInUse() ? (room2 > room1 ? free2 : free1) : (free1 >= 0 ? free1 : free2);
        final long target;
        if (free >= 0 && serviceEntries[service] < serviceQuota[service]) {
            target = free;
        } else if (ownOldest >= 0) {
            // Window full, or service at its quota: replace this service's least recently seen flow.
            free(ownOldest);
            counters.incrementRelease(EVICTIONS);
            target = ownOldest;
        } else if (free >= 0) {
            counters.incrementRelease(QUOTA_SKIPS);
            return SKIPPED_QUOTA;
        } else {
            counters.incrementRelease(
                    serviceEntries[service] < serviceQuota[service] ? WINDOW_FULL_SKIPS : QUOTA_SKIPS);
            return serviceEntries[service] < serviceQuota[service] ? SKIPPED_WINDOW_FULL : SKIPPED_QUOTA;
        }
        write(base(target), lane(target), tag, sHi, sLo, dHi, dLo, ports, proto, tcpFlags, backend, service, now);
        account(service);
        if (floodRate > 0) {
            floodTokens -= TOKEN;
        }
        counters.incrementRelease(INSERTS);
        return INSERTED;
    }

    private void write(
            long base,
            int k,
            int tag,
            long sHi,
            long sLo,
            long dHi,
            long dLo,
            int ports,
            int proto,
            int tcpFlags,
            int backend,
            int service,
            long now) {
        final long r = hot(base, k);
        Memory.putLong(r + SRC_LO, sLo);
        Memory.putLong(r + DST_LO, dLo);
        Memory.putInt(r + PORTS, ports);
        Memory.putInt(r + BACKEND, backend);
        Memory.putLong(r + LAST_SEEN, now);
        final long c = cold(base, k);
        Memory.putLong(c + SRC_HI, sHi);
        Memory.putLong(c + DST_HI, dHi);
        Memory.putByte(base + H_PROTO + k, (byte) proto);
        Memory.putByte(base + H_STATE + k, (byte) (stateBits(proto, tcpFlags) | ((sHi | dHi) == 0 ? ST_HIGH_ZERO : 0)));
        Memory.putShortLE(base + H_SERVICE + 2L * k, (short) service);
        Memory.putShortLE(base + H_TAG + 2L * k, (short) tag);
    }

    private boolean floodTokenAvailable(long now) {
        if (floodRefilledAt == CLOCK_UNSET) {
            floodRefilledAt = now;
        } else if (now > floodRefilledAt) {
            final long elapsed = now - floodRefilledAt;
            // Past the time that refills an empty bucket the gain is capped; checking that first
            // keeps elapsed * rate from overflowing after a long idle spell or a clock jump.
            final long gain = elapsed > floodDepth / floodRate ? floodDepth : elapsed * floodRate;
            floodTokens = Math.min(floodDepth, floodTokens + gain);
            floodRefilledAt = now;
        }
        return floodTokens >= TOKEN;
    }

    // ================================================================ housekeeping

    /**
     * Examines the next {@code maxEntries} entries (cyclically) and removes the expired ones, and
     * those whose backend id is {@link BackendStates#REMOVED} in the current backend-state snapshot
     * (counted as expirations: a flow of a removed backend would re-resolve at its next packet anyway,
     * which a miss does too). Call it
     * from the worker's housekeeping: the whole table is swept every
     * {@code slots / maxEntries} calls, so, for example, 8 Mi entries at 8192 per call every
     * millisecond is a full sweep per second, each call touching the headers (64 KiB) and the hot
     * parts of the occupied entries (up to 256 KiB).
     *
     * @return entries removed
     */
    public int expireSlice(long now, int maxEntries) {
        long cursor = expiryCursor;
        int removed = 0;
        final int n = Math.min(Math.max(maxEntries, 0), slots);
        for (int i = 0; i < n; i++) {
            final long x = cursor;
            if (++cursor == slots) {
                cursor = 0;
                sweeps++;
            }
            // The header line, and the hot part (last seen, backend: one line) of an occupied entry.
            final long base = base(x);
            final int k = lane(x);
            if (Memory.getShortLE(base + H_TAG + 2L * k) != 0
                    && (expired(
                                    Byte.toUnsignedInt(Memory.getByte(base + H_PROTO + k)),
                                    Memory.getByte(base + H_STATE + k),
                                    Memory.getLong(hot(base, k) + LAST_SEEN),
                                    now)
                            || backendStates.isRemoved(Memory.getInt(hot(base, k) + BACKEND)))) {
                free(x);
                removed++;
            }
        }
        expiryCursor = cursor;
        if (removed > 0) {
            counters.addRelease(EXPIRATIONS, removed);
        }
        return removed;
    }

    /**
     * Full passes {@link #expireSlice} has made over the table (owner thread). When this count
     * moves, every entry that was in the table when the previous pass began has been examined
     * against a backend-state snapshot at least as new as the one in force then: an id that
     * snapshot marked {@link BackendStates#REMOVED}, and that no insert or rebind has used since,
     * is held by no entry.
     */
    public long sweeps() {
        return sweeps;
    }

    /**
     * Takes a new backend-state snapshot; call once per burst with the newest published one. Owner
     * thread only.
     */
    public void backendStates(BackendStates states) {
        if (states != null) {
            backendStates = states;
        }
    }

    /**
     * Sets a service's quota (0: no limit). Owner thread only; takes effect for new inserts (entries
     * above a lowered quota stay until they expire or the service replaces them).
     */
    public void serviceQuota(int service, int maxEntries) {
        if (service < 0 || service >= serviceQuota.length || maxEntries < 0) {
            throw new IllegalArgumentException("service " + service + " or quota " + maxEntries + " out of range");
        }
        serviceQuota[service] = maxEntries == 0 ? Integer.MAX_VALUE : maxEntries;
    }

    /** Entries a service holds now (owner thread). */
    public int serviceEntries(int service) {
        return service >= 0 && service < serviceEntries.length ? serviceEntries[service] : 0;
    }

    /** The table's counters (any thread, acquire loads). */
    public ConntrackCounters counters() {
        return counters;
    }

    /** Entries allocated (the capacity rounded up to a whole bucket). */
    public int capacity() {
        return slots;
    }

    /** Off-heap bytes held: {@code capacity() * ENTRY_BYTES}. */
    public long memoryBytes() {
        return memory.bytes;
    }

    /** Entries stored now, live or expired-not-yet-removed (owner thread, plain). */
    public long occupancy() {
        return occupancy;
    }

    /** True if the table's memory was mapped with a huge-page hint (diagnostics, benchmarks). */
    public boolean hugePageHint() {
        return memory.hugePageHint;
    }

    /**
     * Frees the off-heap memory. The table must not be used afterwards: accesses are by absolute
     * address and would not be caught.
     */
    @Override
    public void close() {
        memory.close();
    }

    // ================================================================ helpers

    private boolean expired(int proto, int st, long lastSeen, long now) {
        return now - lastSeen > timeout(proto, st);
    }

    private long timeout(int proto, int st) {
        if (proto == PROTO_TCP) {
            if ((st & ST_FIN_RST) != 0) {
                return tcpClosing;
            }
            return (st & (ST_SYN | ST_NON_SYN)) == ST_SYN ? tcpSynOnly : tcpEstablished;
        }
        return proto == PROTO_UDP ? udp : other;
    }

    /** A bare SYN on an entry that has seen FIN or RST: the client reuses the port for a new connection. */
    private static boolean reopened(int proto, int st, int tcpFlags) {
        return proto == PROTO_TCP && (st & ST_FIN_RST) != 0 && (tcpFlags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    }

    private static int stateBits(int proto, int tcpFlags) {
        if (proto != PROTO_TCP) {
            return 0;
        }
        int bits = (tcpFlags & TCP_SYN) != 0 ? ST_SYN : ST_NON_SYN;
        if ((tcpFlags & (TCP_FIN | TCP_RST)) != 0) {
            bits |= ST_FIN_RST;
        }
        return bits;
    }

    private void free(long x) {
        unaccount(x);
        Memory.putShortLE(base(x) + H_TAG + 2L * lane(x), (short) 0);
        if (lastHit == x) {
            lastHit = -1;
        }
    }

    private void unaccount(long x) {
        serviceEntries[Short.toUnsignedInt(Memory.getShortLE(base(x) + H_SERVICE + 2L * lane(x)))]--;
        counters.addRelease(OCCUPANCY, -1);
        occupancy--;
    }

    private void account(int service) {
        serviceEntries[service]++;
        counters.addRelease(OCCUPANCY, 1);
        occupancy++;
    }

    /** Tests: the table's address (bucket offsets are relative to it). */
    long baseAddress() {
        return addr;
    }

    /** Tests: byte offsets of an IPv4 key's two buckets. */
    long[] bucketsV4(int src, int dst, int srcPort, int dstPort, int proto) {
        final long h = hashV4(src, dst, ports(srcPort, dstPort), proto & 0xFF);
        return new long[] {bucket1(h) - addr, bucket2(h) - addr};
    }

    /**
     * Address of a key's first bucket: the hash's high 32 bits scaled to the bucket count
     * (multiply-shift, so the bucket count need not be a power of two and the table is exactly
     * as large as configured).
     */
    private long bucket1(long h) {
        return addr + ((h >>> 32) * buckets >>> 32) * BUCKET_BYTES;
    }

    /** Address of the second bucket: the same scaling of a second, independent-looking word. */
    private long bucket2(long h) {
        return addr + (((h * 0x9E3779B97F4A7C15L) >>> 32) * buckets >>> 32) * BUCKET_BYTES;
    }

    private static int ports(int srcPort, int dstPort) {
        return (srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF);
    }

    /** Low 16 hash bits (the first bucket uses the high ones); never 0, which marks a free entry. */
    private static int tag(long h) {
        final int t = (int) h & 0xFFFF;
        return t | (t - 1) >>> 31; // 0 becomes 1
    }

    /** Entry index (bucket * 8 + lane) of lane {@code k} of the bucket at address {@code base}. */
    private long entry(long base, int k) {
        return ((base - addr) >>> 6) + k;
    }

    /** Address of entry {@code x}'s bucket. */
    private long base(long x) {
        return addr + (x >>> 3) * BUCKET_BYTES;
    }

    /** Lane of entry {@code x} in its bucket. */
    private static int lane(long x) {
        return (int) x & (BUCKET - 1);
    }

    /** Address of lane {@code k}'s hot part in the bucket at {@code base}. */
    private static long hot(long base, int k) {
        return base + HOT + (long) k * HOT_BYTES;
    }

    /** Address of lane {@code k}'s cold part (the addresses' high words) in the bucket at {@code base}. */
    private static long cold(long base, int k) {
        return base + COLD + (long) k * COLD_BYTES;
    }

    // The table's own hash. It need not match anything outside this process (Maglev's XXH64 is for
    // that); it must be fast and must not let a sender predict collisions, so every key word is
    // mixed with the per-process seed first. IPv6: murmur3-style 64-bit block mixing of the key
    // words, then murmur3's fmix64 finaliser. IPv4 (every packet's first stage, ahead of the
    // prefetches): two folded 64x64->128-bit multiplications (the low and high halves xored), the
    // key's two words against each other, then the result against the seed; four multiply
    // instructions against murmur's six, measured 3 % less time per packet of the worker's burst
    // path (BurstPathBenchmark, IPv4, 10 k flows, 7 of 8 alternated pairs).
    private static final long C1 = 0x87C37B91114253D5L;
    private static final long C2 = 0x4CF5AD432745937FL;

    private static long mix(long h, long w) {
        h ^= Long.rotateLeft(w * C1, 31) * C2;
        return Long.rotateLeft(h, 27) * 5 + 0x52DCE729L;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }

    private long hashV4(int src, int dst, int ports, int proto) {
        final long a = ((long) src << 32 | (dst & 0xFFFF_FFFFL)) ^ seed;
        final long b = ((long) ports << 8 | proto) ^ Long.rotateLeft(seed, 32) ^ C1;
        return mum(mum(a, b) ^ C2, seed ^ 0x52DCE729L);
    }

    private static long mum(long x, long y) {
        return x * y ^ Math.unsignedMultiplyHigh(x, y);
    }

    private long hashV6(long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        long h = mix(seed, sHi);
        h = mix(h, sLo);
        h = mix(h, dHi);
        h = mix(h, dLo);
        h = mix(h, (long) (ports & 0xFFFF_FFFFL) << 8 | proto | 0x6000_0000_0000_0000L);
        return fmix64(h);
    }
}
