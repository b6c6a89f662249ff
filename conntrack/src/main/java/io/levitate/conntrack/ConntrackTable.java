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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One worker's connection table: flow key &rarr; (backend, service, last seen, TCP state), in fixed
 * off-heap memory, written and read by the owning worker only. No locks, no allocation and no
 * exception on the per-packet methods ({@code lookup*}, {@code insert*}, {@code rebindLastHit},
 * {@code expireSlice}); {@link #counters()} may be read by any thread.
 *
 * <h2>Layout</h2>
 * An array of 64-byte entries, 64-byte aligned, so an entry is exactly one cache line, grouped in
 * buckets of {@value #BUCKET} adjacent entries (512 bytes).
 * IPv4 and IPv6 flows share it: an IPv4 address is stored in its IPv4-mapped IPv6 form
 * ({@code ::ffff:a.b.c.d}). Memory is 64 bytes per entry and nothing else per entry (8 M entries:
 * 512 MB), plus 8 bytes per service for quotas.
 * <pre>
 *  0               8               16              24              32
 *  +---------------+---------------+---------------+---------------+
 *  | src addr hi   | src addr lo   | dst addr hi   | dst addr lo   |   key: 4 x 8 bytes
 *  +-------+-------+---+---+-------+-------+-------+---------------+
 *  32      36      40  41  42      44      48                      56      64
 *  | ports | tag   |pro|st | svc   |backend| last seen (ms)        | spare |
 *  +-------+-------+---+---+-------+-------+-----------------------+-------+
 *  ports = srcPort &lt;&lt; 16 | dstPort; tag = high hash bits | 1, 0 marks a free entry;
 *  pro = IP protocol; st = TCP state bits; svc = service id (16 bits); backend = caller's id
 * </pre>
 *
 * <h2>Probing and eviction</h2>
 * A key may live in either of two buckets chosen by its hash (two-choice hashing): its probe window of
 * 2 &times; {@value #BUCKET} entries. Lookups compare a 32-bit tag before the key and scan the first
 * bucket, then the second (entries are removed without tombstones, so a hole does not end a search);
 * the loads within a bucket are independent and adjacent, so a bucket costs about one memory
 * latency. An insert takes, in order: the entry of the same key; a free or expired entry (an expired
 * one is reclaimed and counted as an expiration) in whichever bucket has more room, the first on a
 * tie; and when both buckets are full of live entries it evicts the least recently seen entry
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
    /** Bytes per entry: one cache line. */
    public static final int ENTRY_BYTES = 64;
    /** Entries per bucket: 8 adjacent cache lines, a span hardware prefetchers serve well. */
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
    static final int ST_SYN = 0x01;        // a SYN has been seen
    static final int ST_NON_SYN = 0x02;    // a segment without SYN has been seen: past the handshake
    static final int ST_FIN_RST = 0x04;    // a FIN or RST has been seen

    // Field offsets inside an entry (see the diagram).
    static final long SRC_HI = 0;
    static final long SRC_LO = 8;
    static final long DST_HI = 16;
    static final long DST_LO = 24;
    static final long PORTS = 32;
    static final long TAG = 36;
    static final long PROTO = 40;
    static final long STATE = 41;
    static final long SERVICE = 42;
    static final long BACKEND = 44;
    static final long LAST_SEEN = 48;

    /** High word of an IPv4-mapped IPv6 address is 0; the low word carries 0xffff above the IPv4 address. */
    private static final long V4_MAPPED = 0x0000_FFFF_0000_0000L;
    /** Flood-guard tokens are thousandths of a flow so a per-second rate refills per millisecond exactly. */
    private static final long TOKEN = 1000;
    /** The flood guard has not seen a clock value yet. */
    private static final long CLOCK_UNSET = Long.MIN_VALUE;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private final Arena arena;
    private final MemorySegment mem;
    private final long buckets;
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
    private long occupancy;

    /** Allocates and zeroes {@code config.slots() * 64} bytes off-heap. */
    public ConntrackTable(ConntrackConfig config) {
        this.slots = config.slots();
        this.buckets = slots / BUCKET;
        this.seed = config.hashSeed();
        this.tcpEstablished = config.tcpEstablishedMs();
        this.tcpClosing = config.tcpClosingMs();
        this.tcpSynOnly = config.tcpSynOnlyMs();
        this.udp = config.udpMs();
        this.other = config.otherMs();
        this.floodRate = config.floodRatePerSecond();
        // A burst of 0 means one second's worth of the rate.
        this.floodDepth = (config.floodBurst() > 0 ? config.floodBurst() : Math.max(1, config.floodRatePerSecond()))
                * TOKEN;
        this.floodTokens = floodDepth;
        this.serviceEntries = new int[config.maxServices()];
        this.serviceQuota = new int[config.maxServices()];
        java.util.Arrays.fill(serviceQuota, config.defaultServiceQuota() == 0 ? Integer.MAX_VALUE
                : config.defaultServiceQuota());
        // A shared arena: the table is often built by the main thread and used by a worker.
        this.arena = Arena.ofShared();
        this.mem = arena.allocate((long) slots * ENTRY_BYTES, ENTRY_BYTES); // zeroed: every tag 0, all free
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
        final int ports = ports(srcPort, dstPort);
        final long h = hashV4(src, dst, ports, proto & 0xFF);
        return lookup(h, 0L, V4_MAPPED | (src & 0xFFFF_FFFFL), 0L, V4_MAPPED | (dst & 0xFFFF_FFFFL), ports,
                proto & 0xFF, tcpFlags, now);
    }

    /** Looks up an IPv6 flow; addresses as two big-endian longs each. See {@link #lookupV4}. */
    public int lookupV6(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int proto,
                        int tcpFlags, long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV6(srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF);
        return lookup(h, srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF, tcpFlags, now);
    }

    private int lookup(long h, long sHi, long sLo, long dHi, long dLo, int ports, int proto, int tcpFlags,
                       long now) {
        final long e = find(h, sHi, sLo, dHi, dLo, ports, proto);
        if (e < 0) {
            counters.incrementRelease(MISSES);
            return MISS;
        }
        final int st = mem.get(BYTE, e + STATE);
        if (expired(proto, st, mem.get(LONG, e + LAST_SEEN), now) || reopened(proto, st, tcpFlags)) {
            free(e);
            counters.incrementRelease(EXPIRATIONS);
            counters.incrementRelease(MISSES);
            return MISS;
        }
        mem.set(BYTE, e + STATE, (byte) (st | stateBits(proto, tcpFlags)));
        mem.set(LONG, e + LAST_SEEN, now);
        counters.incrementRelease(HITS);
        lastHit = e;
        final int backend = mem.get(INT, e + BACKEND);
        return backendStates.isDown(backend) ? RESOLVE : backend;
    }

    /** The entry of {@code key} in its two buckets, or -1. */
    private long find(long h, long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        final int tag = tag(h);
        final long e = findInBucket(bucket1(h), tag, sHi, sLo, dHi, dLo, ports, proto);
        return e >= 0 ? e : findInBucket(bucket2(h), tag, sHi, sLo, dHi, dLo, ports, proto);
    }

    private long findInBucket(long base, int tag, long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        // Tags first, the full key only on a tag match (a false match is 1 in 2^31 per entry): the
        // loop stays small enough for the JIT to inline into lookup.
        for (int i = 0; i < BUCKET; i++) {
            final long e = base + (long) i * ENTRY_BYTES;
            if (mem.get(INT, e + TAG) == tag && matches(e, sHi, sLo, dHi, dLo, ports, proto)) {
                return e;
            }
        }
        return -1;
    }

    private boolean matches(long e, long sHi, long sLo, long dHi, long dLo, int ports, int proto) {
        return mem.get(INT, e + PORTS) == ports && mem.get(BYTE, e + PROTO) == (byte) proto
                && keyEquals(e, sHi, sLo, dHi, dLo);
    }

    private boolean keyEquals(long e, long sHi, long sLo, long dHi, long dLo) {
        return mem.get(LONG, e + SRC_LO) == sLo && mem.get(LONG, e + DST_LO) == dLo
                && mem.get(LONG, e + SRC_HI) == sHi && mem.get(LONG, e + DST_HI) == dHi;
    }

    /**
     * After a {@link #RESOLVE} (or any hit): moves the flow to {@code backend}, the current table's
     * choice. Counted as a rebind. No effect if there was no hit or {@code backend} is negative.
     */
    public void rebindLastHit(int backend) {
        final long e = lastHit;
        if (e >= 0 && backend >= 0 && mem.get(INT, e + TAG) != 0) {
            mem.set(INT, e + BACKEND, backend);
            counters.incrementRelease(REBINDS);
        }
    }

    /** After a hit: removes the entry (for example when its service has no backend left). */
    public void removeLastHit() {
        final long e = lastHit;
        if (e >= 0 && mem.get(INT, e + TAG) != 0) {
            free(e);
        }
        lastHit = -1;
    }

    /** Service id of the last hit's entry, or -1. */
    public int lastHitService() {
        final long e = lastHit;
        return e >= 0 && mem.get(INT, e + TAG) != 0 ? Short.toUnsignedInt(mem.get(SHORT, e + SERVICE)) : -1;
    }

    /** Backend id stored in the last hit's entry (whatever its state), or -1. */
    public int lastHitBackend() {
        final long e = lastHit;
        return e >= 0 && mem.get(INT, e + TAG) != 0 ? mem.get(INT, e + BACKEND) : -1;
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
    public int insertV4(int src, int dst, int srcPort, int dstPort, int proto, int tcpFlags, int backend,
                        int service, long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV4(src, dst, ports, proto & 0xFF);
        return insert(h, 0L, V4_MAPPED | (src & 0xFFFF_FFFFL), 0L, V4_MAPPED | (dst & 0xFFFF_FFFFL), ports,
                proto & 0xFF, tcpFlags, backend, service, now);
    }

    /** Records a new IPv6 flow. See {@link #insertV4}. */
    public int insertV6(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int proto,
                        int tcpFlags, int backend, int service, long now) {
        final int ports = ports(srcPort, dstPort);
        final long h = hashV6(srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF);
        return insert(h, srcHi, srcLo, dstHi, dstLo, ports, proto & 0xFF, tcpFlags, backend, service, now);
    }

    private int insert(long h, long sHi, long sLo, long dHi, long dLo, int ports, int proto, int tcpFlags,
                       int backend, int service, long now) {
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
        for (int i = 0; i < WINDOW; i++) {
            final boolean first = i < BUCKET;
            final long e = (first ? b1 : b2) + (long) (i & (BUCKET - 1)) * ENTRY_BYTES;
            final int t = mem.get(INT, e + TAG);
            boolean empty = t == 0;
            if (!empty) {
                final int eProto = Byte.toUnsignedInt(mem.get(BYTE, e + PROTO));
                final long seen = mem.get(LONG, e + LAST_SEEN);
                if (t == tag && mem.get(INT, e + PORTS) == ports && eProto == proto
                        && keyEquals(e, sHi, sLo, dHi, dLo)) {
                    // Same key (an insert without a lookup, or after RESOLVE): rewrite in place.
                    unaccount(e);
                    write(e, tag, sHi, sLo, dHi, dLo, ports, proto, tcpFlags, backend, service, now);
                    account(service);
                    return INSERTED;
                }
                if (expired(eProto, mem.get(BYTE, e + STATE), seen, now)) {
                    free(e);
                    counters.incrementRelease(EXPIRATIONS);
                    empty = true;
                } else if (Short.toUnsignedInt(mem.get(SHORT, e + SERVICE)) == service && seen < ownOldestSeen) {
                    ownOldest = e;
                    ownOldestSeen = seen;
                }
            }
            if (empty) {
                if (first) {
                    room1++;
                    free1 = free1 < 0 ? e : free1;
                } else if (b2 != b1) {
                    room2++;
                    free2 = free2 < 0 ? e : free2;
                }
            }
        }
        final long free = room2 > room1 ? free2 : free1;
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
            counters.incrementRelease(serviceEntries[service] < serviceQuota[service] ? WINDOW_FULL_SKIPS : QUOTA_SKIPS);
            return serviceEntries[service] < serviceQuota[service] ? SKIPPED_WINDOW_FULL : SKIPPED_QUOTA;
        }
        write(target, tag, sHi, sLo, dHi, dLo, ports, proto, tcpFlags, backend, service, now);
        account(service);
        if (floodRate > 0) {
            floodTokens -= TOKEN;
        }
        counters.incrementRelease(INSERTS);
        return INSERTED;
    }

    private void write(long e, int tag, long sHi, long sLo, long dHi, long dLo, int ports, int proto, int tcpFlags,
                       int backend, int service, long now) {
        mem.set(LONG, e + SRC_HI, sHi);
        mem.set(LONG, e + SRC_LO, sLo);
        mem.set(LONG, e + DST_HI, dHi);
        mem.set(LONG, e + DST_LO, dLo);
        mem.set(INT, e + PORTS, ports);
        mem.set(BYTE, e + PROTO, (byte) proto);
        mem.set(BYTE, e + STATE, (byte) stateBits(proto, tcpFlags));
        mem.set(SHORT, e + SERVICE, (short) service);
        mem.set(INT, e + BACKEND, backend);
        mem.set(LONG, e + LAST_SEEN, now);
        mem.set(INT, e + TAG, tag);
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
     * Examines the next {@code maxEntries} entries (cyclically) and removes the expired ones. Call it
     * from the worker's housekeeping: the whole table is swept every
     * {@code slots / maxEntries} calls, so, for example, 8 Mi entries at 8192 per call every
     * millisecond is a full sweep per second, each call touching 512 KiB.
     *
     * @return entries removed
     */
    public int expireSlice(long now, int maxEntries) {
        long cursor = expiryCursor;
        int removed = 0;
        final int n = Math.min(Math.max(maxEntries, 0), slots);
        for (int i = 0; i < n; i++) {
            final long e = cursor * ENTRY_BYTES;
            if (++cursor == slots) {
                cursor = 0;
            }
            if (mem.get(INT, e + TAG) != 0
                    && expired(Byte.toUnsignedInt(mem.get(BYTE, e + PROTO)), mem.get(BYTE, e + STATE),
                    mem.get(LONG, e + LAST_SEEN), now)) {
                free(e);
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
        return mem.byteSize();
    }

    /** Entries stored now, live or expired-not-yet-removed (owner thread, plain). */
    public long occupancy() {
        return occupancy;
    }

    /** Frees the off-heap memory. The table must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
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

    private void free(long e) {
        unaccount(e);
        mem.set(INT, e + TAG, 0);
        if (lastHit == e) {
            lastHit = -1;
        }
    }

    private void unaccount(long e) {
        serviceEntries[Short.toUnsignedInt(mem.get(SHORT, e + SERVICE))]--;
        counters.addRelease(OCCUPANCY, -1);
        occupancy--;
    }

    private void account(int service) {
        serviceEntries[service]++;
        counters.addRelease(OCCUPANCY, 1);
        occupancy++;
    }

    /** Tests: byte offsets of an IPv4 key's two buckets. */
    long[] bucketsV4(int src, int dst, int srcPort, int dstPort, int proto) {
        final long h = hashV4(src, dst, ports(srcPort, dstPort), proto & 0xFF);
        return new long[] {bucket1(h), bucket2(h)};
    }

    /**
     * Byte offset of a key's first bucket: the hash's high 32 bits scaled to the bucket count
     * (multiply-shift, so the bucket count need not be a power of two and the table is exactly
     * as large as configured).
     */
    private long bucket1(long h) {
        return ((h >>> 32) * buckets >>> 32) * BUCKET_BYTES;
    }

    /** Byte offset of the second bucket: the same scaling of a second, independent-looking word. */
    private long bucket2(long h) {
        return (((h * 0x9E3779B97F4A7C15L) >>> 32) * buckets >>> 32) * BUCKET_BYTES;
    }

    private static int ports(int srcPort, int dstPort) {
        return (srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF);
    }

    /** Low hash bits (the buckets use the high ones); never 0, which marks a free entry. */
    private static int tag(long h) {
        return (int) h | 1;
    }

    // The table's own hash: murmur3-style 64-bit block mixing of the key words, seeded per process,
    // then murmur3's fmix64 finaliser. It need not match anything outside this process (Maglev's
    // XXH64 is for that); it must be fast and must not let a sender predict collisions.
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
        long h = mix(seed, (long) src << 32 | (dst & 0xFFFF_FFFFL));
        h = mix(h, (long) ports << 8 | proto);
        return fmix64(h);
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
