package io.levitate.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Noise gauge for a shared machine: how much of the measured interval the contender's busiest
 * thread (its forwarding loop) was actually on a CPU, and how long it sat runnable waiting for
 * one. Read from {@code /proc/<pid>/task/<tid>/schedstat} (ns on CPU, ns waiting on a run queue,
 * timeslices), outside the process like the packet counters. A busy-polling forwarder alone on
 * its core shows ≈ 100 % on-CPU; less means other work took the core and Mpps fell with it.
 */
final class ThreadCpu {
    /** Per thread id: {ns on CPU, ns runnable but waiting}. */
    record Snapshot(long nanos, Map<Long, long[]> threads) {}

    /** On-CPU and waiting shares of the interval for the busiest thread; NaN if unknown. */
    record Shares(double onCpu, double waiting) {
        static final Shares UNKNOWN = new Shares(Double.NaN, Double.NaN);
    }

    private ThreadCpu() {}

    static Snapshot snapshot(ProcessHandle process) {
        Map<Long, long[]> threads = new HashMap<>();
        read(process.pid(), threads);
        process.descendants().forEach(d -> read(d.pid(), threads)); // a launcher that forks instead of exec
        return new Snapshot(System.nanoTime(), threads);
    }

    static Shares between(Snapshot a, Snapshot b) {
        long interval = b.nanos() - a.nanos();
        long bestRun = -1;
        long bestWait = 0;
        for (Map.Entry<Long, long[]> e : b.threads().entrySet()) {
            long[] before = a.threads().get(e.getKey());
            if (before == null) {
                continue;
            }
            long run = e.getValue()[0] - before[0];
            if (run > bestRun) {
                bestRun = run;
                bestWait = e.getValue()[1] - before[1];
            }
        }
        return bestRun < 0 || interval <= 0
                ? Shares.UNKNOWN
                : new Shares((double) bestRun / interval, (double) bestWait / interval);
    }

    private static void read(long pid, Map<Long, long[]> into) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            list.forEach(t -> {
                try {
                    String[] f = Files.readString(t.resolve("schedstat")).trim().split("\\s+");
                    into.put(
                            Long.parseLong(t.getFileName().toString()),
                            new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
                } catch (IOException | RuntimeException e) {
                    // thread ended between listing and reading: not the forwarding thread
                }
            });
        } catch (IOException e) {
            // process gone: the caller notices through its liveness checks
        }
    }
}
