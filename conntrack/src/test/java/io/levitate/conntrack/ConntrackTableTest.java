package io.levitate.conntrack;

import static io.levitate.conntrack.ConntrackCounters.EVICTIONS;
import static io.levitate.conntrack.ConntrackCounters.EXPIRATIONS;
import static io.levitate.conntrack.ConntrackCounters.FLOOD_GUARD_SKIPS;
import static io.levitate.conntrack.ConntrackCounters.HITS;
import static io.levitate.conntrack.ConntrackCounters.INSERTS;
import static io.levitate.conntrack.ConntrackCounters.MISSES;
import static io.levitate.conntrack.ConntrackCounters.OCCUPANCY;
import static io.levitate.conntrack.ConntrackCounters.REBINDS;
import static io.levitate.conntrack.ConntrackTable.INSERTED;
import static io.levitate.conntrack.ConntrackTable.MISS;
import static io.levitate.conntrack.ConntrackTable.REJECTED_INVALID;
import static io.levitate.conntrack.ConntrackTable.RESOLVE;
import static io.levitate.conntrack.ConntrackTable.SKIPPED_FLOOD;
import static io.levitate.conntrack.ConntrackTable.TCP_ACK;
import static io.levitate.conntrack.ConntrackTable.TCP_FIN;
import static io.levitate.conntrack.ConntrackTable.TCP_RST;
import static io.levitate.conntrack.ConntrackTable.TCP_SYN;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConntrackTableTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    private static final int CLIENT = 0xC6336401; // 198.51.100.1
    private static final int VIP = 0xC0000201; // 192.0.2.1
    private static final long V6_CLIENT_HI = 0x20010db8_00010000L;
    private static final long V6_VIP_HI = 0x20010db8_00000000L;

    private final List<ConntrackTable> opened = new ArrayList<>();

    private ConntrackTable table(ConntrackConfig cfg) {
        ConntrackTable t = new ConntrackTable(cfg);
        opened.add(t);
        return t;
    }

    private ConntrackTable table(int capacity) {
        return table(ConntrackConfig.defaults(capacity, 0x5EEDL));
    }

    @AfterEach
    void close() {
        opened.forEach(ConntrackTable::close);
    }

    private static long c(ConntrackTable t, int id) {
        return t.counters().getAcquire(id);
    }

    @Test
    void insertThenLookupV4() {
        ConntrackTable t = table(1024);
        assertEquals(MISS, t.lookupV4(CLIENT, VIP, 40000, 80, TCP, TCP_SYN, 0));
        assertEquals(INSERTED, t.insertV4(CLIENT, VIP, 40000, 80, TCP, TCP_SYN, 7, 3, 0));
        assertEquals(7, t.lookupV4(CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 1));
        assertEquals(3, t.lastHitService());
        // Every key field matters.
        assertEquals(MISS, t.lookupV4(CLIENT, VIP, 40001, 80, TCP, TCP_ACK, 1));
        assertEquals(MISS, t.lookupV4(CLIENT, VIP, 40000, 81, TCP, TCP_ACK, 1));
        assertEquals(MISS, t.lookupV4(CLIENT, VIP, 40000, 80, UDP, 0, 1));
        assertEquals(MISS, t.lookupV4(CLIENT + 1, VIP, 40000, 80, TCP, TCP_ACK, 1));
        assertEquals(MISS, t.lookupV4(CLIENT, VIP + 1, 40000, 80, TCP, TCP_ACK, 1));
        assertEquals(1, c(t, HITS));
        assertEquals(6, c(t, MISSES));
        assertEquals(1, c(t, INSERTS));
        assertEquals(1, c(t, OCCUPANCY));
    }

    @Test
    void v6KeysAreDistinctFromEachOtherAndFromV4() {
        ConntrackTable t = table(1024);
        long lo = 0x0000_0000_0000_0042L;
        assertEquals(INSERTED, t.insertV6(V6_CLIENT_HI, lo, V6_VIP_HI, 1, 50000, 443, TCP, TCP_SYN, 11, 1, 0));
        assertEquals(INSERTED, t.insertV6(V6_CLIENT_HI, lo + 1, V6_VIP_HI, 1, 50000, 443, TCP, TCP_SYN, 12, 1, 0));
        assertEquals(INSERTED, t.insertV4(0x42, 1, 50000, 443, TCP, TCP_SYN, 13, 1, 0));
        assertEquals(11, t.lookupV6(V6_CLIENT_HI, lo, V6_VIP_HI, 1, 50000, 443, TCP, TCP_ACK, 1));
        assertEquals(12, t.lookupV6(V6_CLIENT_HI, lo + 1, V6_VIP_HI, 1, 50000, 443, TCP, TCP_ACK, 1));
        assertEquals(13, t.lookupV4(0x42, 1, 50000, 443, TCP, TCP_ACK, 1));
        // Each half of each address is part of the key.
        assertEquals(MISS, t.lookupV6(V6_CLIENT_HI + 1, lo, V6_VIP_HI, 1, 50000, 443, TCP, TCP_ACK, 1));
        assertEquals(MISS, t.lookupV6(V6_CLIENT_HI, lo, V6_VIP_HI + 1, 1, 50000, 443, TCP, TCP_ACK, 1));
        assertEquals(MISS, t.lookupV6(V6_CLIENT_HI, lo, V6_VIP_HI, 2, 50000, 443, TCP, TCP_ACK, 1));
        // The IPv4 flow is not an IPv6 flow of zero addresses.
        assertEquals(MISS, t.lookupV6(0, 0x42, 0, 1, 50000, 443, TCP, TCP_ACK, 1));
        assertEquals(3, t.occupancy());
    }

    /** Idle timeouts by protocol and TCP state, with the defaults: 300 s, 10 s, 5 s, 30 s, 30 s. */
    @Test
    void expiryPerProtocolAndState() {
        ConntrackTable t = table(1024);
        long t0 = 1_000_000;
        // TCP, handshake done: established.
        t.insertV4(CLIENT, VIP, 1, 80, TCP, TCP_SYN, 1, 0, t0);
        t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, t0);
        // TCP, SYN only (a half-open or spoofed flow).
        t.insertV4(CLIENT, VIP, 2, 80, TCP, TCP_SYN, 1, 0, t0);
        // TCP after FIN, and after RST.
        t.insertV4(CLIENT, VIP, 3, 80, TCP, TCP_SYN, 1, 0, t0);
        t.lookupV4(CLIENT, VIP, 3, 80, TCP, TCP_ACK | TCP_FIN, t0);
        t.insertV4(CLIENT, VIP, 4, 80, TCP, TCP_ACK, 1, 0, t0);
        t.lookupV4(CLIENT, VIP, 4, 80, TCP, TCP_RST, t0);
        // TCP first seen mid-stream (another Levitate had it before ECMP moved it): established.
        t.insertV4(CLIENT, VIP, 5, 80, TCP, TCP_ACK, 1, 0, t0);
        t.insertV4(CLIENT, VIP, 6, 53, UDP, 0, 1, 0, t0);
        t.insertV4(CLIENT, VIP, 0, 0, ICMP, 0, 1, 0, t0);

        int[][] expectations = {
            // source port, proto, timeout ms, TCP flags of the probing packets (state-preserving)
            {1, TCP, 300_000, TCP_ACK},
            {2, TCP, 5_000, TCP_SYN},
            {3, TCP, 10_000, TCP_ACK},
            {4, TCP, 10_000, TCP_ACK},
            {5, TCP, 300_000, TCP_ACK},
            {6, UDP, 30_000, 0},
            {0, ICMP, 30_000, 0},
        };
        for (int[] x : expectations) {
            int dport = x[1] == UDP ? 53 : x[1] == ICMP ? 0 : 80;
            // Alive at exactly the timeout; that packet renews the entry, so it then expires one past
            // a further timeout.
            assertEquals(1, t.lookupV4(CLIENT, VIP, x[0], dport, x[1], x[3], t0 + x[2]), "alive at timeout: " + x[0]);
            assertEquals(
                    MISS,
                    t.lookupV4(CLIENT, VIP, x[0], dport, x[1], x[3], t0 + 2L * x[2] + 1),
                    "expired after timeout: " + x[0]);
        }
        assertEquals(expectations.length, c(t, EXPIRATIONS));
        assertEquals(0, t.occupancy());
    }

    @Test
    void expirySlicesSweepIncrementally() {
        ConntrackTable t = table(ConntrackConfig.defaults(4096, 1).withTimeouts(1000, 100, 50, 200, 300));
        for (int i = 0; i < 1000; i++) {
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 1000, 53, UDP, 0, 1, 0, 0));
        }
        for (int i = 0; i < 500; i++) {
            t.lookupV4(CLIENT + i, VIP, 1000, 53, UDP, 0, 150); // refresh half of them
        }
        assertEquals(0, t.expireSlice(200, 4096), "nothing is idle past 200 ms yet");
        int removed = 0;
        int calls = 0;
        while (calls < 4096 / 256) {
            int r = t.expireSlice(201, 256);
            assertTrue(r <= 256);
            removed += r;
            calls++;
            assertEquals(1000 - removed, t.occupancy());
        }
        assertEquals(500, removed, "one full sweep in slices removes exactly the idle half");
        assertEquals(500, c(t, EXPIRATIONS));
        for (int i = 0; i < 500; i++) {
            assertEquals(1, t.lookupV4(CLIENT + i, VIP, 1000, 53, UDP, 0, 201));
        }
    }

    @Test
    void aFullSweepFreesTheEntriesOfRemovedBackendsAndCountsThePass() {
        ConntrackTable t = table(ConntrackConfig.defaults(4096, 1));
        for (int i = 0; i < 900; i++) {
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 1000, 80, TCP, TCP_ACK, i % 3, 0, 0));
        }
        // Backend 1 failed its health check (DOWN: its entries stay until hit); backend 2 is gone.
        t.backendStates(BackendStates.of(BackendStates.USABLE, BackendStates.DOWN, BackendStates.REMOVED));
        assertEquals(0, t.sweeps());
        int removed = 0;
        for (int call = 0; call < 4096 / 512; call++) {
            assertEquals(0, t.sweeps(), "no pass is complete before call " + call);
            removed += t.expireSlice(10, 512);
        }
        assertEquals(1, t.sweeps(), "the eighth slice of 512 completes the pass over 4096 entries");
        assertEquals(300, removed, "every entry of backend 2, none of the others");
        assertEquals(600, t.occupancy());
        for (int i = 0; i < 900; i++) {
            assertEquals(
                    i % 3 == 0 ? 0 : i % 3 == 1 ? RESOLVE : MISS,
                    t.lookupV4(CLIENT + i, VIP, 1000, 80, TCP, TCP_ACK, 11),
                    "flow " + i);
        }
        assertTrue(BackendStates.of(BackendStates.REMOVED).isDown(0), "a removed backend's flows re-resolve on a hit");
    }

    @Test
    void evictsTheLeastRecentlySeenEntryOfTheWindowAtCapacity() {
        ConntrackTable t = table(64);
        // Seventeen keys whose two buckets are the same pair: the window holds sixteen.
        List<Integer> sources = new ArrayList<>();
        long[] pair = null;
        for (int src = CLIENT; sources.size() < ConntrackTable.WINDOW + 1; src++) {
            long[] b = t.bucketsV4(src, VIP, 1, 80, TCP);
            if (b[0] == b[1]) {
                continue;
            }
            java.util.Arrays.sort(b);
            if (pair == null) {
                pair = b;
            }
            if (java.util.Arrays.equals(pair, b)) {
                sources.add(src);
            }
        }
        for (int i = 0; i < ConntrackTable.WINDOW; i++) {
            assertEquals(INSERTED, t.insertV4(sources.get(i), VIP, 1, 80, TCP, TCP_ACK, i, 0, 100 + i));
        }
        assertEquals(0, c(t, EVICTIONS));
        t.lookupV4(sources.get(0), VIP, 1, 80, TCP, TCP_ACK, 200); // key 0 is now the most recent
        assertEquals(INSERTED, t.insertV4(sources.get(16), VIP, 1, 80, TCP, TCP_ACK, 16, 0, 201));
        assertEquals(1, c(t, EVICTIONS));
        assertEquals(MISS, t.lookupV4(sources.get(1), VIP, 1, 80, TCP, TCP_ACK, 202), "key 1 was the oldest");
        for (int i = 0; i <= ConntrackTable.WINDOW; i++) {
            if (i != 1) {
                assertEquals(i, t.lookupV4(sources.get(i), VIP, 1, 80, TCP, TCP_ACK, 202), "key " + i);
            }
        }
    }

    @Test
    void keepsInsertingAtCapacityByEvictingAndCountsEveryEviction() {
        ConntrackTable t = table(1024);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 1, 80, TCP, TCP_SYN, 1, 0, i));
        }
        assertEquals(10_000, c(t, INSERTS));
        assertEquals(c(t, INSERTS) - c(t, EVICTIONS), t.occupancy());
        assertTrue(t.occupancy() > 1024 * 0.9, "occupancy " + t.occupancy());
        // The newest flows are the ones kept.
        for (int i = 9_990; i < 10_000; i++) {
            assertEquals(1, t.lookupV4(CLIENT + i, VIP, 1, 80, TCP, TCP_ACK, 10_000));
        }
    }

    /** Service A floods a table in which B has flows; A never evicts B, and B can still add flows. */
    @Test
    void aFloodOnOneServiceEvictsNothingOfAnother() {
        final int a = 1;
        final int b = 2;
        ConntrackTable t = table(ConntrackConfig.defaults(4096, 9));
        t.serviceQuota(a, 2048);
        for (int i = 0; i < 500; i++) {
            assertEquals(INSERTED, t.insertV4(0x0A000000 + i, VIP, 1000, 443, TCP, TCP_ACK, 20, b, 0));
        }
        for (int i = 0; i < 200_000; i++) {
            t.insertV4(0x64000000 + i, VIP, i, 80, TCP, TCP_SYN, 10, a, 1);
        }
        assertEquals(2048, t.serviceEntries(a), "A is held to its quota");
        assertTrue(c(t, EVICTIONS) > 190_000, "A evicted its own flows");
        for (int i = 0; i < 500; i++) {
            assertEquals(20, t.lookupV4(0x0A000000 + i, VIP, 1000, 443, TCP, TCP_ACK, 2), "B flow " + i);
        }
        int added = 0;
        for (int i = 500; i < 1000; i++) {
            if (t.insertV4(0x0A000000 + i, VIP, 1000, 443, TCP, TCP_ACK, 20, b, 3) == INSERTED) {
                added++;
            }
        }
        assertEquals(500, added, "B still has room: A's quota leaves half the table");
        assertEquals(1000, t.serviceEntries(b));
    }

    @Test
    void withoutQuotasAFloodStillCannotEvictAnotherServicesLiveFlows() {
        ConntrackTable t = table(1024);
        for (int i = 0; i < 100; i++) {
            t.insertV4(0x0A000000 + i, VIP, 1000, 443, TCP, TCP_ACK, 20, 2, 0);
        }
        for (int i = 0; i < 100_000; i++) {
            t.insertV4(0x64000000 + i, VIP, i, 80, TCP, TCP_SYN, 10, 1, 1);
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(20, t.lookupV4(0x0A000000 + i, VIP, 1000, 443, TCP, TCP_ACK, 2));
        }
        assertTrue(c(t, ConntrackCounters.WINDOW_FULL_SKIPS) + c(t, EVICTIONS) > 0);
    }

    @Test
    void floodGuardStopsInsertsAboveTheRateAndRefills() {
        // 1000 new flows per second, bucket of 10.
        ConntrackTable t = table(ConntrackConfig.defaults(4096, 3).withFloodGuard(1000, 10));
        int inserted = 0;
        for (int i = 0; i < 50; i++) {
            int r = t.insertV4(CLIENT + i, VIP, 1, 80, TCP, TCP_SYN, 1, 0, 5_000);
            if (r == INSERTED) {
                inserted++;
            } else {
                assertEquals(SKIPPED_FLOOD, r);
            }
        }
        assertEquals(10, inserted);
        assertEquals(40, c(t, FLOOD_GUARD_SKIPS));
        // A skipped flow is simply not remembered: the caller forwarded it by Maglev.
        assertEquals(MISS, t.lookupV4(CLIENT + 49, VIP, 1, 80, TCP, TCP_ACK, 5_000));
        // 5 ms at 1000/s refills 5 tokens.
        inserted = 0;
        for (int i = 100; i < 120; i++) {
            if (t.insertV4(CLIENT + i, VIP, 1, 80, TCP, TCP_SYN, 1, 0, 5_005) == INSERTED) {
                inserted++;
            }
        }
        assertEquals(5, inserted);
        // Existing flows keep working during a flood.
        assertEquals(1, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, 5_005));
        // After a long quiet spell the bucket is full again, not more (no overflow).
        inserted = 0;
        for (int i = 200; i < 250; i++) {
            if (t.insertV4(CLIENT + i, VIP, 1, 80, TCP, TCP_SYN, 1, 0, Long.MAX_VALUE / 2) == INSERTED) {
                inserted++;
            }
        }
        assertEquals(10, inserted);
    }

    @Test
    void downBackendIsReResolvedDrainingBackendIsKept() {
        ConntrackTable t = table(1024);
        t.insertV4(CLIENT, VIP, 1, 80, TCP, TCP_SYN, 3, 0, 0);
        t.backendStates(BackendStates.of(
                BackendStates.USABLE,
                BackendStates.USABLE,
                BackendStates.USABLE,
                BackendStates.DRAINING,
                BackendStates.USABLE,
                BackendStates.USABLE));
        assertEquals(3, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, 1), "draining keeps its flows");
        t.backendStates(BackendStates.of(
                BackendStates.USABLE,
                BackendStates.USABLE,
                BackendStates.USABLE,
                BackendStates.DOWN,
                BackendStates.USABLE,
                BackendStates.USABLE));
        assertEquals(RESOLVE, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, 2), "down is re-resolved");
        assertEquals(3, t.lastHitBackend());
        t.rebindLastHit(5); // the caller's Maglev lookup chose backend 5
        assertEquals(5, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, 3));
        assertEquals(1, c(t, REBINDS));
        // A backend id the snapshot does not know (removed from config) counts as down.
        t.backendStates(BackendStates.of(BackendStates.USABLE));
        assertEquals(RESOLVE, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, 4));
        t.removeLastHit();
        assertEquals(MISS, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, 5));
        assertEquals(0, t.occupancy());
    }

    @Test
    void aBareSynAfterFinStartsANewConnection() {
        ConntrackTable t = table(1024);
        t.insertV4(CLIENT, VIP, 1, 80, TCP, TCP_SYN, 3, 0, 0);
        t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK | TCP_FIN, 1);
        assertEquals(3, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_ACK, 2), "late ACKs still reach the backend");
        assertEquals(MISS, t.lookupV4(CLIENT, VIP, 1, 80, TCP, TCP_SYN, 3), "port reuse: resolve afresh");
    }

    @Test
    void hostileArgumentsNeverThrow() {
        ConntrackTable t = table(64);
        assertEquals(REJECTED_INVALID, t.insertV4(1, 2, 3, 4, TCP, 0, 1, -1, 0));
        assertEquals(REJECTED_INVALID, t.insertV4(1, 2, 3, 4, TCP, 0, 1, 1 << 20, 0));
        assertEquals(REJECTED_INVALID, t.insertV4(1, 2, 3, 4, TCP, 0, -1, 0, 0));
        assertEquals(INSERTED, t.insertV4(-1, -1, -1, -1, -1, -1, Integer.MAX_VALUE, 4095, Long.MIN_VALUE));
        assertEquals(Integer.MAX_VALUE, t.lookupV4(-1, -1, 0xFFFF, 0xFFFF, 0xFF, -1, Long.MIN_VALUE));
        t.rebindLastHit(-5);
        t.expireSlice(Long.MAX_VALUE, Integer.MAX_VALUE);
        t.expireSlice(0, -3);
        assertEquals(MISS, t.lookupV6(-1, -1, -1, -1, -1, -1, -1, -1, Long.MAX_VALUE));
        t.rebindLastHit(1);
        t.removeLastHit();
        assertEquals(-1, t.lastHitService());
    }

    @Test
    void countersAreReadableFromAnotherThread() throws Exception {
        ConntrackTable t = table(1024);
        for (int i = 0; i < 100; i++) {
            t.insertV4(CLIENT + i, VIP, 1, 80, UDP, 0, 1, 0, 0);
        }
        long[] seen = new long[1];
        Thread reader = new Thread(() -> seen[0] = t.counters().getAcquire(INSERTS));
        reader.start();
        reader.join();
        assertEquals(100, seen[0]);
        assertNotEquals("", ConntrackCounters.name(OCCUPANCY));
    }

    @Test
    void prefetchStepsReadOnlyAndFindTheRecordOfAnInsertedKey() {
        ConntrackTable t = table(4096);
        // Nothing stored: the first bucket's line is the one to prefetch (an empty table uses no
        // second bucket), and its tags are all zero, so there is no record to prefetch.
        long h = t.hashOfV4(CLIENT, VIP, 40000, 80, TCP);
        long[] b = t.bucketsV4(CLIENT, VIP, 40000, 80, TCP);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment lines = arena.allocate(8 * 4);
            assertEquals(3, t.bucketLines(h, lines.address(), 2));
            assertEquals(t.baseAddress() + b[0], lines.getAtIndex(JAVA_LONG, 2));
        }
        assertEquals(0, t.recordToPrefetch(h));
        assertEquals(INSERTED, t.insertV4(CLIENT, VIP, 40000, 80, TCP, TCP_SYN, 7, 0, 100));
        // The record found by tag is the key's: its hot part starts with the IPv4-mapped source word.
        long mappedSource = 0x0000_FFFF_0000_0000L | (CLIENT & 0xFFFF_FFFFL);
        long record = t.recordToPrefetch(h);
        assertNotEquals(0, record);
        assertEquals(mappedSource, Memory.getLong(record));
        // Prefetching changes nothing: the entry is still a hit, and no counter moved.
        assertEquals(1, c(t, INSERTS));
        assertEquals(0, c(t, HITS) + c(t, MISSES));
        assertEquals(7, t.lookupV4(CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 101));
        // With the hash handed in: the same hit; with another key's hash: a miss.
        assertEquals(7, t.lookupV4Hashed(h, CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 102));
        assertEquals(
                MISS,
                t.lookupV4Hashed(t.hashOfV4(CLIENT, VIP, 40001, 80, TCP), CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 103));
    }

    @Test
    void keysInTheSecondBucketAreFoundToo() {
        // A full table: many keys end in their second bucket; every one is still a hit.
        ConntrackTable t = table(256);
        for (int i = 0; i < 256; i++) {
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 1000 + i, 80, UDP, 0, i, 0, 0));
        }
        // Inserts into a full window evict the service's oldest entry; every entry still stored is a hit.
        int hits = 0;
        for (int i = 0; i < 256; i++) {
            hits += t.lookupV4(CLIENT + i, VIP, 1000 + i, 80, UDP, 0, 1) == i ? 1 : 0;
        }
        assertTrue(t.occupancy() > 200, "occupancy " + t.occupancy());
        assertEquals(t.occupancy(), hits);
        assertEquals(256 - t.occupancy(), c(t, EVICTIONS));
    }

    @Test
    void belowAnEighthFullEveryKeyIsInItsFirstBucketWhereThePrefetchLooks() {
        // 4096 entries: up to 512 flows the prefetch names one tag line per key, the first bucket's;
        // inserts put every key there, so its record is always found, and never costs a second line.
        ConntrackTable t = table(4096);
        for (int i = 0; i < 512; i++) {
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 2000 + i, 80, TCP, TCP_SYN, i, 0, 0));
        }
        try (Arena arena = Arena.ofConfined()) {
            long lines = arena.allocate(8 * 2).address();
            for (int i = 0; i < 512; i++) {
                long h = t.hashOfV4(CLIENT + i, VIP, 2000 + i, 80, TCP);
                long[] b = t.bucketsV4(CLIENT + i, VIP, 2000 + i, 80, TCP);
                assertEquals(1, t.bucketLines(h, lines, 0), "key " + i);
                long hot = t.recordToPrefetch(h);
                assertTrue(inBucket(t, hot, b[0]), "key " + i + " not in its first bucket");
                assertEquals(i, t.lookupV4Hinted(h, hot, CLIENT + i, VIP, 2000 + i, 80, TCP, TCP_ACK, 1));
            }
        }
        // One more makes it more than an eighth full: from here inserts take the emptier bucket.
        assertEquals(INSERTED, t.insertV4(CLIENT - 1, VIP, 2000, 80, TCP, TCP_SYN, 1, 0, 0));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(
                    2,
                    t.bucketLines(
                            t.hashOfV4(CLIENT, VIP, 2000, 80, TCP),
                            arena.allocate(16).address(),
                            0));
        }
    }

    @Test
    void prefetchFindsKeysInTheirSecondBucketOnceTheTableIsLoaded() {
        // Half full: inserts took the emptier bucket, so many keys live in their second one.
        ConntrackTable t = table(4096);
        for (int i = 0; i < 2048; i++) {
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 1000 + (i & 0x3FFF), 80, TCP, TCP_SYN, i, 0, 0));
        }
        int inSecond = 0;
        try (Arena arena = Arena.ofConfined()) {
            long lines = arena.allocate(8 * 2).address();
            for (int i = 0; i < 2048; i++) {
                long h = t.hashOfV4(CLIENT + i, VIP, 1000 + (i & 0x3FFF), 80, TCP);
                long[] b = t.bucketsV4(CLIENT + i, VIP, 1000 + (i & 0x3FFF), 80, TCP);
                // Both buckets' tag lines are to be prefetched now.
                assertEquals(2, t.bucketLines(h, lines, 0), "key " + i);
                assertEquals(t.baseAddress() + b[0], Memory.getLong(lines), "key " + i);
                assertEquals(t.baseAddress() + b[1], Memory.getLong(lines + 8), "key " + i);
                long hot = t.recordToPrefetch(h);
                assertNotEquals(0, hot, "key " + i);
                // The part found by tag is the key's (a false tag match in 1 of 65535 aside): its first
                // word is the IPv4-mapped source address.
                assertEquals(0x0000_FFFF_0000_0000L | ((CLIENT + i) & 0xFFFF_FFFFL), Memory.getLong(hot), "key " + i);
                long lookup = t.lookupV4Hashed(h, CLIENT + i, VIP, 1000 + (i & 0x3FFF), 80, TCP, TCP_ACK, 1);
                assertEquals(i, lookup, "key " + i);
                inSecond += b[0] != b[1] && !inBucket(t, hot, b[0]) ? 1 : 0;
            }
        }
        assertTrue(inSecond > 200, "keys in their second bucket: " + inSecond);
    }

    @Test
    void aHintedLookupFindsWhatTheHashedOneDoesWhateverTheHint() {
        // Half full, so keys live in both their buckets. Each key is looked up with its own record
        // (the prefetch's hint), with none, with another key's record, and with addresses that are
        // no record (outside the table, a header line, mid-record): always the hashed lookup's answer.
        ConntrackTable t = table(4096);
        int n = 2048;
        for (int i = 0; i < n; i++) {
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 1000 + i, 80, TCP, TCP_SYN, i, 0, 0));
        }
        long base = t.baseAddress();
        long bytes = 4096L * 64;
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < n; i++) {
            long h = t.hashOfV4(CLIENT + i, VIP, 1000 + i, 80, TCP);
            long own = t.recordToPrefetch(h);
            long other = t.recordToPrefetch(t.hashOfV4(CLIENT + (i + 1) % n, VIP, 1000 + (i + 1) % n, 80, TCP));
            long[] hints = {
                own,
                0,
                other,
                own + 8,
                own - 32 * 8,
                base - 512 + 64,
                base + bytes + 64,
                base + bytes - 32,
                base + (random.nextLong(bytes) & -32),
                random.nextLong()
            };
            for (long hint : hints) {
                assertEquals(
                        i,
                        t.lookupV4Hinted(h, hint, CLIENT + i, VIP, 1000 + i, 80, TCP, TCP_ACK, 1),
                        "key " + i + " hint " + Long.toHexString(hint));
            }
        }
        assertEquals(10L * n, c(t, HITS));
        assertEquals(0, c(t, MISSES));
        // A key not stored misses with any hint: here the record of a stored key with the same tag (the
        // hash's low 16 bits), so only the key compare tells them apart.
        long stored = t.hashOfV4(CLIENT, VIP, 1000, 80, TCP);
        int absent = 0;
        while (((t.hashOfV4(CLIENT - 1 - absent, VIP, 1000, 80, TCP) ^ stored) & 0xFFFF) != 0) {
            absent++;
        }
        long h = t.hashOfV4(CLIENT - 1 - absent, VIP, 1000, 80, TCP);
        assertEquals(
                MISS,
                t.lookupV4Hinted(h, t.recordToPrefetch(stored), CLIENT - 1 - absent, VIP, 1000, 80, TCP, TCP_ACK, 1));
        assertEquals(MISS, t.lookupV4Hinted(h, 0, CLIENT - 1 - absent, VIP, 1000, 80, TCP, TCP_ACK, 1));
        assertEquals(2, c(t, MISSES));
    }

    @Test
    void aHintedIpv6LookupFindsWhatTheUnhintedOneDoesWhateverTheHint() {
        // As for IPv4, half full: IPv6 keys and as many IPv4 keys. Every other IPv6 key differs from
        // its neighbour only in the high words (the cold part), so a hint whose hot part matches (low
        // words, ports) is not enough: the compare must read the high words too.
        ConntrackTable t = table(4096);
        int n = 1024;
        for (int i = 0; i < n; i++) {
            long srcHi = V6_CLIENT_HI + (i & 1);
            assertEquals(INSERTED, t.insertV6(srcHi, i >> 1, V6_VIP_HI, 1, 1000 + (i >> 1), 80, TCP, TCP_SYN, i, 0, 0));
            assertEquals(INSERTED, t.insertV4(CLIENT + i, VIP, 1000 + i, 80, UDP, 0, n + i, 0, 0));
        }
        long base = t.baseAddress();
        long bytes = 4096L * 64;
        java.util.Random random = new java.util.Random(6);
        for (int i = 0; i < n; i++) {
            long srcHi = V6_CLIENT_HI + (i & 1);
            long h = t.hashOfV6(srcHi, i >> 1, V6_VIP_HI, 1, 1000 + (i >> 1), 80, TCP);
            long own = t.recordToPrefetch(h);
            int j = i ^ 1;
            long twin = t.recordToPrefetch(
                    t.hashOfV6(V6_CLIENT_HI + (j & 1), j >> 1, V6_VIP_HI, 1, 1000 + (j >> 1), 80, TCP));
            long v4 = t.recordToPrefetch(t.hashOfV4(CLIENT + i, VIP, 1000 + i, 80, UDP));
            // An IPv6 record's cold line is in its bucket, 320 + 16 k bytes in; an IPv4 record has none.
            long cold = t.coldLineToPrefetch(own);
            long bucket = (own - base) & -512L;
            assertEquals(ConntrackTable.ENTRY_BYTES * 5 + 16 * (((own - base) % 512 - 64) / 32), cold - base - bucket);
            assertEquals(0, t.coldLineToPrefetch(v4));
            long[] hints = {
                own, 0, twin, v4, own + 8, base - 512 + 64, base + bytes + 64, base + (random.nextLong(bytes) & -32)
            };
            for (long hint : hints) {
                assertEquals(
                        i,
                        t.lookupV6Hinted(h, hint, srcHi, i >> 1, V6_VIP_HI, 1, 1000 + (i >> 1), 80, TCP, TCP_ACK, 1),
                        "key " + i + " hint " + Long.toHexString(hint));
            }
            // The twin's record, asked with this key's low words and the twin's high words: the twin.
            assertEquals(
                    j,
                    t.lookupV6Hinted(
                            t.hashOfV6(V6_CLIENT_HI + (j & 1), i >> 1, V6_VIP_HI, 1, 1000 + (i >> 1), 80, TCP),
                            own,
                            V6_CLIENT_HI + (j & 1),
                            i >> 1,
                            V6_VIP_HI,
                            1,
                            1000 + (i >> 1),
                            80,
                            TCP,
                            TCP_ACK,
                            1));
        }
        assertEquals(9L * n, c(t, HITS));
        assertEquals(0, c(t, MISSES));
        // Another key whose tag matches a stored key's misses through that key's record.
        long stored = t.hashOfV6(V6_CLIENT_HI, 0, V6_VIP_HI, 1, 1000, 80, TCP);
        long other = 1L << 40;
        while (((t.hashOfV6(V6_CLIENT_HI, other, V6_VIP_HI, 1, 1000, 80, TCP) ^ stored) & 0xFFFF) != 0) {
            other++;
        }
        long h = t.hashOfV6(V6_CLIENT_HI, other, V6_VIP_HI, 1, 1000, 80, TCP);
        assertEquals(
                MISS,
                t.lookupV6Hinted(
                        h, t.recordToPrefetch(stored), V6_CLIENT_HI, other, V6_VIP_HI, 1, 1000, 80, TCP, TCP_ACK, 1));
        // The hashed lookup agrees, and a hint changes nothing of what a hit records.
        assertEquals(MISS, t.lookupV6(V6_CLIENT_HI, other, V6_VIP_HI, 1, 1000, 80, TCP, TCP_ACK, 1));
        assertEquals(2, c(t, MISSES));
    }

    @Test
    void aHintedLookupFindsTheKeyAtItsHint() {
        // With a hash whose tag is the key's but whose bucket bits are not, only the hint can find it:
        // the hashed lookup searches other buckets. (Real hints always come with the key's hash.)
        ConntrackTable t = table(4096);
        assertEquals(INSERTED, t.insertV4(CLIENT, VIP, 40000, 80, TCP, TCP_SYN, 5, 0, 0));
        long h = t.hashOfV4(CLIENT, VIP, 40000, 80, TCP);
        long hint = t.recordToPrefetch(h);
        long elsewhere = h ^ 0x5555_5555_0000_0000L;
        long[] b = t.bucketsV4(CLIENT, VIP, 40000, 80, TCP);
        assertEquals(MISS, t.lookupV4Hashed(elsewhere, CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 1));
        assertEquals(5, t.lookupV4Hinted(elsewhere, hint, CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 1));
        // One lane either side of it, or off its start, is not the key's: no hit through them.
        assertEquals(MISS, t.lookupV4Hinted(elsewhere, hint + 32, CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 1));
        assertEquals(MISS, t.lookupV4Hinted(elsewhere, hint + 8, CLIENT, VIP, 40000, 80, TCP, TCP_ACK, 1));
        assertTrue(inBucket(t, hint, b[0]) || inBucket(t, hint, b[1]));
    }

    @Test
    void aHintedLookupExpiresAndRecordsLikeTheHashedOne() {
        ConntrackTable t = table(4096);
        assertEquals(INSERTED, t.insertV4(CLIENT, VIP, 40000, 80, UDP, 0, 3, 0, 0));
        long h = t.hashOfV4(CLIENT, VIP, 40000, 80, UDP);
        long hint = t.recordToPrefetch(h);
        // Seen at 20 s through the hint, so still live at 20 s + the UDP timeout.
        assertEquals(3, t.lookupV4Hinted(h, hint, CLIENT, VIP, 40000, 80, UDP, 0, 20_000));
        long udp = ConntrackConfig.DEFAULT_UDP_MS;
        assertEquals(3, t.lookupV4Hinted(h, hint, CLIENT, VIP, 40000, 80, UDP, 0, 20_000 + udp));
        // Idle past the timeout: the hinted lookup frees the entry, as the hashed one would.
        assertEquals(MISS, t.lookupV4Hinted(h, hint, CLIENT, VIP, 40000, 80, UDP, 0, 20_000 + 3 * udp));
        assertEquals(1, c(t, EXPIRATIONS));
        assertEquals(0, t.occupancy());
        assertEquals(0, t.recordToPrefetch(h));
        // A key stored again in the lane the stale hint names is found through it.
        assertEquals(INSERTED, t.insertV4(CLIENT, VIP, 40000, 80, UDP, 0, 4, 0, 30_000));
        assertEquals(hint, t.recordToPrefetch(h));
        assertEquals(4, t.lookupV4Hinted(h, hint, CLIENT, VIP, 40000, 80, UDP, 0, 30_001));
    }

    /** Whether address {@code part} lies in the bucket at byte offset {@code bucket} of the table. */
    private static boolean inBucket(ConntrackTable t, long part, long bucket) {
        long offset = part - t.baseAddress();
        return offset >= bucket && offset < bucket + 512;
    }
}
