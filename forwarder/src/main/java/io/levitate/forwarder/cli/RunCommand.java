package io.levitate.forwarder.cli;

import io.levitate.core.counters.CountersLayout;
import io.levitate.forwarder.HostCpus;
import io.levitate.forwarder.Launcher;
import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.MemoryMode;
import io.levitate.forwarder.PortSpec;
import io.levitate.forwarder.RunSpec;
import io.levitate.forwarder.cli.LevitateCli.UsageException;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.ConfigWarnings;
import io.levitate.forwarder.config.InstanceConfig;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.PortConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code levitate run}: its options, checked and merged with the configuration file into a
 * {@link RunSpec}, which {@link Launcher} runs. Nothing here starts anything: parsing stays apart
 * from the process it describes, so the options are tested without DPDK ({@code RunCommandTest})
 * and the launcher, the data plane and the control agent never see raw arguments.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        // The header is the summary in "levitate --help"; picocli takes only its first line.
        header = "Runs the forwarder until SIGINT/SIGTERM or --duration.",
        description = {
            "Runs the forwarder. Ports forward in pairs like testpmd's io mode: port 0 <-> port 1, 2 <-> 3; a lone",
            "last port forwards to itself. Stops cleanly (exit 0) on SIGINT/SIGTERM or after --duration."
        })
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec commandSpec;

    @Option(
            names = "--mode",
            defaultValue = "l2fwd",
            description =
                    "Forwarding mode: l2fwd (forward frames unchanged between paired ports) or lb (load-balance the "
                            + "--config services: tunnels leave on the paired port, or the same port when alone). Default: ${DEFAULT-VALUE}, lb with --config.")
    String mode;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            description = "A port: PCI address (0000:03:00.0[,args]) or DPDK vdev (net_pcap0,rx_pcap=F | net_null0 | "
                    + "net_af_packet0,iface=IF). Repeat for each port.")
    List<String> ports = new ArrayList<>();

    @Option(
            names = "--workers",
            defaultValue = "1",
            description = "Busy-poll workers (one RX/TX queue each per port). Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(
            names = "--cores",
            split = ",",
            paramLabel = "CPU",
            description =
                    "CPU per worker, e.g. 1,2. Default: CPUs after the main core, or all CPUs when there are not enough.")
    List<Integer> cores = new ArrayList<>();

    @Option(
            names = "--main-core",
            defaultValue = "0",
            description = "EAL main lcore (control thread). Default: ${DEFAULT-VALUE}.")
    int mainCore;

    @Option(names = "--file-prefix", description = "EAL --file-prefix; unique per DPDK process. Default: levitate-PID.")
    String filePrefix;

    @Option(names = "--in-memory", description = "Use hugepages, process-private (EAL --in-memory).")
    boolean inMemory;

    @Option(
            names = "--no-huge",
            description = "Use ordinary pages (EAL --no-huge -m MB). Default: hugepages when free, else this.")
    boolean noHuge;

    @Option(
            names = "--memory-mb",
            defaultValue = "1024",
            description = "EAL memory with --no-huge, in MB. Default: ${DEFAULT-VALUE}.")
    int memoryMb;

    @Option(names = "--mbufs", description = "Mbufs per pool. Default: enough for every ring and cache, at least 8191.")
    Integer mbufs;

    @Option(
            names = "--rx-desc",
            defaultValue = "1024",
            description = "RX descriptors per queue. Default: ${DEFAULT-VALUE}.")
    int rxDesc;

    @Option(
            names = "--tx-desc",
            defaultValue = "1024",
            description = "TX descriptors per queue. Default: ${DEFAULT-VALUE}.")
    int txDesc;

    @Option(
            names = "--burst",
            defaultValue = "32",
            description = "Packets per burst, 1.." + RunSpec.MAX_BURST + ". Default: ${DEFAULT-VALUE}.")
    int burst;

    @Option(names = "--duration", description = "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    Double durationSeconds;

    @Option(names = "--stats-interval", description = "Print counters every this many seconds (default: only at exit).")
    Double statsIntervalSeconds;

    @Option(names = "--eal-arg", paramLabel = "ARG", description = "Extra EAL argument, passed verbatim; repeatable.")
    List<String> ealArgs = new ArrayList<>();

    @Option(
            names = "--instance",
            defaultValue = "default",
            description =
                    "Instance name; the counters file is COUNTERS_DIR/NAME/counters.dat. Default: ${DEFAULT-VALUE}.")
    String instance;

    @Option(
            names = "--metrics",
            paramLabel = "HOST:PORT",
            description =
                    "Serve Prometheus metrics here (port 0: any free port). Default: the config's metrics.listen; none without a config.")
    String metricsListen;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Load-balancer configuration (docs/CONFIG.md): ports, workers, services. Implies --mode lb.")
    Path configFile;

    @Option(
            names = "--counters-dir",
            defaultValue = CountersLayout.DEFAULT_DIRECTORY,
            description = "Directory of counters files. Default: ${DEFAULT-VALUE}.")
    Path countersDir;

    @Override
    public Integer call() throws InterruptedException {
        if ("lb".equals(mode) && configFile == null) {
            throw new UsageException("--mode lb needs --config FILE (the services to balance)");
        }
        final RunSpec spec = configFile != null
                ? fromConfig(loadConfig(configFile), HostCpus.allowed())
                : toSpec(HostCpus.allowed());
        Launcher.run(spec, configFile, metricsListen, System.out);
        return LevitateCli.EXIT_OK;
    }

    private static LevitateConfig loadConfig(final Path file) {
        final ConfigResult result;
        try {
            result = ConfigReader.read(file);
        } catch (final IOException ex) {
            throw new LevitateException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        if (!result.valid()) {
            final List<String> lines = new ArrayList<>();
            result.errors().forEach(e -> lines.add(e.toString()));
            throw new LevitateException("invalid configuration (" + lines.size() + " error(s); levitate check " + file
                    + " lists them): " + lines.getFirst());
        }
        ConfigWarnings.starvedBackends(result, result.config().buildTables())
                .forEach(w -> System.err.println("levitate: " + w));
        return result.config();
    }

    private boolean given(final String option) {
        return commandSpec != null
                && commandSpec.commandLine().getParseResult() != null
                && commandSpec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** A {@link RunSpec} from a configuration file; command-line run options still apply. */
    RunSpec fromConfig(final LevitateConfig config, final List<Integer> allowedCpus) {
        final InstanceConfig instanceConfig = config.instance();
        // --port given with --config replaces the configuration's ports (benchmarks, tests).
        if (ports.isEmpty()) {
            for (final PortConfig p : instanceConfig.ports()) {
                ports.add(p.device().spec());
            }
        }
        // Options given on the command line win over the file (benchmarks, one-off runs).
        if (!given("--workers")) {
            workers = instanceConfig.workers();
        }
        if (!given("--cores")) {
            cores = new ArrayList<>(instanceConfig.cores());
        }
        if (!given("--main-core")) {
            mainCore = instanceConfig.mainCore();
        }
        if (!given("--no-huge") && !given("--in-memory")) {
            noHuge = instanceConfig.hugepages() == MemoryMode.NO_HUGE;
            inMemory = instanceConfig.hugepages() == MemoryMode.HUGEPAGES;
        }
        if (!given("--memory-mb")) {
            memoryMb = instanceConfig.memoryMb();
        }
        if (mbufs == null && instanceConfig.mbufs() > 0) {
            mbufs = instanceConfig.mbufs();
        }
        instance = instanceConfig.name();
        if (instanceConfig.countersDir() != null) {
            countersDir = instanceConfig.countersDir();
        }
        mode = "l2fwd";
        exceptionPorts = instanceConfig.exceptionTap() != null || instanceConfig.healthPrefix() != null
                ? instanceConfig.ports().size()
                : 0;
        final RunSpec base = toSpec(allowedCpus);
        return new RunSpec(
                base.ports(),
                base.workers(),
                base.workerCores(),
                base.mainCore(),
                base.filePrefix(),
                base.memoryMode(),
                base.memoryMb(),
                base.mbufs(),
                base.rxDescriptors(),
                base.txDescriptors(),
                base.burst(),
                base.duration(),
                base.statsInterval(),
                base.extraEalArgs(),
                base.instance(),
                base.countersDir(),
                config);
    }

    /** Validates the options into a {@link RunSpec}; every problem is a one-line {@link UsageException}. */
    RunSpec toSpec(final List<Integer> allowedCpus) {
        if (instance == null || !instance.matches("[A-Za-z0-9_.-]{1,64}") || instance.startsWith(".")) {
            throw new UsageException(
                    "--instance must be 1-64 characters of A-Z a-z 0-9 _ . - (not starting with a dot)");
        }
        if (!"l2fwd".equals(mode) && !"lb".equals(mode)) {
            throw new UsageException("unknown --mode '" + mode + "'; supported: l2fwd, lb (with --config)");
        }
        if (ports.isEmpty()) {
            throw new UsageException(
                    "no ports: give at least one --port (PCI address or vdev such as net_pcap0,rx_pcap=FILE)");
        }
        final List<PortSpec> portSpecs = new ArrayList<>();
        for (final String p : ports) {
            try {
                portSpecs.add(PortSpec.parse(p));
            } catch (final LevitateException ex) {
                throw new UsageException(ex.getMessage());
            }
        }
        if (workers < 1) {
            throw new UsageException("--workers must be at least 1, got " + workers);
        }
        if (workers > allowedCpus.size()) {
            throw new UsageException(workers + " workers need " + workers + " CPUs but this process may use "
                    + allowedCpus.size() + " (" + allowedCpus + "); lower --workers");
        }
        if (!allowedCpus.contains(mainCore)) {
            throw new UsageException("--main-core " + mainCore + " is not an allowed CPU " + allowedCpus);
        }
        final List<Integer> workerCores = cores.isEmpty() ? defaultCores(allowedCpus) : List.copyOf(cores);
        if (workerCores.size() != workers) {
            throw new UsageException(
                    "--cores lists " + workerCores.size() + " CPUs for " + workers + " workers; give one per worker");
        }
        final Set<Integer> distinct = new HashSet<>();
        for (final int cpu : workerCores) {
            if (!allowedCpus.contains(cpu)) {
                throw new UsageException("CPU " + cpu + " in --cores is not available to this process " + allowedCpus);
            }
            if (!distinct.add(cpu)) {
                throw new UsageException("CPU " + cpu + " appears twice in --cores; a worker needs a CPU of its own");
            }
        }
        if (inMemory && noHuge) {
            throw new UsageException("--in-memory (hugepages) and --no-huge exclude each other");
        }
        if (burst < 1 || burst > RunSpec.MAX_BURST) {
            throw new UsageException("--burst must be 1.." + RunSpec.MAX_BURST + ", got " + burst);
        }
        if (rxDesc < 1 || rxDesc > 32768 || txDesc < 1 || txDesc > 32768) {
            throw new UsageException("--rx-desc/--tx-desc must be 1..32768");
        }
        if (memoryMb < 64) {
            throw new UsageException("--memory-mb must be at least 64");
        }
        final int pool = mbufs != null ? mbufs : defaultMbufs(portSpecs.size());
        if (pool < 1023) {
            throw new UsageException("--mbufs must be at least 1023, got " + pool);
        }
        final Duration duration = seconds(durationSeconds, "--duration");
        final Duration statsInterval = seconds(statsIntervalSeconds, "--stats-interval");
        final MemoryMode memory = inMemory ? MemoryMode.HUGEPAGES : noHuge ? MemoryMode.NO_HUGE : MemoryMode.AUTO;
        return new RunSpec(
                portSpecs,
                workers,
                workerCores,
                mainCore,
                filePrefix != null
                        ? filePrefix
                        : "levitate-" + ProcessHandle.current().pid(),
                memory,
                memoryMb,
                pool,
                rxDesc,
                txDesc,
                burst,
                duration,
                statsInterval,
                ealArgs,
                instance,
                countersDir,
                null);
    }

    /** CPUs after the main core when there are enough, so workers do not share it; else all allowed CPUs. */
    private List<Integer> defaultCores(final List<Integer> allowedCpus) {
        final List<Integer> others = new ArrayList<>(allowedCpus);
        others.remove(Integer.valueOf(mainCore));
        if (others.size() >= workers) {
            return others.subList(0, workers);
        }
        return allowedCpus.subList(0, workers);
    }

    /** Data ports whose exception TAPs (instance.exception_path: tap) draw on the pool too. */
    private int exceptionPorts;

    /** Every RX ring full, every TX ring full (exception TAPs' too), every worker's burst and cache, rounded to 2^k - 1. */
    private int defaultMbufs(final int portCount) {
        final long need = (long) portCount * workers * (rxDesc + txDesc)
                + (long) workers * (2L * burst + 512)
                + (long) exceptionPorts * workers * 2L * io.levitate.forwarder.DataPlane.EXCEPTION_RING;
        long size = 8191;
        while (size < need) {
            size = size * 2 + 1;
        }
        return (int) Math.min(size, Integer.MAX_VALUE);
    }

    private static Duration seconds(final Double value, final String option) {
        if (value == null) {
            return null;
        }
        if (!(value > 0) || value > 1e7) {
            throw new UsageException(option + " must be a positive number of seconds, got " + value);
        }
        return Duration.ofNanos((long) (value * 1e9));
    }
}
