package io.levitate.perf.bench;

import io.levitate.core.counters.CountersFileReader;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.InstanceConfig;
import io.levitate.forwarder.counters.CountersFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.agrona.concurrent.status.CountersReader;

/**
 * A Levitate contender's own counters, read from outside as {@code levitate stat} reads them: its
 * counters file (docs/COUNTERS.md), mapped read-only through core's {@link CountersFileReader}.
 * The bench reads it at t0 and t1 beside the telemetry, for the figures packets per second cannot
 * show: new flows, conntrack inserts and evictions, flood-guard skips, per-service packets.
 *
 * <p>The control thread rewrites the file every 100 ms from what the workers published (every
 * 1024 duty cycles), so a reading is up to about 100 ms old; over a 10 s interval that is 1 %
 * of an absolute rate, which is why the figures built on them are ratios of counters read in the
 * same snapshot wherever they can be.
 */
final class LevitateCounters {
    private LevitateCounters() {}

    /** Every counter's value by label at one instant ({@code nanos} from {@link System#nanoTime()}). */
    record Snapshot(long nanos, Map<String, Long> values) {}

    /** Two snapshots of one forwarder: what changed between t0 and t1. */
    record Delta(Snapshot before, Snapshot after) {
        /** {@code after − before} of the counter labelled {@code label}; 0 when either lacks it. */
        long delta(String label) {
            Long a = after.values().get(label);
            Long b = before.values().get(label);
            return a == null || b == null ? 0 : a - b;
        }

        /** The value at t1 (for gauges such as occupancy); 0 when absent. */
        long after(String label) {
            return after.values().getOrDefault(label, 0L);
        }

        /** Sum of the deltas of every counter whose label passes {@code which}. */
        long sumDelta(Predicate<String> which) {
            long sum = 0;
            for (String label : after.values().keySet()) {
                if (which.test(label)) {
                    sum += delta(label);
                }
            }
            return sum;
        }

        /** Sum of the t1 values of every counter whose label passes {@code which}. */
        long sumAfter(Predicate<String> which) {
            long sum = 0;
            for (Map.Entry<String, Long> e : after.values().entrySet()) {
                if (which.test(e.getKey())) {
                    sum += e.getValue();
                }
            }
            return sum;
        }

        double seconds() {
            return (after.nanos() - before.nanos()) / 1e9;
        }
    }

    /**
     * The counters file a Levitate contender writes: its {@code --config} file's
     * {@code <instance.counters_dir>/<instance.name>/counters.dat}, or null for a contender without
     * a configuration file (it runs as instance {@code default} and is not read).
     */
    static Path fileOf(Contender contender) throws IOException {
        if (contender.kind() != Contender.Kind.LEVITATE) {
            return null;
        }
        List<String> args = contender.extraArgs();
        int i = args.indexOf("--config");
        if (i < 0 || i + 1 >= args.size()) {
            return null;
        }
        ConfigResult result = ConfigReader.read(Path.of(args.get(i + 1)));
        if (!result.valid()) {
            throw new IOException(args.get(i + 1) + ": not a valid configuration: " + result.errors());
        }
        InstanceConfig instance = result.config().instance();
        return CountersFile.pathOf(instance.countersDir(), instance.name());
    }

    /** Reads every counter of the file once. */
    static Snapshot read(Path file) throws IOException {
        try (CountersFileReader reader = CountersFileReader.open(file)) {
            CountersReader counters = reader.counters();
            Map<String, Long> values = new LinkedHashMap<>();
            long nanos = System.nanoTime();
            counters.forEach((id, type, key, label) -> values.put(label, counters.getCounterValue(id)));
            return new Snapshot(nanos, values);
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
