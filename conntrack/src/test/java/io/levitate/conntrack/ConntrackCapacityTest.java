package io.levitate.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The capacity requirement: one table holds at least 8 million flows at 64 bytes per entry. A table of 9 M entries
 * (576 MB) holds 8 M flows (89 % load) with under 1 % of inserts evicting; a table of exactly 8 Mi
 * entries (512 MiB) filled with 8 M flows (95 % load) is reported too.
 */
class ConntrackCapacityTest {
    @Test
    void eightMillionFlowsFitWithUnderOnePercentEvictions() {
        double evictedShare = fill(9_000_000, 8_000_000);
        assertTrue(evictedShare < 0.01, "evicted share " + evictedShare);
    }

    @Test
    void eightMillionFlowsIn8MiEntriesEvictAFew() {
        double evictedShare = fill(1 << 23, 8_000_000);
        assertTrue(evictedShare < 0.05, "evicted share " + evictedShare);
    }

    private static double fill(int capacity, int flows) {
        try (ConntrackTable t = new ConntrackTable(ConntrackConfig.defaults(capacity, 77))) {
            assertEquals(capacity, t.capacity());
            assertEquals((long) capacity * 64, t.memoryBytes());
            int inserted = 0;
            for (int i = 0; i < flows; i++) {
                // Distinct IPv4 5-tuples: flows/4 sources x 4 source ports.
                if (t.insertV4(0x0A000000 + (i >>> 2), 0xC0000201, 1024 + (i & 3), 443, 6, 0x10, i & 0xFFFF, 0, 0)
                        == ConntrackTable.INSERTED) {
                    inserted++;
                }
            }
            assertEquals(flows, inserted, "one service, no quota: every insert succeeds, evicting if it must");
            long evictions = t.counters().getAcquire(ConntrackCounters.EVICTIONS);
            assertEquals(flows - evictions, t.occupancy());
            int sampled = 0;
            int hits = 0;
            for (int i = 0; i < flows; i += 7) {
                sampled++;
                if (t.lookupV4(0x0A000000 + (i >>> 2), 0xC0000201, 1024 + (i & 3), 443, 6, 0x10, 1) == (i & 0xFFFF)) {
                    hits++;
                }
            }
            double evictedShare = (double) evictions / flows;
            System.out.printf(
                    "capacity %d (%d MiB): %d flows, occupancy %.2f %%, evictions %d (%.3f %%), "
                            + "sampled hits %.3f %%%n",
                    capacity,
                    t.memoryBytes() >> 20,
                    flows,
                    100.0 * t.occupancy() / t.capacity(),
                    evictions,
                    100 * evictedShare,
                    100.0 * hits / sampled);
            assertTrue(hits >= sampled * (1 - evictedShare) - sampled * 0.005, "hits " + hits + " of " + sampled);
            return evictedShare;
        }
    }
}
