package io.levitate.forwarder;

import io.levitate.core.counters.CountersLayout;
import io.levitate.core.runtime.RuntimeDirectories;
import io.levitate.forwarder.capture.CaptureService;
import io.levitate.forwarder.capture.CaptureSlot;
import io.levitate.forwarder.capture.SnapshotNames;
import io.levitate.forwarder.config.ConfigDefaults;
import io.levitate.forwarder.control.ControlCommands;
import io.levitate.forwarder.control.ControlServer;
import io.levitate.forwarder.counters.CountersFile;
import io.levitate.forwarder.lb.LbCountersPublisher;
import io.levitate.forwarder.lb.LiveState;
import io.levitate.forwarder.lb.WorkerStats;
import io.levitate.forwarder.metrics.PrometheusExporter;
import io.levitate.forwarder.worker.WorkerCounters;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.BitUtil;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.status.CountersManager;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code levitate run} once its options are a {@link RunSpec}: the process's pieces started and
 * stopped in their order. Signals are taken first; then the control socket's directory is checked,
 * the counters file made, the {@link DataPlane} started (EAL, ports, pools, workers), the control
 * socket, SIGHUP and the Prometheus endpoint opened, and state "running" published. The
 * {@link ControlAgent} then runs on this (the main) thread until the run ends; after it the
 * workers are stopped, the counters brought up to date once more, the summary printed, and
 * everything closed in reverse order.
 *
 * <p>Apart from the command, which only turns options into a {@code RunSpec}, and from the agent,
 * which is the loop itself, so that each of the three reads as one thing: what was asked, what
 * runs in what order, what happens while it runs.
 */
public final class Launcher {
    /** The process's own counters (heartbeat, state, worker errors, ...), with room to spare. */
    private static final int PROCESS_COUNTERS = 64;
    /** A worker's: rx/tx and friends, a counter per drop reason, conntrack figures, kernel, capture. */
    private static final int WORKER_COUNTERS = WorkerStats.REASONS + 32;
    /** A service's (healthy backends, packets, bytes, new flows) and a backend id's (the same three and up). */
    private static final int SERVICE_COUNTERS = 4;

    private static final int BACKEND_COUNTERS = 4;

    /**
     * The counters file's values length for {@code workers} workers: room for the most services and
     * backend ids a forwarder runs ({@link ConfigDefaults#MAX_SERVICES}, {@link
     * ConfigDefaults#MAX_BACKENDS}), since a reload may grow to them and a full file would stop the
     * control thread. 128 bytes a counter (plus 512 of metadata): 4 MiB of values for one worker.
     */
    static int countersValuesBytes(final int workers) {
        final long counters = PROCESS_COUNTERS
                + (long) workers * WORKER_COUNTERS
                + (long) ConfigDefaults.MAX_SERVICES * SERVICE_COUNTERS
                + (long) ConfigDefaults.MAX_BACKENDS * BACKEND_COUNTERS;
        return (int) BitUtil.findNextPositivePowerOfTwo(counters * CountersManager.COUNTER_LENGTH);
    }

    private Launcher() {}

    /**
     * Runs the forwarder until --duration or SIGINT/SIGTERM, and returns when everything is stopped.
     *
     * @param configFile    the configuration file (reloads re-read it), null in L2 mode
     * @param metricsListen {@code --metrics HOST:PORT} as given, or null for the configuration's
     * @throws LevitateException with a one-line, operator-facing reason.
     */
    public static void run(final RunSpec spec, final Path configFile, final String metricsListen, final PrintStream out)
            throws InterruptedException {
        final ControlAgent.StopSignals signals = new ControlAgent.StopSignals(Thread.currentThread());
        final SignalHandler onStop = signal -> signals.signal();
        // Handle the signals ourselves (not a shutdown hook): the main thread then stops the
        // workers, ports and EAL in order and exits 0, which a hook cannot do.
        final SignalHandler previousInt = Signal.handle(new Signal("INT"), onStop);
        Signal.handle(new Signal("TERM"), onStop);
        if (previousInt == SignalHandler.SIG_IGN) {
            // The JVM keeps an inherited "ignore" (bash starts a script's background jobs so).
            out.println(
                    "levitate: SIGINT is ignored in this process (started in the background); stop it with SIGTERM");
        }

        if (spec.config() != null) {
            // Before the EAL and the counters: a socket directory another user controls stops us
            // with one line, not after the ports came up.
            final Path socket = spec.config().control().socket();
            try {
                RuntimeDirectories.createSecure(socket.toAbsolutePath().getParent(), RuntimeDirectories.PRIVATE);
            } catch (final IOException ex) {
                throw new LevitateException("cannot open the control socket " + socket + ": " + ex.getMessage(), ex);
            }
        }
        final CountersFile counters;
        try {
            counters = CountersFile.create(
                    CountersFile.pathOf(spec.countersDir(), spec.instance()), countersValuesBytes(spec.workers()));
        } catch (final IOException | IllegalStateException ex) {
            throw new LevitateException("cannot create the counters file: " + ex.getMessage(), ex);
        }
        PrometheusExporter exporter = null;
        ControlServer control = null;
        CaptureService captures = null;
        try (counters;
                DataPlane dataPlane = DataPlane.start(spec, out, counters.manager())) {
            final LbCountersPublisher lbCounters = spec.config() == null
                    ? null
                    : new LbCountersPublisher(counters.manager(), dataPlane.workerStats(), dataPlane.conntracks());
            control = spec.config() == null
                    ? null
                    : startControl(spec.config().control().socket(), configFile, liveCommands(dataPlane));
            final ControlServer controlServer = control;
            captures = control == null ? null : offerCapture(control, dataPlane, counters);
            Signal.handle(new Signal("HUP"), signal -> {
                if (controlServer != null) {
                    controlServer.requestReload(false);
                }
            });
            final ControlAgent agent =
                    new ControlAgent(spec, dataPlane, counters, lbCounters, controlServer, configFile, signals, out);
            exporter = startExporter(spec, metricsListen, counters, dataPlane, out);
            if (exporter != null) {
                // The latency quantiles describe the compiled worker, not the JIT's first seconds.
                agent.onWarmUp(exporter::restartLatency);
            }
            counters.state(CountersLayout.STATE_RUNNING);
            out.println("levitate: forwarding (" + spec.workers() + " worker(s)); counters in " + counters.path()
                    + "; SIGINT or SIGTERM stops");
            // The agent's own failures are rethrown below; the runner need not report them.
            try (AgentRunner runner = new AgentRunner(agent.idleStrategy(), t -> {}, null, agent)) {
                runner.run();
            } finally {
                // Before the counters file is unmapped: a capture's thread writes its ring-full counters.
                if (captures != null) {
                    captures.stop();
                }
            }
            if (agent.failure() != null) {
                throw agent.failure();
            }
            if (!agent.finished()) {
                Thread.interrupted();
                throw new InterruptedException("the control thread was interrupted");
            }
            dataPlane.stopWorkers();
            agent.tick();
            RunReport.printSummary(dataPlane, out);
        } finally {
            if (exporter != null) {
                exporter.close();
            }
            if (control != null) {
                control.close();
            }
        }
    }

    /**
     * The control socket's read-only commands: each reads the snapshot the workers use now (an
     * acquire load of an immutable object); a worker's conntrack table is asked only through its
     * mailbox, which the worker answers in its housekeeping, so asking never disturbs forwarding.
     */
    private static ControlCommands liveCommands(final DataPlane dataPlane) {
        return new ControlCommands()
                .register("tables", args -> {
                    if (!args.isEmpty()) {
                        throw new IllegalArgumentException("tables takes no argument");
                    }
                    return LiveState.tables(
                            dataPlane.snapshot(), dataPlane.controlPlane().config());
                })
                .register(
                        "lookup",
                        args -> List.of(LiveState.lookupLive(
                                dataPlane.snapshot(), LiveState.Flow.parse(args), dataPlane.conntrackMailboxes())));
    }

    /** {@code levitate capture} on the control socket, over the workers' capture slots and the snapshot's names. */
    private static CaptureService offerCapture(
            final ControlServer control, final DataPlane dataPlane, final CountersFile counters) {
        final CaptureSlot[] slots = dataPlane.captureSlots();
        for (int w = 0; w < slots.length; w++) {
            slots[w].countRingFullIn(WorkerCounters.newCounter(
                    counters.manager(),
                    w,
                    "worker " + w + ": capture ring full",
                    CountersLayout.TYPE_WORKER_CAPTURE_RING_FULL));
        }
        final SnapshotNames names = new SnapshotNames(dataPlane::snapshot);
        final CaptureService service =
                new CaptureService(slots, names::serviceId, names::backendId, names::serviceName, names::backendName);
        control.capture(service);
        return service;
    }

    private static ControlServer startControl(
            final Path socket, final Path configFile, final ControlCommands commands) {
        try {
            return new ControlServer(socket, configFile, commands);
        } catch (final IOException ex) {
            throw new LevitateException("cannot open the control socket " + socket + ": " + ex.getMessage(), ex);
        }
    }

    private static PrometheusExporter startExporter(
            final RunSpec spec,
            final String metricsListen,
            final CountersFile counters,
            final DataPlane dataPlane,
            final PrintStream out) {
        final InetSocketAddress listen;
        try {
            if (metricsListen != null) {
                final int colon = metricsListen.lastIndexOf(':');
                listen = new InetSocketAddress(
                        metricsListen.substring(0, colon).replace("[", "").replace("]", ""),
                        Integer.parseInt(metricsListen.substring(colon + 1)));
            } else if (spec.config() != null && spec.config().metrics() != null) {
                listen = spec.config().metrics().listen();
            } else {
                return null;
            }
            final List<SingleWriterRecorder> recorders = new ArrayList<>();
            dataPlane.workerStats().forEach(s -> recorders.add(s.burstLatency));
            final PrometheusExporter started = new PrometheusExporter(
                    listen,
                    counters.reader(),
                    recorders,
                    spec.config() == null ? text -> {} : text -> LiveState.prometheus(dataPlane.snapshot(), text));
            out.println("levitate: metrics on http://"
                    + (listen.getAddress() != null
                            ? io.levitate.packet.Addresses.withPort(
                                    listen.getAddress(), started.address().getPort())
                            : listen.getHostString() + ":" + started.address().getPort())
                    + "/metrics");
            return started;
        } catch (final IOException | RuntimeException ex) {
            throw new LevitateException("cannot serve metrics on " + metricsListen + ": " + ex.getMessage(), ex);
        }
    }
}
