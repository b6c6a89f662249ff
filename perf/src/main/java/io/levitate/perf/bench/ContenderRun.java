package io.levitate.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One launch of one contender, measured from outside: start the process, wait until its sink
 * port transmits, let it warm up (the JVM's JIT needs 1–3 s; the C programs get the same wait),
 * then read the sink's {@code opackets} through telemetry at t0 and t1:
 * {@code Mpps = (opackets(t1) − opackets(t0)) / (t1 − t0)}. The source's {@code ipackets} over the
 * same interval is kept too, to show what was received but not forwarded. Then SIGTERM, wait,
 * and remove the process's runtime directory.
 */
final class ContenderRun {
    /** DPDK's runtime directory for root: {@code /var/run/dpdk/<file-prefix>}. */
    static final Path RUNTIME_ROOT = Path.of("/var/run/dpdk");

    private static final long POLL_MILLIS = 50;
    private static final int TELEMETRY_TIMEOUT_MILLIS = 2000;
    private static final long STOP_GRACE_SECONDS = 20;

    /** Processes still running, stopped by {@link #stopAll()} from the shutdown hook. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    private static final Set<String> PREFIXES = ConcurrentHashMap.newKeySet();

    /**
     * Result of one launch; {@code mpps} is NaN when the launch failed ({@code error} says why).
     *
     * @param exitCode the process's exit status after SIGTERM (−1 if it had to be killed)
     * @param counters a Levitate contender's own counters at t0 and t1 (its counters file), or null
     */
    record Sample(
            int round,
            double mpps,
            double rxMpps,
            double seconds,
            ThreadCpu.Shares cpu,
            double loadAverage,
            int exitCode,
            Path log,
            String error,
            LevitateCounters.Delta counters) {
        Sample(
                int round,
                double mpps,
                double rxMpps,
                double seconds,
                ThreadCpu.Shares cpu,
                double loadAverage,
                int exitCode,
                Path log,
                String error) {
            this(round, mpps, rxMpps, seconds, cpu, loadAverage, exitCode, log, error, null);
        }

        boolean ok() {
            return error == null;
        }
    }

    private ContenderRun() {}

    static Sample measure(
            List<String> command,
            String prefix,
            Path log,
            int round,
            int warmupSecs,
            int seconds,
            int startTimeoutSecs) {
        return measure(command, prefix, log, round, warmupSecs, seconds, startTimeoutSecs, null);
    }

    /**
     * As above; with {@code countersFile} (a Levitate contender's, {@link LevitateCounters#fileOf})
     * its counters are read at t0 and t1 too, right after the telemetry, into {@link Sample#counters()}.
     */
    static Sample measure(
            List<String> command,
            String prefix,
            Path log,
            int round,
            int warmupSecs,
            int seconds,
            int startTimeoutSecs,
            Path countersFile) {
        Process process;
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            return new Sample(
                    round,
                    Double.NaN,
                    Double.NaN,
                    0,
                    ThreadCpu.Shares.UNKNOWN,
                    Double.NaN,
                    -1,
                    log,
                    "cannot start: " + e.getMessage());
        }
        // stdin stays an open pipe: testpmd without -i reads stdin and exits on EOF.
        LIVE.add(process);
        PREFIXES.add(prefix);
        String error = null;
        double mpps = Double.NaN;
        double rxMpps = Double.NaN;
        double elapsed = 0;
        ThreadCpu.Shares cpu = ThreadCpu.Shares.UNKNOWN;
        double load = Double.NaN;
        LevitateCounters.Delta counters = null;
        try (TelemetryClient telemetry = connect(process, prefix, startTimeoutSecs)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startTimeoutSecs);
            int sink = portByName(telemetry, process, RunSetup.SINK_DEVICE, deadline);
            int source = portByName(telemetry, process, RunSetup.SOURCE_DEVICE, deadline);
            while (telemetry.portStats(sink).opackets() == 0) {
                pause(process, deadline, "the sink port transmitted nothing");
            }
            sleepAlive(process, TimeUnit.SECONDS.toMillis(warmupSecs));
            ThreadCpu.Snapshot cpu0 = ThreadCpu.snapshot(process.toHandle());
            TelemetryClient.PortSample sink0 = telemetry.portStats(sink);
            TelemetryClient.PortSample source0 = telemetry.portStats(source);
            LevitateCounters.Snapshot counters0 = countersFile == null ? null : LevitateCounters.read(countersFile);
            sleepAlive(process, TimeUnit.SECONDS.toMillis(seconds));
            TelemetryClient.PortSample sink1 = telemetry.portStats(sink);
            TelemetryClient.PortSample source1 = telemetry.portStats(source);
            if (counters0 != null) {
                counters = new LevitateCounters.Delta(counters0, LevitateCounters.read(countersFile));
            }
            ThreadCpu.Snapshot cpu1 = ThreadCpu.snapshot(process.toHandle());
            cpu = ThreadCpu.between(cpu0, cpu1);
            load = loadAverage();
            if (!process.isAlive()) {
                throw new IOException("exited during the measurement");
            }
            elapsed = (sink1.nanos() - sink0.nanos()) / 1e9;
            mpps = (sink1.opackets() - sink0.opackets()) / elapsed / 1e6;
            rxMpps = (source1.ipackets() - source0.ipackets()) / ((source1.nanos() - source0.nanos()) / 1e9) / 1e6;
        } catch (IOException | RuntimeException e) {
            error = process.isAlive()
                    ? e.getMessage()
                    : "exited with " + process.exitValue() + " before the end of the measurement: " + lastWords(log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        int exit = stop(process);
        removeRuntimeDir(prefix);
        return new Sample(round, mpps, rxMpps, elapsed, cpu, load, exit, log, error, counters);
    }

    /** The last log line that is not part of a stack trace: usually the reason a process quit. */
    private static String lastWords(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i).strip();
                if (!l.isEmpty() && !l.startsWith("at ") && !l.startsWith("...") && !l.startsWith("Caused by")) {
                    return l.length() > 300 ? l.substring(0, 300) + "…" : l;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable log (binary output, gone): say nothing more
        }
        return "see the log";
    }

    /** The 1-minute load average at the end of the interval: context for noisy rounds. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Waits for the telemetry socket of {@code prefix} and connects to it. */
    private static TelemetryClient connect(Process process, String prefix, int timeoutSecs)
            throws IOException, InterruptedException {
        Path socket = RUNTIME_ROOT.resolve(prefix).resolve(TelemetryClient.SOCKET_NAME);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSecs);
        while (true) {
            if (Files.exists(socket)) {
                try {
                    return new TelemetryClient(socket, TELEMETRY_TIMEOUT_MILLIS);
                } catch (IOException e) {
                    // socket file exists but the server is not accepting yet: retry until the deadline
                }
            }
            pause(process, deadline, "no telemetry socket at " + socket);
        }
    }

    /** The port id of the device named {@code name} (probe order is not relied upon). */
    private static int portByName(TelemetryClient t, Process process, String name, long deadline)
            throws IOException, InterruptedException {
        while (true) {
            String list = t.query("/ethdev/list");
            int open = list.indexOf('[');
            int close = list.indexOf(']');
            if (open >= 0 && close > open + 1) {
                for (String id : list.substring(open + 1, close).split(",")) {
                    int port = Integer.parseInt(id.trim());
                    String info = t.query("/ethdev/info," + port);
                    if (info.contains("\"name\": \"" + name + "\"") || info.contains("\"name\":\"" + name + "\"")) {
                        return port;
                    }
                }
            }
            pause(process, deadline, "no port named " + name);
        }
    }

    private static void pause(Process process, long deadline, String timeoutMessage)
            throws IOException, InterruptedException {
        if (!process.isAlive()) {
            throw new IOException("exited before measuring (" + timeoutMessage + ")");
        }
        if (System.nanoTime() > deadline) {
            throw new IOException("timed out: " + timeoutMessage);
        }
        Thread.sleep(POLL_MILLIS);
    }

    private static void sleepAlive(Process process, long millis) throws IOException, InterruptedException {
        if (process.waitFor(millis, TimeUnit.MILLISECONDS)) {
            throw new IOException("exited during warm-up or measurement");
        }
    }

    /** SIGTERM (all contenders stop cleanly on it), then SIGKILL after a grace period. */
    private static int stop(Process process) {
        int exit = -1;
        try {
            process.destroy();
            if (process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                exit = process.exitValue();
            } else {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
        return exit;
    }

    /** DPDK leaves {@code /var/run/dpdk/<prefix>} behind even after a clean exit. */
    static void removeRuntimeDir(String prefix) {
        Path dir = RUNTIME_ROOT.resolve(prefix);
        if (Files.isDirectory(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("bench: could not remove " + dir + ": " + e.getMessage());
            }
        }
        PREFIXES.remove(prefix);
    }

    /** For the shutdown hook (Ctrl-C): kill what is still running and clean its directories. */
    static void stopAll() {
        for (Process p : LIVE) {
            p.destroy();
        }
        for (Process p : LIVE) {
            try {
                if (!p.waitFor(STOP_GRACE_SECONDS / 2, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String prefix : List.copyOf(PREFIXES)) {
            removeRuntimeDir(prefix);
        }
    }
}
