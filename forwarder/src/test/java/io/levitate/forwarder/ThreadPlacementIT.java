package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder's other threads stay off the worker CPUs, as the kernel reports them
 * (/proc/PID/task/TID/status, Cpus_allowed_list): the JVM's own threads, started before DPDK, had the
 * whole process mask, and each of their wake-ups on a worker's CPU delayed a burst.
 */
class ThreadPlacementIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void everyThreadButTheWorkerRunsOnTheOtherCpus() throws Exception {
        final List<Integer> allowed = HostCpus.allowed();
        assumeTrue(allowed.size() >= 2, "needs two CPUs: " + allowed);
        final int workerCpu = allowed.getLast();
        final int mainCpu = allowed.getFirst();
        final String name = "placement-" + ProcessHandle.current().pid();
        final Path config = dir.resolve("lb.yaml");
        Files.writeString(config, """
            instance:
              name: %s
              counters_dir: %s
              ports:
                - device: "net_null0"
                - device: "net_null1,no-rx=1"
              hugepages: "no"
              workers: 1
              cores: [%d]
              main_core: %d
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 7
            control: {socket: %s}
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.11}]
            """.formatted(
                        name, dir.resolve("counters"), workerCpu, mainCpu, dir.resolve("ctl/control.sock")));
        try (LevitateProcess levitate =
                LevitateProcess.start("run", "--config", config.toString(), "--metrics", "127.0.0.1:0")) {
            levitate.awaitLine(l -> l.startsWith("levitate: forwarding"), TIMEOUT);
            final long pid = levitate.pid();
            int workers = 0;
            final List<String> others = new ArrayList<>();
            for (final Path task : tasks(pid)) {
                final String comm;
                final List<Integer> cpus;
                try {
                    comm = Files.readString(task.resolve("comm")).strip();
                    cpus = HostCpus.allowedOf(task.resolve("status"));
                } catch (final IOException ended) {
                    continue; // the thread ended between the listing and the read
                }
                if (task.getFileName().toString().equals(Long.toString(pid))) {
                    continue; // the launcher's first thread, which only waits (its mask is the process's)
                }
                if (comm.startsWith("levitate-lb")) {
                    workers++;
                    assertEquals(List.of(workerCpu), cpus, comm);
                } else {
                    others.add(comm + " " + cpus);
                    assertFalse(
                            cpus.contains(workerCpu), comm + " may run on the worker's CPU " + workerCpu + ": " + cpus);
                }
            }
            assertEquals(1, workers);
            // Not vacuous: the JVM's own threads are among those checked.
            assertTrue(others.stream().anyMatch(t -> t.startsWith("VM Thread")), others.toString());
            assertTrue(others.stream().anyMatch(t -> t.startsWith("C2 CompilerThre")), others.toString());
            assertTrue(
                    levitate.stdout().stream().anyMatch(l -> l.contains("kept off the worker CPUs")),
                    String.join("\n", levitate.stdout()));
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
        }
    }

    private static List<Path> tasks(final long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.toList();
        }
    }
}
