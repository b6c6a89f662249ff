package io.levitate.forwarder;

import io.levitate.dpdk.CStdio;
import io.levitate.dpdk.DpdkException;
import io.levitate.dpdk.DpdkLayouts;
import io.levitate.dpdk.Eal;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The EAL's life in this process: DPDK loaded and its layouts checked, {@code rte_eal_init} with
 * its log captured, {@code rte_eal_cleanup}, and the runtime directory it leaves behind removed.
 *
 * <p>Apart from {@link DataPlane} because none of it is about ports or workers, and because the
 * captured log outlives initialisation: a port that did not come up is explained from it
 * ({@link #explain}), so the data plane keeps this object, not just a flag.
 */
final class EalSession {
    private final RunSpec spec;
    private final PrintStream out;
    /** What the EAL logged while it initialised ("" when it could not be captured). */
    private String log = "";

    private boolean up;
    /** rte_eal_init was called, whatever it returned: it may have made its runtime directory. */
    private boolean attempted;

    EalSession(final RunSpec spec, final PrintStream out) {
        this.spec = spec;
        this.out = out;
    }

    /** The EAL's log of its initialisation. */
    String log() {
        return log;
    }

    /** Loads DPDK, checks its layouts and initialises the EAL, its log captured (see the class comment). */
    void start() {
        try {
            DpdkLayouts.verify();
        } catch (final UnsatisfiedLinkError | ExceptionInInitializerError ex) {
            throw new LevitateException(
                    "cannot load DPDK: " + DataPlane.rootMessage(ex) + " (run scripts/setup.sh)", ex);
        } catch (final DpdkException ex) {
            throw new LevitateException(ex.getMessage(), ex);
        }

        final List<String> argv = EalArguments.build(spec, HostCpus.hugepagesFree());
        out.println(
                "levitate: " + Eal.version() + ", EAL arguments: " + String.join(" ", argv.subList(1, argv.size())));
        // Capture the EAL's log during initialisation: its lines are the only place DPDK says
        // *why* a device failed to probe, and a failure must come out as one readable line.
        final Path logFile;
        try {
            logFile = Files.createTempFile("levitate-eal-", ".log");
        } catch (final IOException ex) {
            throw new LevitateException("cannot create a temporary file for the EAL log: " + ex.getMessage(), ex);
        }
        final MemorySegment stream = CStdio.open(logFile.toString(), "w");
        int savedStderr = -1;
        if (stream.address() != 0) {
            Eal.openLogStream(stream);
            // getopt and the EAL's fatal alerts write to fd 2 directly: capture them as well.
            System.err.flush();
            savedStderr = CStdio.redirectStderr(stream);
        }
        DpdkException failure = null;
        attempted = true;
        try {
            Eal.init(argv);
            up = true;
        } catch (final DpdkException ex) {
            failure = ex;
        } finally {
            CStdio.restoreStderr(savedStderr);
        }
        log = readLog(stream, logFile);
        if (failure != null) {
            throw new LevitateException(failure.getMessage() + explain(log, null), failure);
        }
        log.lines().forEach(line -> out.println("  " + line));
    }

    private static String readLog(final MemorySegment stream, final Path logFile) {
        if (stream.address() == 0) {
            return "";
        }
        try {
            Eal.openLogStream(MemorySegment.NULL);
            CStdio.close(stream);
            // Unbuffered fd-2 writes and the buffered log stream share the file; both are in it now.
            final String text = Files.readString(logFile);
            Files.deleteIfExists(logFile);
            return text;
        } catch (final IOException | RuntimeException ex) {
            return "";
        }
    }

    /**
     * The EAL log lines that explain a failure: error-looking lines, preferring those that name
     * the device. Joined into one line.
     */
    static String explain(final String log, final String device) {
        final List<String> picked = new ArrayList<>();
        for (final String line : log.split("\n")) {
            final String l = line.strip();
            final String lower = l.toLowerCase(Locale.ROOT);
            final boolean errorish = lower.contains("fail")
                    || lower.contains("unable")
                    || lower.contains("cannot")
                    || lower.contains("couldn't")
                    || lower.contains("invalid")
                    || lower.contains("error")
                    || lower.contains("no such")
                    || lower.contains("not ")
                    || lower.contains("unrecognized")
                    || lower.contains("unknown");
            if (!l.isEmpty()
                    && errorish
                    && (device == null || l.contains(device) || lower.contains("probe") || lower.contains("open"))) {
                picked.add(l);
            }
        }
        if (picked.isEmpty()) {
            return "";
        }
        return " (DPDK: " + String.join("; ", picked.subList(Math.max(0, picked.size() - 3), picked.size())) + ")";
    }

    /** Cleans the EAL up if it came up (idempotent); true when this call did it. */
    boolean cleanUp() {
        if (!up) {
            return false;
        }
        Eal.cleanup();
        up = false;
        return true;
    }

    /**
     * The EAL leaves /var/run/dpdk/PREFIX (its runtime files, about 12 MB with shared memory
     * config) behind even after rte_eal_cleanup; a stopped forwarder should leave nothing.
     */
    void removeRuntimeDirectory() {
        if (!attempted) {
            return;
        }
        final Path dir = Path.of("/var/run/dpdk", spec.filePrefix());
        if (!Files.isDirectory(dir)
                || spec.filePrefix().contains("/")
                || spec.filePrefix().contains("..")) {
            return;
        }
        try (var entries = Files.walk(dir)) {
            entries.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (final IOException | RuntimeException ignored) {
            // Best effort: a leftover directory is harmless and DPDK reuses it.
        }
    }
}
