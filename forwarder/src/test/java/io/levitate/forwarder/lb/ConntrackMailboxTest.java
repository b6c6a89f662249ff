package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.levitate.conntrack.ConntrackConfig;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.packet.FlowKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The control side's question about a worker's conntrack table is answered only by the worker
 * (here: the test thread standing in for its housekeeping), read-only, and a worker that never
 * answers is reported as such rather than waited for.
 */
class ConntrackMailboxTest {
    private static final int SRC = 0x0A090001;
    private static final int DST = 0xC612000A;

    @Test
    void theWorkerAnswersInHousekeepingWithoutChangingItsTable() throws Exception {
        try (ConntrackTable table = new ConntrackTable(ConntrackConfig.defaults(4096, 1))) {
            table.insertV4(SRC, DST, 20000, 80, 6, ConntrackTable.TCP_SYN, 7, 0, 1000);
            final long hits = table.counters().getAcquire(io.levitate.conntrack.ConntrackCounters.HITS);
            final ConntrackMailbox mailbox = new ConntrackMailbox();
            final CompletableFuture<Integer> asked = CompletableFuture.supplyAsync(() -> ConntrackMailbox.ask(
                    List.of(mailbox),
                    FlowKey.FAMILY_IPV4,
                    0,
                    SRC & 0xFFFF_FFFFL,
                    0,
                    DST & 0xFFFF_FFFFL,
                    20000,
                    80,
                    6,
                    10_000));
            while (!asked.isDone()) {
                mailbox.serve(table, 1001); // the worker's housekeeping pass
                Thread.sleep(1);
            }
            assertEquals(7, asked.get(1, TimeUnit.SECONDS));
            assertEquals(
                    hits,
                    table.counters().getAcquire(io.levitate.conntrack.ConntrackCounters.HITS),
                    "a question is no lookup: nothing counted or refreshed");

            final CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> ConntrackMailbox.ask(
                    List.of(mailbox),
                    FlowKey.FAMILY_IPV4,
                    0,
                    SRC & 0xFFFF_FFFFL,
                    0,
                    DST & 0xFFFF_FFFFL,
                    20001,
                    80,
                    6,
                    10_000));
            while (!other.isDone()) {
                mailbox.serve(table, 1001);
                Thread.sleep(1);
            }
            assertEquals(ConntrackTable.MISS, other.get(1, TimeUnit.SECONDS));
        }
    }

    @Test
    void aWorkerThatNeverAnswersIsReportedNotWaitedFor() {
        assertEquals(
                ConntrackMailbox.NO_ANSWER,
                ConntrackMailbox.ask(List.of(new ConntrackMailbox()), FlowKey.FAMILY_IPV4, 0, 1, 0, 2, 3, 4, 6, 50));
    }
}
