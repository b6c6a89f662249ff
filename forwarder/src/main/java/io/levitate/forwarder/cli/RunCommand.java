package io.levitate.forwarder.cli;

import io.levitate.core.counters.CountersLayout;
import io.levitate.core.runtime.RuntimeDirectories;
import io.levitate.forwarder.Forwarder;
import io.levitate.forwarder.HostCpus;
import io.levitate.forwarder.MemoryMode;
import io.levitate.forwarder.PortSpec;
import io.levitate.forwarder.RunSpec;
import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.cli.LevitateCli.UsageException;
import io.levitate.forwarder.counters.CountersFile;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.ConfigWarnings;
import io.levitate.forwarder.config.InstanceConfig;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.PortConfig;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.ForwardDrop;
import io.levitate.forwarder.lb.LbCountersPublisher;
import io.levitate.forwarder.control.ControlServer;
import io.levitate.forwarder.lb.Neighbours;
import io.levitate.forwarder.lb.ServiceState;
import io.levitate.forwarder.lb.WorkerStats;
import io.levitate.packet.DropReason;
import io.levitate.forwarder.metrics.PrometheusExporter;
import org.HdrHistogram.SingleWriterRecorder;
import java.net.InetSocketAddress;
import io.levitate.dpdk.EthDev;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code levitate run}: bring up the EAL, the ports and the workers, forward until stopped. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    // The header is the summary in "levitate --help"; picocli takes only its first line.
    header = "Runs the forwarder until SIGINT/SIGTERM or --duration.",
    description = {
        "Runs the forwarder. Ports forward in pairs like testpmd's io mode: port 0 <-> port 1, 2 <-> 3; a lone",
        "last port forwards to itself. Stops cleanly (exit 0) on SIGINT/SIGTERM or after --duration."})
public final class RunCommand implements Callable<Integer>
{
    /** Counter values bytes: 8192 counters of 128 bytes, room for every worker, reason, service and backend. */
    private static final int COUNTERS_VALUES_BYTES = 1024 * 1024;

    private PrometheusExporter exporter;
    private ControlServer control;

    private static ControlServer startControl(final Path socket, final Path configFile)
    {
        try
        {
            return new ControlServer(socket, configFile);
        }
        catch (final IOException ex)
        {
            throw new LevitateException("cannot open the control socket " + socket + ": " + ex.getMessage(), ex);
        }
    }

    /** Control thread: applies queued reloads (levitate reload, SIGHUP) and answers them. */
    private void processReloads(final Forwarder forwarder, final ControlServer server, final PrintStream out)
    {
        if (server == null)
        {
            return;
        }
        for (ControlServer.ReloadRequest request = server.nextRequest(); request != null; request = server.nextRequest())
        {
            request.reply().complete(reload(forwarder, request.allowTableResize(), out));
        }
    }

    /**
     * Re-reads the configuration file; applies it only when valid in full, and a change of table
     * size only when {@code allowTableResize}. Warnings about the file come with the report.
     */
    private List<String> reload(final Forwarder forwarder, final boolean allowTableResize, final PrintStream out)
    {
        final List<String> lines = new ArrayList<>();
        ConfigResult result = null;
        try
        {
            result = ConfigReader.read(configFile);
        }
        catch (final IOException ex)
        {
            lines.add("rejected: cannot read " + configFile + ": " + ex.getMessage() + "; the running configuration stays");
        }
        if (result != null && !result.valid())
        {
            lines.add("rejected: " + result.errors().size() + " error(s) in " + configFile
                + "; the running configuration stays:");
            result.errors().stream().limit(20).forEach(e -> lines.add("  " + e));
        }
        else if (result != null)
        {
            lines.addAll(forwarder.reload(result.config(), allowTableResize));
            ConfigWarnings.starvedBackends(result, result.config().buildTables()).forEach(w -> lines.add(w.toString()));
            if (lines.stream().noneMatch(l -> l.startsWith("refused")))
            {
                lines.add("ok");
            }
        }
        lines.forEach(l -> out.println("levitate: reload: " + l));
        return lines;
    }

    /** Logs when a gateway's MAC is learnt, changes or expires (never per packet: at most on change). */
    private static void logNeighbourChanges(final Neighbours neighbours, final long[] known, final PrintStream out)
    {
        final long nowMs = System.nanoTime() / 1_000_000;
        for (int i = 0; i < 2; i++)
        {
            final int family = i == 0 ? 4 : 6;
            final long mac = neighbours.macAcquire(family, nowMs);
            if (mac != known[i])
            {
                out.println("levitate: IPv" + family + " gateway " + (mac == 0 ? "unresolved (expired)"
                    : (neighbours.pinned ? "pinned to " : "resolved to ") + io.levitate.packet.Addresses.formatMac(mac)));
                known[i] = mac;
            }
        }
    }

    private PrometheusExporter startExporter(final RunSpec spec, final CountersFile counters, final Forwarder forwarder,
        final PrintStream out)
    {
        final InetSocketAddress listen;
        try
        {
            if (metricsListen != null)
            {
                final int colon = metricsListen.lastIndexOf(':');
                listen = new InetSocketAddress(metricsListen.substring(0, colon).replace("[", "").replace("]", ""),
                    Integer.parseInt(metricsListen.substring(colon + 1)));
            }
            else if (spec.config() != null && spec.config().metrics() != null)
            {
                listen = spec.config().metrics().listen();
            }
            else
            {
                return null;
            }
            final List<SingleWriterRecorder> recorders = new ArrayList<>();
            forwarder.workerStats().forEach(s -> recorders.add(s.burstLatency));
            final PrometheusExporter started = new PrometheusExporter(listen, counters.reader(), recorders);
            out.println("levitate: metrics on http://" + (listen.getAddress() != null
                ? io.levitate.packet.Addresses.withPort(listen.getAddress(), started.address().getPort())
                : listen.getHostString() + ":" + started.address().getPort()) + "/metrics");
            return started;
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new LevitateException("cannot serve metrics on " + metricsListen + ": " + ex.getMessage(), ex);
        }
    }

    /** Control-thread work done every heartbeat: heartbeat, counters aggregation. */
    private Runnable controlTick = () -> { };

    /** Time before allocation is measured: the JIT reached peak speed within 1-3 s in our measurements, so 5 s is past it. */
    private static final Duration WARM_UP = Duration.ofSeconds(5);

    @Spec
    CommandSpec commandSpec;

    @Option(names = "--mode", defaultValue = "l2fwd",
        description = "Forwarding mode: l2fwd (forward frames unchanged between paired ports) or lb (load-balance the "
            + "--config services: tunnels leave on the paired port, or the same port when alone). Default: ${DEFAULT-VALUE}, lb with --config.")
    String mode;

    @Option(names = "--port", paramLabel = "PORT",
        description = "A port: PCI address (0000:03:00.0[,args]) or DPDK vdev (net_pcap0,rx_pcap=F | net_null0 | "
            + "net_af_packet0,iface=IF). Repeat for each port.")
    List<String> ports = new ArrayList<>();

    @Option(names = "--workers", defaultValue = "1", description = "Busy-poll workers (one RX/TX queue each per port). Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--cores", split = ",", paramLabel = "CPU",
        description = "CPU per worker, e.g. 1,2. Default: CPUs after the main core, or all CPUs when there are not enough.")
    List<Integer> cores = new ArrayList<>();

    @Option(names = "--main-core", defaultValue = "0", description = "EAL main lcore (control thread). Default: ${DEFAULT-VALUE}.")
    int mainCore;

    @Option(names = "--file-prefix", description = "EAL --file-prefix; unique per DPDK process. Default: levitate-PID.")
    String filePrefix;

    @Option(names = "--in-memory", description = "Use hugepages, process-private (EAL --in-memory).")
    boolean inMemory;

    @Option(names = "--no-huge", description = "Use ordinary pages (EAL --no-huge -m MB). Default: hugepages when free, else this.")
    boolean noHuge;

    @Option(names = "--memory-mb", defaultValue = "1024", description = "EAL memory with --no-huge, in MB. Default: ${DEFAULT-VALUE}.")
    int memoryMb;

    @Option(names = "--mbufs", description = "Mbufs per pool. Default: enough for every ring and cache, at least 8191.")
    Integer mbufs;

    @Option(names = "--rx-desc", defaultValue = "1024", description = "RX descriptors per queue. Default: ${DEFAULT-VALUE}.")
    int rxDesc;

    @Option(names = "--tx-desc", defaultValue = "1024", description = "TX descriptors per queue. Default: ${DEFAULT-VALUE}.")
    int txDesc;

    @Option(names = "--burst", defaultValue = "32", description = "Packets per burst, 1.." + RunSpec.MAX_BURST + ". Default: ${DEFAULT-VALUE}.")
    int burst;

    @Option(names = "--duration", description = "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    Double durationSeconds;

    @Option(names = "--stats-interval", description = "Print counters every this many seconds (default: only at exit).")
    Double statsIntervalSeconds;

    @Option(names = "--eal-arg", paramLabel = "ARG", description = "Extra EAL argument, passed verbatim; repeatable.")
    List<String> ealArgs = new ArrayList<>();

    @Option(names = "--instance", defaultValue = "default",
        description = "Instance name; the counters file is COUNTERS_DIR/NAME/counters.dat. Default: ${DEFAULT-VALUE}.")
    String instance;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
        description = "Serve Prometheus metrics here (port 0: any free port). Default: the config's metrics.listen; none without a config.")
    String metricsListen;

    @Option(names = "--config", paramLabel = "FILE",
        description = "Load-balancer configuration (docs/CONFIG.md): ports, workers, services. Implies --mode lb.")
    Path configFile;

    @Option(names = "--counters-dir", defaultValue = CountersLayout.DEFAULT_DIRECTORY,
        description = "Directory of counters files. Default: ${DEFAULT-VALUE}.")
    Path countersDir;

    @Override
    public Integer call() throws InterruptedException
    {
        if ("lb".equals(mode) && configFile == null)
        {
            throw new UsageException("--mode lb needs --config FILE (the services to balance)");
        }
        final RunSpec spec = configFile != null ? fromConfig(loadConfig(configFile), HostCpus.allowed()) : toSpec(HostCpus.allowed());
        final PrintStream out = System.out;
        final CountDownLatch stop = new CountDownLatch(1);
        // A second signal ends the stop grace at once (an operator who does not want to wait).
        final CountDownLatch hurry = new CountDownLatch(1);
        final SignalHandler onStop = signal ->
        {
            if (stop.getCount() == 0)
            {
                hurry.countDown();
            }
            stop.countDown();
        };
        // Handle the signals ourselves (not a shutdown hook): the main thread then stops the
        // workers, ports and EAL in order and exits 0, which a hook cannot do.
        final SignalHandler previousInt = Signal.handle(new Signal("INT"), onStop);
        Signal.handle(new Signal("TERM"), onStop);
        if (previousInt == SignalHandler.SIG_IGN)
        {
            // The JVM keeps an inherited "ignore" (bash starts a script's background jobs so).
            out.println("levitate: SIGINT is ignored in this process (started in the background); stop it with SIGTERM");
        }

        if (spec.config() != null)
        {
            // Before the EAL and the counters: a socket directory another user controls stops us
            // with one line, not after the ports came up.
            final Path socket = spec.config().control().socket();
            try
            {
                RuntimeDirectories.createSecure(socket.toAbsolutePath().getParent(), RuntimeDirectories.PRIVATE);
            }
            catch (final IOException ex)
            {
                throw new LevitateException("cannot open the control socket " + socket + ": " + ex.getMessage(), ex);
            }
        }
        final CountersFile counters;
        try
        {
            counters = CountersFile.create(CountersFile.pathOf(spec.countersDir(), spec.instance()), COUNTERS_VALUES_BYTES);
        }
        catch (final IOException | IllegalStateException ex)
        {
            throw new LevitateException("cannot create the counters file: " + ex.getMessage(), ex);
        }
        try (counters; Forwarder forwarder = Forwarder.start(spec, out, counters.manager()))
        {
            final LbCountersPublisher lbCounters = spec.config() == null ? null
                : new LbCountersPublisher(counters.manager(), forwarder.workerStats(), forwarder.conntracks());
            final long[] knownMacs = new long[2];
            control = spec.config() == null ? null : startControl(spec.config().control().socket(), configFile);
            final ControlServer controlServer = control;
            Signal.handle(new Signal("HUP"), signal ->
            {
                if (controlServer != null)
                {
                    controlServer.requestReload(false);
                }
            });
            controlTick = () ->
            {
                final long now = System.currentTimeMillis();
                counters.heartbeat(now);
                if (lbCounters != null)
                {
                    processReloads(forwarder, controlServer, out);
                    lbCounters.update(forwarder.snapshot());
                    logNeighbourChanges(forwarder.neighbours(), knownMacs, out);
                }
            };
            exporter = startExporter(spec, counters, forwarder, out);
            counters.state(CountersLayout.STATE_RUNNING);
            out.println("levitate: forwarding (" + spec.workers() + " worker(s)); counters in " + counters.path()
                + "; SIGINT or SIGTERM stops");
            runUntilStopped(spec, forwarder, counters, stop, out);
            counters.state(CountersLayout.STATE_STOPPING);
            if (stop.getCount() == 0 && forwarder.config() != null)
            {
                keepForwardingWhileStopping(forwarder.config().instance().stopGrace(), hurry, out);
            }
            forwarder.stopWorkers();
            controlTick.run();
            printSummary(forwarder, out);
        }
        finally
        {
            if (exporter != null)
            {
                exporter.close();
            }
            if (control != null)
            {
                control.close();
            }
        }
        return LevitateCli.EXIT_OK;
    }

    private void runUntilStopped(final RunSpec spec, final Forwarder forwarder, final CountersFile counters,
        final CountDownLatch stop, final PrintStream out) throws InterruptedException
    {
        final long start = System.nanoTime();
        final long deadline = spec.duration() == null ? Long.MAX_VALUE : start + spec.duration().toNanos();
        final long interval = spec.statsInterval() == null ? Long.MAX_VALUE : spec.statsInterval().toNanos();
        final long warmUpEnd = start + WARM_UP.toNanos();
        long nextStats = interval == Long.MAX_VALUE ? Long.MAX_VALUE : start + interval;
        long warmAllocated = -1;
        long warmGcs = 0;
        long warmAt = 0;
        final long[] lastRx = new long[forwarder.workerCount()];
        final long[] lastTx = new long[forwarder.workerCount()];
        long lastStats = start;
        while (true)
        {
            controlTick.run();
            final long now = System.nanoTime();
            if (warmAllocated < 0 && now >= warmUpEnd)
            {
                warmAllocated = forwarder.workerAllocatedBytes();
                warmGcs = gcCount();
                warmAt = now;
                out.printf(Locale.ROOT, "levitate: warm-up done at JVM uptime %d ms%n",
                    ManagementFactory.getRuntimeMXBean().getUptime());
            }
            if (now >= deadline)
            {
                break;
            }
            if (now >= nextStats)
            {
                printRates(forwarder, lastRx, lastTx, now - lastStats, out);
                lastStats = now;
                nextStats += interval;
            }
            final long wake = Math.min(Math.min(deadline, nextStats), warmAllocated < 0 ? warmUpEnd : Long.MAX_VALUE);
            final long heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(CountersLayout.HEARTBEAT_INTERVAL_MS);
            if (stop.await(Math.max(1, Math.min(wake - now, heartbeatNanos)), TimeUnit.NANOSECONDS))
            {
                out.println("levitate: stop requested");
                break;
            }
        }
        if (warmAllocated >= 0)
        {
            out.printf(Locale.ROOT, "levitate: after warm-up (%.1f s): worker heap allocation %d bytes, JVM GC cycles %d%n",
                (System.nanoTime() - warmAt) / 1e9, forwarder.workerAllocatedBytes() - warmAllocated, gcCount() - warmGcs);
        }
    }

    /**
     * The stop grace: state "stopping" is published, and the workers go on forwarding (and
     * carrying the exception path, over which a bare-metal host's BGP session runs) while the
     * announcer, which polls the state every 10 ms, withdraws the VIPs and the peers converge.
     * Stopping the workers first would cut the withdraw off (the peers then notice only at hold
     * timer expiry) and blackhole every flow the routers still send here. The control tick keeps
     * the heartbeat fresh, so the announcer reads "stopping", not "dead".
     */
    private void keepForwardingWhileStopping(final Duration grace, final CountDownLatch hurry, final PrintStream out)
        throws InterruptedException
    {
        if (grace.isZero())
        {
            return;
        }
        out.println("levitate: stopping: state 'stopping' published; forwarding " + grace.toMillis()
            + " ms more while the announcer withdraws (instance.stop_grace; another signal stops at once)");
        final long deadline = System.nanoTime() + grace.toNanos();
        final long heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(CountersLayout.HEARTBEAT_INTERVAL_MS);
        while (true)
        {
            controlTick.run();
            final long left = deadline - System.nanoTime();
            if (left <= 0)
            {
                break;
            }
            if (hurry.await(Math.min(left, heartbeatNanos), TimeUnit.NANOSECONDS))
            {
                out.println("levitate: second stop signal: stopping now");
                break;
            }
        }
    }

    /** GC cycles of every collector so far. */
    private static long gcCount()
    {
        long total = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            total += Math.max(0, gc.getCollectionCount());
        }
        return total;
    }

    private static void printRates(final Forwarder forwarder, final long[] lastRx, final long[] lastTx,
        final long elapsedNanos, final PrintStream out)
    {
        final StringBuilder sb = new StringBuilder("levitate: stats:");
        final List<WorkerStats> lb = forwarder.workerStats();
        for (int w = 0; w < forwarder.workerCount(); w++)
        {
            final WorkerCounters c = forwarder.workerCounters(w);
            final long rx = c.rxPackets.get();
            final long tx = c.txPackets.get();
            sb.append(String.format(Locale.ROOT, " w%d rx %d tx %d drop %s (rx %.3f Mpps, tx %.3f Mpps);", w, rx, tx,
                w < lb.size() ? drops(lb.get(w)) : drops(c.txDropped.get()), (rx - lastRx[w]) * 1e3 / elapsedNanos,
                (tx - lastTx[w]) * 1e3 / elapsedNanos));
            lastRx[w] = rx;
            lastTx[w] = tx;
        }
        out.println(sb);
    }

    /** Reasons the stats line names after a worker's drop total: the largest few. */
    static final int TOP_DROP_REASONS = 3;

    /**
     * A load-balancing worker's drops for the stats line: the sum over every reason (parser's and
     * forwarder's, as the counters file has them), then the largest {@link #TOP_DROP_REASONS} by
     * count, named as in the counters, e.g. {@code 14 [no_service=10 bad_ihl=3 neighbour_consumed=1]}.
     */
    static String drops(final WorkerStats stats)
    {
        final long[] counts = new long[WorkerStats.REASONS];
        long total = 0;
        for (int id = 0; id < counts.length; id++)
        {
            counts[id] = stats.drop(id);
            total += counts[id];
        }
        final StringBuilder sb = new StringBuilder(Long.toString(total));
        String separator = " [";
        for (int k = 0; k < TOP_DROP_REASONS; k++)
        {
            int largest = -1;
            for (int id = 0; id < counts.length; id++)
            {
                if (counts[id] > 0 && (largest < 0 || counts[id] > counts[largest]))
                {
                    largest = id;
                }
            }
            if (largest < 0)
            {
                break;
            }
            sb.append(separator).append(reasonName(largest)).append('=').append(counts[largest]);
            separator = " ";
            counts[largest] = 0;
        }
        return total > 0 ? sb.append(']').toString() : sb.toString();
    }

    /** An L2 worker's drops: the TX ring's refusals are the only reason it has. */
    static String drops(final long txFull)
    {
        return txFull > 0 ? txFull + " [" + reasonName(ForwardDrop.TX_FULL.id()) + "=" + txFull + "]" : "0";
    }

    /** A drop reason's name as the counters file gives it (lower-case enum name), by its id. */
    static String reasonName(final int id)
    {
        for (final DropReason r : DropReason.values())
        {
            if (r != DropReason.NONE && r.id() == id)
            {
                return r.name().toLowerCase(Locale.ROOT);
            }
        }
        for (final ForwardDrop r : ForwardDrop.values())
        {
            if (r.id() == id)
            {
                return r.name().toLowerCase(Locale.ROOT);
            }
        }
        return "reason_" + id;
    }

    private static void printSummary(final Forwarder forwarder, final PrintStream out)
    {
        for (int w = 0; w < forwarder.workerCount(); w++)
        {
            final WorkerCounters c = forwarder.workerCounters(w);
            out.printf(Locale.ROOT, "levitate: worker %d: rx %d tx %d tx-dropped %d bursts %d%n",
                w, c.rxPackets.get(), c.txPackets.get(), c.txDropped.get(), c.rxBursts.get());
        }
        printLoadBalancerSummary(forwarder, out);
        for (final Forwarder.PortState port : forwarder.ports())
        {
            final EthDev.Stats s = EthDev.stats(port.id());
            out.printf(Locale.ROOT, "levitate: port %d %s: ipackets %d opackets %d ibytes %d obytes %d imissed %d "
                + "ierrors %d oerrors %d rx_nombuf %d%n", port.id(), port.spec().deviceName(), s.ipackets(), s.opackets(),
                s.ibytes(), s.obytes(), s.imissed(), s.ierrors(), s.oerrors(), s.rxNoMbuf());
        }
    }

    /** Per-worker verdicts, drops by reason, per service and backend figures (LB mode only). */
    private static void printLoadBalancerSummary(final Forwarder forwarder, final PrintStream out)
    {
        final List<WorkerStats> all = forwarder.workerStats();
        for (int w = 0; w < all.size(); w++)
        {
            final WorkerStats stats = all.get(w);
            final StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "levitate: worker %d lb: rx %d tx %d encapsulated %d replies %d drops:", w, stats.rxPackets(),
                stats.txPackets(), stats.encapsulatedPackets(), stats.replyPackets()));
            for (final DropReason r : DropReason.values())
            {
                if (r != DropReason.NONE && stats.drop(r.id()) > 0)
                {
                    sb.append(' ').append(r.name().toLowerCase(Locale.ROOT)).append('=').append(stats.drop(r.id()));
                }
            }
            for (final ForwardDrop r : ForwardDrop.values())
            {
                if (stats.drop(r.id()) > 0)
                {
                    sb.append(' ').append(r.name().toLowerCase(Locale.ROOT)).append('=').append(stats.drop(r.id()));
                }
            }
            out.println(sb);
        }
        final DataPlaneSnapshot snapshot = forwarder.snapshot();
        if (snapshot == null)
        {
            return;
        }
        for (final ServiceState service : snapshot.services())
        {
            long packets = 0;
            long flows = 0;
            for (final WorkerStats stats : all)
            {
                packets += stats.service(service.index, 0);
                flows += stats.service(service.index, 2);
            }
            out.printf(Locale.ROOT, "levitate: service %s: packets %d new-flows %d%n", service.name, packets, flows);
        }
        for (int id = 0; id < snapshot.backendCount(); id++)
        {
            long packets = 0;
            long flows = 0;
            for (final WorkerStats stats : all)
            {
                packets += stats.backend(id, 0);
                flows += stats.backend(id, 2);
            }
            out.printf(Locale.ROOT, "levitate: backend %s: packets %d new-flows %d%n", snapshot.backendName(id), packets, flows);
        }
    }

    private static LevitateConfig loadConfig(final Path file)
    {
        final ConfigResult result;
        try
        {
            result = ConfigReader.read(file);
        }
        catch (final IOException ex)
        {
            throw new LevitateException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        if (!result.valid())
        {
            final List<String> lines = new ArrayList<>();
            result.errors().forEach(e -> lines.add(e.toString()));
            throw new LevitateException("invalid configuration (" + lines.size() + " error(s); levitate check "
                + file + " lists them): " + lines.getFirst());
        }
        ConfigWarnings.starvedBackends(result, result.config().buildTables())
            .forEach(w -> System.err.println("levitate: " + w));
        return result.config();
    }

    private boolean given(final String option)
    {
        return commandSpec != null && commandSpec.commandLine().getParseResult() != null
            && commandSpec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** A {@link RunSpec} from a configuration file; command-line run options still apply. */
    RunSpec fromConfig(final LevitateConfig config, final List<Integer> allowedCpus)
    {
        final InstanceConfig instanceConfig = config.instance();
        // --port given with --config replaces the configuration's ports (benchmarks, tests).
        if (ports.isEmpty())
        {
            for (final PortConfig p : instanceConfig.ports())
            {
                ports.add(p.device().spec());
            }
        }
        // Options given on the command line win over the file (benchmarks, one-off runs).
        if (!given("--workers"))
        {
            workers = instanceConfig.workers();
        }
        if (!given("--cores"))
        {
            cores = new ArrayList<>(instanceConfig.cores());
        }
        if (!given("--main-core"))
        {
            mainCore = instanceConfig.mainCore();
        }
        if (!given("--no-huge") && !given("--in-memory"))
        {
            noHuge = instanceConfig.hugepages() == MemoryMode.NO_HUGE;
            inMemory = instanceConfig.hugepages() == MemoryMode.HUGEPAGES;
        }
        if (!given("--memory-mb"))
        {
            memoryMb = instanceConfig.memoryMb();
        }
        if (mbufs == null && instanceConfig.mbufs() > 0)
        {
            mbufs = instanceConfig.mbufs();
        }
        instance = instanceConfig.name();
        if (instanceConfig.countersDir() != null)
        {
            countersDir = instanceConfig.countersDir();
        }
        mode = "l2fwd";
        exceptionPorts = instanceConfig.exceptionTap() != null ? instanceConfig.ports().size() : 0;
        final RunSpec base = toSpec(allowedCpus);
        return new RunSpec(base.ports(), base.workers(), base.workerCores(), base.mainCore(), base.filePrefix(),
            base.memoryMode(), base.memoryMb(), base.mbufs(), base.rxDescriptors(), base.txDescriptors(), base.burst(),
            base.duration(), base.statsInterval(), base.extraEalArgs(), base.instance(), base.countersDir(), config);
    }

    /** Validates the options into a {@link RunSpec}; every problem is a one-line {@link UsageException}. */
    RunSpec toSpec(final List<Integer> allowedCpus)
    {
        if (instance == null || !instance.matches("[A-Za-z0-9_.-]{1,64}") || instance.startsWith("."))
        {
            throw new UsageException("--instance must be 1-64 characters of A-Z a-z 0-9 _ . - (not starting with a dot)");
        }
        if (!"l2fwd".equals(mode) && !"lb".equals(mode))
        {
            throw new UsageException("unknown --mode '" + mode + "'; supported: l2fwd, lb (with --config)");
        }
        if (ports.isEmpty())
        {
            throw new UsageException("no ports: give at least one --port (PCI address or vdev such as net_pcap0,rx_pcap=FILE)");
        }
        final List<PortSpec> portSpecs = new ArrayList<>();
        for (final String p : ports)
        {
            try
            {
                portSpecs.add(PortSpec.parse(p));
            }
            catch (final LevitateException ex)
            {
                throw new UsageException(ex.getMessage());
            }
        }
        if (workers < 1)
        {
            throw new UsageException("--workers must be at least 1, got " + workers);
        }
        if (workers > allowedCpus.size())
        {
            throw new UsageException(workers + " workers need " + workers + " CPUs but this process may use "
                + allowedCpus.size() + " (" + allowedCpus + "); lower --workers");
        }
        if (!allowedCpus.contains(mainCore))
        {
            throw new UsageException("--main-core " + mainCore + " is not an allowed CPU " + allowedCpus);
        }
        final List<Integer> workerCores = cores.isEmpty() ? defaultCores(allowedCpus) : List.copyOf(cores);
        if (workerCores.size() != workers)
        {
            throw new UsageException("--cores lists " + workerCores.size() + " CPUs for " + workers + " workers; give one per worker");
        }
        final Set<Integer> distinct = new HashSet<>();
        for (final int cpu : workerCores)
        {
            if (!allowedCpus.contains(cpu))
            {
                throw new UsageException("CPU " + cpu + " in --cores is not available to this process " + allowedCpus);
            }
            if (!distinct.add(cpu))
            {
                throw new UsageException("CPU " + cpu + " appears twice in --cores; a worker needs a CPU of its own");
            }
        }
        if (inMemory && noHuge)
        {
            throw new UsageException("--in-memory (hugepages) and --no-huge exclude each other");
        }
        if (burst < 1 || burst > RunSpec.MAX_BURST)
        {
            throw new UsageException("--burst must be 1.." + RunSpec.MAX_BURST + ", got " + burst);
        }
        if (rxDesc < 1 || rxDesc > 32768 || txDesc < 1 || txDesc > 32768)
        {
            throw new UsageException("--rx-desc/--tx-desc must be 1..32768");
        }
        if (memoryMb < 64)
        {
            throw new UsageException("--memory-mb must be at least 64");
        }
        final int pool = mbufs != null ? mbufs : defaultMbufs(portSpecs.size());
        if (pool < 1023)
        {
            throw new UsageException("--mbufs must be at least 1023, got " + pool);
        }
        final Duration duration = seconds(durationSeconds, "--duration");
        final Duration statsInterval = seconds(statsIntervalSeconds, "--stats-interval");
        final MemoryMode memory = inMemory ? MemoryMode.HUGEPAGES : noHuge ? MemoryMode.NO_HUGE : MemoryMode.AUTO;
        return new RunSpec(portSpecs, workers, workerCores, mainCore,
            filePrefix != null ? filePrefix : "levitate-" + ProcessHandle.current().pid(),
            memory, memoryMb, pool, rxDesc, txDesc, burst, duration, statsInterval, ealArgs, instance, countersDir, null);
    }

    /** CPUs after the main core when there are enough, so workers do not share it; else all allowed CPUs. */
    private List<Integer> defaultCores(final List<Integer> allowedCpus)
    {
        final List<Integer> others = new ArrayList<>(allowedCpus);
        others.remove(Integer.valueOf(mainCore));
        if (others.size() >= workers)
        {
            return others.subList(0, workers);
        }
        return allowedCpus.subList(0, workers);
    }

    /** Data ports whose exception TAPs (instance.exception_path: tap) draw on the pool too. */
    private int exceptionPorts;

    /** Every RX ring full, every TX ring full (exception TAPs' too), every worker's burst and cache, rounded to 2^k - 1. */
    private int defaultMbufs(final int portCount)
    {
        final long need = (long)portCount * workers * (rxDesc + txDesc) + (long)workers * (2L * burst + 512)
            + (long)exceptionPorts * workers * 2L * io.levitate.forwarder.Forwarder.EXCEPTION_RING;
        long size = 8191;
        while (size < need)
        {
            size = size * 2 + 1;
        }
        return (int)Math.min(size, Integer.MAX_VALUE);
    }

    private static Duration seconds(final Double value, final String option)
    {
        if (value == null)
        {
            return null;
        }
        if (!(value > 0) || value > 1e7)
        {
            throw new UsageException(option + " must be a positive number of seconds, got " + value);
        }
        return Duration.ofNanos((long)(value * 1e9));
    }
}
