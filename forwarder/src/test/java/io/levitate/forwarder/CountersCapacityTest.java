package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.levitate.conntrack.ConntrackConfig;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.config.ConfigDefaults;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.counters.CountersFile;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.LbCountersPublisher;
import io.levitate.forwarder.lb.SnapshotBuilder;
import io.levitate.forwarder.lb.WorkerStats;
import io.levitate.forwarder.worker.WorkerCounters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counters file has room for everything a configuration `levitate check` accepts: the most
 * services and backends a forwarder runs (a reload may grow to them), and every worker's counters.
 * A file that fills up throws on the control thread when a service or backend first gets its
 * counters, and that stops the forwarder.
 */
class CountersCapacityTest {
    private static final int WORKERS = 4;
    private static final int BACKENDS_PER_SERVICE = ConfigDefaults.MAX_BACKENDS / ConfigDefaults.MAX_SERVICES;

    @TempDir
    Path dir;

    @Test
    void theLargestConfigurationGetsAllItsCounters() throws Exception {
        final DataPlaneSnapshot snapshot = new SnapshotBuilder()
                .build(ConfigReader.parse(largest(), "largest.yaml").config(), Map.of());
        final List<WorkerStats> stats = new ArrayList<>();
        final List<ConntrackTable> tables = new ArrayList<>();
        try (CountersFile file =
                CountersFile.create(dir.resolve("counters.dat"), Launcher.countersValuesBytes(WORKERS))) {
            for (int w = 0; w < WORKERS; w++) {
                new WorkerCounters(file.manager(), w);
                stats.add(new WorkerStats(ConfigDefaults.MAX_SERVICES, ConfigDefaults.MAX_BACKENDS));
                tables.add(new ConntrackTable(ConntrackConfig.defaults(1024, 7)));
                file.manager().newCounter("worker " + w + ": capture ring full", 1009);
            }
            new LbCountersPublisher(file.manager(), stats, tables).update(snapshot);
            final int[] backends = {0};
            file.manager().forEach((id, type, key, label) -> backends[0] += label.startsWith("backend ") ? 1 : 0);
            assertEquals(4 * ConfigDefaults.MAX_BACKENDS, backends[0], "backend counters in the file");
        } finally {
            for (final ConntrackTable t : tables) {
                t.close();
            }
        }
    }

    /** MAX_SERVICES services with MAX_BACKENDS backends among them (small tables: this is about counters). */
    private static String largest() {
        final StringBuilder y = new StringBuilder("""
                instance:
                  name: largest
                  ports: [{device: "net_null0"}]
                  addresses: {ipv4: 10.255.0.2}
                  gateways: {ipv4: 10.255.0.1}
                hash_seed: 42
                services:
                """);
        int backend = 0;
        for (int s = 0; s < ConfigDefaults.MAX_SERVICES; s++) {
            y.append("  - name: s").append(s).append('\n');
            y.append("    vip: 198.18.")
                    .append(s / 250)
                    .append('.')
                    .append(1 + s % 250)
                    .append('\n');
            y.append("    port: 80\n    protocol: tcp\n    table_size: 1021\n    backends:\n");
            for (int b = 0; b < BACKENDS_PER_SERVICE; b++, backend++) {
                y.append("      - {address: 10.")
                        .append(backend / 65536)
                        .append('.')
                        .append(backend / 256 % 256)
                        .append('.')
                        .append(1 + backend % 250)
                        .append("}\n");
            }
        }
        return y.toString();
    }
}
