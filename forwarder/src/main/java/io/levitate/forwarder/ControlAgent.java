package io.levitate.forwarder;

import io.levitate.core.counters.CountersLayout;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.ConfigWarnings;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.control.ControlServer;
import io.levitate.forwarder.counters.CountersFile;
import io.levitate.forwarder.lb.LbCountersPublisher;
import io.levitate.forwarder.lb.Neighbours;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.IdleStrategy;

/**
 * The control side of a running forwarder, on the main thread: every
 * {@value CountersLayout#HEARTBEAT_INTERVAL_MS} ms a {@link #tick} writes the heartbeat the
 * announcer watches, applies queued reloads ({@code levitate reload} over the control socket, or
 * SIGHUP) and answers them, sums the workers' published statistics into the counters file, and
 * logs gateway MAC changes; between ticks it prints the {@code --stats-interval} line, measures
 * the workers' allocation after the JIT warm-up, and ends the run at {@code --duration} or on
 * SIGINT/SIGTERM. Health verdicts need nothing from here: the health threads rebuild and publish
 * the snapshot themselves, under {@link ControlPlane}'s lock.
 *
 * <p>Stopping is a small state machine ({@link Phase}): a signal ends {@link Phase#RUNNING}, state
 * {@code stopping} is published, and with a configuration the workers go on forwarding for
 * {@code instance.stop_grace} ({@link Phase#STOP_GRACE}) while the announcer, which polls the
 * state every 10 ms, withdraws the VIPs and the peers converge. Stopping the workers first would
 * cut the withdraw off (the peers then notice only at hold timer expiry) and blackhole every flow
 * the routers still send here; the workers also carry the exception path, over which a bare-metal
 * host's BGP session runs. Ticks go on meanwhile, so the announcer reads "stopping", not "dead".
 * A second signal ends the grace at once. Then the agent terminates and {@link Launcher} stops the
 * workers.
 *
 * <p>Why an Agrona {@link Agent}, run by an {@code AgentRunner} on the main thread: the duty cycle
 * is then written as what one cycle does, with the phases as state rather than as nested
 * loops, the same shape as the workers. Its {@link #idleStrategy} parks the thread until the next
 * thing is due (the next tick, stats line, warm-up end or deadline, whichever is first) and a stop
 * signal unparks it ({@link StopSignals}), so it wakes as often, and stops as promptly, as the
 * latch waits it replaced; a busy or sleeping idle strategy would either burn the main core or
 * delay a stop. It never blocks or locks a worker: what it changes reaches them only as a new
 * published snapshot, and it reads only what they publish.
 */
final class ControlAgent implements Agent {
    /** Time before allocation is measured: the JIT reached peak speed within 1-3 s in our measurements, so 5 s is past it. */
    private static final Duration WARM_UP = Duration.ofSeconds(5);

    private static final long HEARTBEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(CountersLayout.HEARTBEAT_INTERVAL_MS);

    /** Run once, on this thread, when warm-up ends ({@link #onWarmUp}). */
    private Runnable warmUpHook = () -> {};

    /** Where the run is. */
    enum Phase {
        /** Forwarding until --duration or a stop signal. */
        RUNNING,
        /** State "stopping" published; forwarding on until instance.stop_grace ends or a second signal. */
        STOP_GRACE,
        /** Nothing left for the agent: the workers may stop. */
        DONE
    }

    /**
     * SIGINT and SIGTERM, counted: the first asks for a stop, the second ends the stop grace at
     * once (an operator who does not want to wait). Made before the data plane starts, so a
     * signal during start-up is not lost; each one unparks the control thread.
     */
    static final class StopSignals {
        private final AtomicInteger received = new AtomicInteger();
        private final Thread controlThread;

        /** @param controlThread the thread that will run the agent (it is unparked on each signal) */
        StopSignals(final Thread controlThread) {
            this.controlThread = controlThread;
        }

        /** A stop signal arrived (called from the JVM's signal-handling thread). */
        void signal() {
            received.incrementAndGet();
            LockSupport.unpark(controlThread);
        }

        boolean stopRequested() {
            return received.get() >= 1;
        }

        boolean hurry() {
            return received.get() >= 2;
        }
    }

    private final RunSpec spec;
    private final DataPlane dataPlane;
    /** Null in L2 mode. */
    private final ControlPlane control;

    private final CountersFile counters;
    /** Null in L2 mode. */
    private final LbCountersPublisher lbCounters;
    /** Null in L2 mode. */
    private final ControlServer server;

    private final Path configFile;
    private final StopSignals signals;
    private final PrintStream out;
    /** Gateway MACs last logged, IPv4 then IPv6 (0: unresolved). */
    private final long[] knownMacs = new long[2];

    private final long[] lastRx;
    private final long[] lastTx;

    private Phase phase = Phase.RUNNING;
    /** When the next cycle's work is due (System.nanoTime); the idle strategy parks until then. */
    private long wakeAt;

    private long deadline;
    private long interval;
    private long warmUpEnd;
    private long nextStats;
    private long lastStats;
    private long warmAllocated = -1;
    private long warmGcs;
    private long warmAt;
    private long graceDeadline;
    /** What ended the run abnormally; the launcher rethrows it. */
    private RuntimeException failure;

    /**
     * @param lbCounters null in L2 mode
     * @param server     the control socket, null in L2 mode
     * @param configFile the file reloads re-read, null in L2 mode
     */
    ControlAgent(
            final RunSpec spec,
            final DataPlane dataPlane,
            final CountersFile counters,
            final LbCountersPublisher lbCounters,
            final ControlServer server,
            final Path configFile,
            final StopSignals signals,
            final PrintStream out) {
        this.spec = spec;
        this.dataPlane = dataPlane;
        this.control = dataPlane.controlPlane();
        this.counters = counters;
        this.lbCounters = lbCounters;
        this.server = server;
        this.configFile = configFile;
        this.signals = signals;
        this.out = out;
        lastRx = new long[dataPlane.workerCount()];
        lastTx = new long[dataPlane.workerCount()];
    }

    @Override
    public String roleName() {
        return "control-agent";
    }

    /** The run's clock starts: --duration, --stats-interval and the warm-up count from here. */
    @Override
    public void onStart() {
        final long start = System.nanoTime();
        deadline = spec.duration() == null
                ? Long.MAX_VALUE
                : start + spec.duration().toNanos();
        interval = spec.statsInterval() == null
                ? Long.MAX_VALUE
                : spec.statsInterval().toNanos();
        warmUpEnd = start + WARM_UP.toNanos();
        nextStats = interval == Long.MAX_VALUE ? Long.MAX_VALUE : start + interval;
        lastStats = start;
        wakeAt = start;
    }

    @Override
    public int doWork() {
        final int work;
        try {
            work = switch (phase) {
                case RUNNING -> running();
                case STOP_GRACE -> stopGrace();
                case DONE -> 0;
            };
        } catch (final RuntimeException ex) {
            // The run ends with it, as it always has; the launcher rethrows it once the runner stops.
            failure = ex;
            throw new AgentTerminationException(ex);
        }
        if (phase == Phase.DONE) {
            throw new AgentTerminationException();
        }
        return work;
    }

    /** {@code hook} runs once, on the control thread, when warm-up ends (before the run's figures after warm-up). */
    void onWarmUp(final Runnable hook) {
        this.warmUpHook = hook;
    }

    /** True once the agent ended the run normally (not by a failure or an interrupt). */
    boolean finished() {
        return phase == Phase.DONE && failure == null;
    }

    /** What ended the run abnormally, or null. */
    RuntimeException failure() {
        return failure;
    }

    private int running() {
        int work = 0;
        if (System.nanoTime() >= wakeAt) {
            work = 1;
            tick();
            final long now = System.nanoTime();
            if (warmAllocated < 0 && now >= warmUpEnd) {
                warmAllocated = dataPlane.workerAllocatedBytes();
                warmGcs = gcCount();
                warmAt = now;
                out.printf(
                        Locale.ROOT,
                        "levitate: warm-up done at JVM uptime %d ms%n",
                        ManagementFactory.getRuntimeMXBean().getUptime());
                // The JIT and the GC may have started threads since the workers did.
                dataPlane.keepOtherThreadsOffWorkers();
                warmUpHook.run();
            }
            if (now >= deadline) {
                endRunning();
                return work;
            }
            if (now >= nextStats) {
                RunReport.printRates(dataPlane, lastRx, lastTx, now - lastStats, out);
                lastStats = now;
                nextStats += interval;
            }
            final long wake = Math.min(Math.min(deadline, nextStats), warmAllocated < 0 ? warmUpEnd : Long.MAX_VALUE);
            wakeAt = now + Math.max(1, Math.min(wake - now, HEARTBEAT_NANOS));
        }
        if (signals.stopRequested()) {
            out.println("levitate: stop requested");
            endRunning();
            return 1;
        }
        return work;
    }

    /** Forwarding ends: the warm-up figures, state "stopping", and the stop grace when a signal asked for the stop. */
    private void endRunning() {
        if (warmAllocated >= 0) {
            out.printf(
                    Locale.ROOT,
                    "levitate: after warm-up (%.1f s): worker heap allocation %d bytes, JVM GC cycles %d%n",
                    (System.nanoTime() - warmAt) / 1e9,
                    dataPlane.workerAllocatedBytes() - warmAllocated,
                    gcCount() - warmGcs);
        }
        counters.state(CountersLayout.STATE_STOPPING);
        final LevitateConfig config = control == null ? null : control.config();
        // The grace of the configuration in force: a reload may have changed it.
        final Duration grace =
                signals.stopRequested() && config != null ? config.instance().stopGrace() : Duration.ZERO;
        if (grace.isZero()) {
            phase = Phase.DONE;
            return;
        }
        out.println("levitate: stopping: state 'stopping' published; forwarding " + grace.toMillis()
                + " ms more while the announcer withdraws (instance.stop_grace; another signal stops at once)");
        graceDeadline = System.nanoTime() + grace.toNanos();
        wakeAt = System.nanoTime();
        phase = Phase.STOP_GRACE;
    }

    private int stopGrace() {
        int work = 0;
        if (System.nanoTime() >= wakeAt) {
            work = 1;
            tick();
            final long left = graceDeadline - System.nanoTime();
            if (left <= 0) {
                phase = Phase.DONE;
                return work;
            }
            wakeAt = System.nanoTime() + Math.min(left, HEARTBEAT_NANOS);
        }
        if (signals.hurry()) {
            out.println("levitate: second stop signal: stopping now");
            phase = Phase.DONE;
            return 1;
        }
        return work;
    }

    /**
     * The control thread's periodic work, every heartbeat interval and once more after the workers
     * stopped (so the counters file ends with their final figures): heartbeat, then in
     * load-balancing mode queued reloads, counters aggregation and gateway MAC changes.
     */
    void tick() {
        final long now = System.currentTimeMillis();
        counters.heartbeat(now);
        if (lbCounters != null) {
            processReloads();
            lbCounters.update(dataPlane.snapshot());
            logNeighbourChanges(dataPlane.neighbours(), knownMacs, out);
        }
    }

    /** Applies queued reloads (levitate reload, SIGHUP) and answers them. */
    private void processReloads() {
        if (server == null) {
            return;
        }
        for (ControlServer.ReloadRequest request = server.nextRequest();
                request != null;
                request = server.nextRequest()) {
            request.reply().complete(reload(request.allowTableResize()));
        }
    }

    /**
     * Re-reads the configuration file; applies it only when valid in full, and a change of table
     * size only when {@code allowTableResize}. Warnings about the file come with the report.
     */
    private List<String> reload(final boolean allowTableResize) {
        final List<String> lines = new ArrayList<>();
        ConfigResult result = null;
        try {
            result = ConfigReader.read(configFile);
        } catch (final IOException ex) {
            lines.add("rejected: cannot read " + configFile + ": " + ex.getMessage()
                    + "; the running configuration stays");
        }
        if (result != null && !result.valid()) {
            lines.add("rejected: " + result.errors().size() + " error(s) in " + configFile
                    + "; the running configuration stays:");
            result.errors().stream().limit(20).forEach(e -> lines.add("  " + e));
        } else if (result != null) {
            lines.addAll(control.reload(result.config(), allowTableResize));
            ConfigWarnings.starvedBackends(result, result.config().buildTables())
                    .forEach(w -> lines.add(w.toString()));
            if (lines.stream().noneMatch(l -> l.startsWith("refused"))) {
                lines.add("ok");
            }
        }
        lines.forEach(l -> out.println("levitate: reload: " + l));
        return lines;
    }

    /** Logs when a gateway's MAC is learnt, changes or expires (never per packet: at most on change). */
    private static void logNeighbourChanges(final Neighbours neighbours, final long[] known, final PrintStream out) {
        final long nowMs = System.nanoTime() / 1_000_000;
        for (int i = 0; i < 2; i++) {
            final int family = i == 0 ? 4 : 6;
            final long mac = neighbours.macAcquire(family, nowMs);
            if (mac != known[i]) {
                out.println("levitate: IPv" + family + " gateway "
                        + (mac == 0
                                ? "unresolved (expired)"
                                : (neighbours.pinned ? "pinned to " : "resolved to ")
                                        + io.levitate.packet.Addresses.formatMac(mac)));
                known[i] = mac;
            }
        }
    }

    /** GC cycles of every collector so far. */
    private static long gcCount() {
        long total = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }

    /** The agent's idle strategy: park until the next cycle is due; a stop signal unparks earlier. */
    IdleStrategy idleStrategy() {
        return new IdleStrategy() {
            @Override
            public void idle(final int workCount) {
                if (workCount <= 0) {
                    idle();
                }
            }

            @Override
            public void idle() {
                final long wait = wakeAt - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                }
            }

            @Override
            public void reset() {}

            @Override
            public String alias() {
                return "park-until-due";
            }
        };
    }
}
