package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.conntrack.ConntrackConfig;
import io.levitate.conntrack.ConntrackCounters;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.core.counters.CountersLayout;
import io.levitate.forwarder.config.ConfigReader;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * The conntrack figures a worker's table counts reach the counters file, each under its own type
 * id: among them the inserts a service's quota refused (what an operator reads to see a quota at
 * work during a flood) and those refused for a window full of other services' entries.
 */
class LbCountersPublisherTest {
    private static final String YAML = """
            instance:
              name: t
              ports: [{device: "net_null0"}]
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 42
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.1}]
            """;

    private record Value(int type, long value) {}

    @Test
    void quotaAndWindowFullSkipsArePublishedPerWorker() {
        final DataPlaneSnapshot snapshot =
                new SnapshotBuilder().build(ConfigReader.parse(YAML, "t.yaml").config(), Map.of());
        try (ConntrackTable table = new ConntrackTable(ConntrackConfig.defaults(1024, 7))) {
            final int service = snapshot.service("web").index;
            table.serviceQuota(service, 1);
            int quotaRefusals = 0;
            for (int i = 0; i < 200; i++) {
                final int r = table.insertV4(0x0A000000 + i, 0xC612000A, 40000 + i, 80, 6, 0x02, 0, service, 1);
                quotaRefusals += r == ConntrackTable.SKIPPED_QUOTA ? 1 : 0;
            }
            assertTrue(quotaRefusals > 0, "a quota of one entry refuses most of 200 new flows");

            final CountersManager manager = new CountersManager(
                    new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20)),
                    new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 18)));
            final LbCountersPublisher publisher =
                    new LbCountersPublisher(manager, List.of(new WorkerStats(16, 16)), List.of(table));
            publisher.update(snapshot);

            final Map<String, Value> byLabel = new HashMap<>();
            manager.forEach((id, type, key, label) -> byLabel.put(label, new Value(type, manager.getCounterValue(id))));
            assertEquals(
                    new Value(CountersLayout.TYPE_WORKER_CONNTRACK_BASE + 7, quotaRefusals),
                    byLabel.get("worker 0: conntrack quota skips"));
            assertEquals(
                    new Value(
                            CountersLayout.TYPE_WORKER_CONNTRACK_BASE + 8,
                            table.counters().getAcquire(ConntrackCounters.WINDOW_FULL_SKIPS)),
                    byLabel.get("worker 0: conntrack window-full skips"));
            assertEquals(
                    new Value(
                            CountersLayout.TYPE_WORKER_CONNTRACK_BASE + 2,
                            table.counters().getAcquire(ConntrackCounters.INSERTS)),
                    byLabel.get("worker 0: conntrack inserts"),
                    "the earlier figures keep their type ids");
        }
    }
}
