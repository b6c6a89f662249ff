package io.levitate.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs scenarios: generates (or reuses) the pcap, then launches the contenders in alternating
 * rounds (A B C A B C …) on the same vdevs, cores, memory and packets, measures each from
 * outside ({@link ContenderRun}), prints a table and writes one JSON file per scenario. Started
 * by {@code scripts/bench.sh}, which builds what is needed and passes the tool paths.
 */
@Command(
        name = "bench.sh",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Throughput of Levitate vs testpmd io and l3fwd EM, same vdevs (net_pcap infinite_rx -> "
                    + "net_null), same core, same packets; measured through DPDK telemetry from outside each process."
        })
public final class BenchRunner implements Callable<Integer> {
    /** Pool headroom above the pcap's packets: bursts in flight plus per-lcore mempool caches. */
    static final long MBUF_HEADROOM = 8192;

    static final long MIN_MBUFS = 16384;
    /** Per mbuf in a pool: 2176-byte data room + 128-byte struct rte_mbuf + mempool header, rounded up. */
    static final long MBUF_FOOTPRINT_BYTES = 2560;
    /** EAL memory beyond the pool: l3fwd alone creates two 4 M-entry hash tables (IPv4 and IPv6). */
    static final long BASE_MEMORY_MB = 768;
    /** l3fwd.h: L3FWD_HASH_ENTRIES on 64-bit, the most rules its EM table takes. */
    static final long L3FWD_HASH_ENTRIES = 4L * 1024 * 1024;

    @Option(
            names = "--scenario",
            split = ",",
            defaultValue = "l2fwd",
            description = "scenario(s) to run, comma-separated (default ${DEFAULT-VALUE}); see --list")
    List<String> scenarios;

    @Option(names = "--list", description = "list scenarios and exit")
    boolean list;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds per contender (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description = "measured seconds per round (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(
            names = "--warmup",
            defaultValue = "3",
            description =
                    "seconds of forwarding before t0, for every contender (JIT warm-up; default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--flows", description = "override the scenario's established flows (1k..10M; pool limits replay)")
    Long flows;

    @Option(
            names = "--sweep-flows",
            split = ",",
            description = "flow counts of a sweep scenario, comma-separated (default: the sweep's own; see --list)")
    List<Long> sweepFlows;

    @Option(
            names = "--packets",
            defaultValue = "0",
            description = "packets in the pcap; 0 = one per flow plus SYN share")
    long packets;

    @Option(names = "--syn-share", description = "override the scenario's share of SYN packets (new flows), [0,1)")
    Double synShare;

    @Option(names = "--ipv6", description = "IPv6 traffic instead of the scenario's default")
    boolean ipv6;

    @Option(names = "--frame-size", defaultValue = "0", description = "frame size incl. FCS; 0 = 64 (IPv4) / 78 (IPv6)")
    int frameSize;

    @Option(names = "--seed", defaultValue = "1", description = "pcap generator seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--contenders", split = ",", description = "run only these contenders (names as in the table)")
    List<String> only;

    @Option(
            names = "--hugepages",
            defaultValue = "auto",
            description =
                    "auto (reserve, else fall back), yes (fail without), no (--no-huge for all); default ${DEFAULT-VALUE}")
    String hugepages;

    @Option(
            names = "--main-core",
            defaultValue = "0",
            description = "EAL main lcore of every contender (default ${DEFAULT-VALUE})")
    int mainCore;

    @Option(
            names = "--fwd-core",
            defaultValue = "1",
            description = "forwarding core of every contender (default ${DEFAULT-VALUE})")
    int fwdCore;

    @Option(
            names = "--start-timeout",
            defaultValue = "120",
            description = "seconds a contender may take to start forwarding (default ${DEFAULT-VALUE})")
    int startTimeout;

    @Option(
            names = "--work-dir",
            defaultValue = "/var/tmp/levitate-bench",
            description = "pcaps, rules and logs, outside the repository (default ${DEFAULT-VALUE})")
    Path workDir;

    @Option(names = "--results-dir", defaultValue = "perf/results", description = "JSON output directory")
    Path resultsDir;

    @Option(names = "--testpmd", defaultValue = "/usr/bin/dpdk-testpmd", description = "testpmd binary")
    Path testpmd;

    @Option(
            names = "--l3fwd",
            defaultValue = "/var/tmp/levitate-bench/l3fwd/l3fwd/build/l3fwd",
            description = "l3fwd binary")
    Path l3fwd;

    @Option(names = "--levitate", defaultValue = "scripts/levitate", description = "Levitate launcher")
    Path levitate;

    @Option(
            names = "--levitate-jar",
            defaultValue = "forwarder/target/levitate.jar",
            description = "the jar the launcher runs (Levitate is skipped while it does not exist)")
    Path levitateJar;

    @Option(names = "--git-commit", defaultValue = "unknown", description = "recorded in the JSON")
    String gitCommit;

    @Option(names = "--dpdk-version", defaultValue = "unknown", description = "recorded in the JSON")
    String dpdkVersion;

    @Option(names = "--run-id", defaultValue = "0", description = "tags file prefixes (lvb<id>-…) for cleanup")
    String runId;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchRunner())
                .setOverwrittenOptionsAllowed(true)
                .execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (list) {
            for (Scenario s : Scenario.ALL) {
                System.out.printf(
                        "%-10s %s%n           contenders: %s%n",
                        s.name(),
                        s.description(),
                        s.contenders().stream().map(Contender::name).toList());
            }
            for (Sweep w : Sweep.ALL) {
                System.out.printf(
                        "%-10s %s%n           flows: %s; contenders: %s%n",
                        w.name(),
                        w.description(),
                        w.flows(),
                        w.scenario().contenders().stream().map(Contender::name).toList());
            }
            return 0;
        }
        if (rounds < 1 || seconds < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "rounds, seconds must be >= 1, warmup >= 0");
        }
        List<Scenario> selected = new ArrayList<>();
        List<Sweep> sweeps = new ArrayList<>();
        for (String name : scenarios) {
            Scenario s = Scenario.BY_NAME.get(name);
            if (s == null && Sweep.BY_NAME.containsKey(name)) {
                sweeps.add(Sweep.BY_NAME.get(name));
                continue;
            }
            if (s == null) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this),
                        "unknown scenario " + name + "; known: " + Scenario.BY_NAME.keySet() + " and sweeps "
                                + Sweep.BY_NAME.keySet());
            }
            selected.add(s);
        }
        if (sweepFlows != null && sweepFlows.stream().anyMatch(f -> f < 1 || f > TrafficSpec.MAX_FLOWS)) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--sweep-flows: each in [1, " + TrafficSpec.MAX_FLOWS + "]");
        }
        if (only != null) {
            List<String> known = Stream.concat(
                            selected.stream(), sweeps.stream().map(Sweep::scenario))
                    .flatMap(s -> s.contenders().stream())
                    .map(Contender::name)
                    .toList();
            for (String name : only) {
                if (!known.contains(name)) {
                    throw new CommandLine.ParameterException(
                            new CommandLine(this),
                            "unknown contender " + name + " for the selected scenarios; known: " + known);
                }
            }
        }
        Hugepages pages = new Hugepages();
        Thread hook = new Thread(
                () -> {
                    ContenderRun.stopAll();
                    pages.release();
                },
                "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        String stamp = OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        int failures = 0;
        try {
            for (Scenario s : selected) {
                failures += runScenario(s, stamp, pages);
            }
            for (Sweep w : sweeps) {
                failures += runSweep(w, stamp, pages);
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("bench: error: " + e.getMessage());
            return 2;
        } finally {
            pages.release();
        }
        return failures == 0 ? 0 : 1;
    }

    /** Returns the number of contenders without a single good sample. */
    private int runScenario(Scenario scenario, String stamp, Hugepages pages) throws IOException {
        FlowScenarios.Extras extras = FlowScenarios.extras(scenario);
        TrafficSpec spec = new TrafficSpec(
                flows != null ? flows : scenario.flows(),
                packets == 0 && extras != null ? extras.packets() : packets,
                synShare != null ? synShare : scenario.synShare(),
                ipv6 || scenario.ipv6(),
                frameSize,
                1,
                80,
                seed,
                extras != null ? extras.synVipOffset() : 0);
        Path pcapDir = Files.createDirectories(workDir.resolve("pcap"));
        // "-gw": the gateway's ARP reply, and for IPv6 its neighbour advertisement (a new name, so a
        // cached "-gwarp" IPv6 pcap from before the advertisement is not reused).
        String stem = spec.fileStem() + (scenario.gatewayArp() ? "-gw" : "");
        Path pcap = pcapDir.resolve(stem + ".pcap");
        Path rules = pcapDir.resolve(stem + ".l3fwd-rules");
        // net_pcap keeps every packet of the pcap in an mbuf, once per rx queue (one per worker).
        int copies = scenario.contenders().stream()
                .filter(c -> only == null || only.contains(c.name()))
                .mapToInt(Contender::workers)
                .max()
                .orElse(1);
        long mbufs = Math.max(MIN_MBUFS, roundUp(copies * spec.totalPackets() + MBUF_HEADROOM, 1024));
        int memoryMb = (int) (BASE_MEMORY_MB + (mbufs * MBUF_FOOTPRINT_BYTES >> 20));
        long availableMb = memAvailableMb();
        if (memoryMb > availableMb * 8 / 10) {
            throw new IOException(String.format(
                    "%s: replaying %d packets needs ≈ %d MB per contender (every packet "
                            + "stays in an mbuf with infinite_rx), more than 80%% of the %d MB available; use fewer flows or "
                            + "--packets (the pcap generator alone writes any size)",
                    scenario.name(), spec.totalPackets(), memoryMb, availableMb));
        }
        PcapGenerator.Summary summary = ensurePcap(spec, pcap, rules, scenario.gatewayArp());
        Path placeholder = writePlaceholderRules(pcapDir, !spec.ipv6());
        boolean huge = switch (hugepages) {
            case "no" -> false;
            case "yes" -> {
                if (!pages.reserve(memoryMb)) {
                    throw new IOException("--hugepages yes: could not reserve " + memoryMb + " MB");
                }
                yield true;
            }
            default -> pages.reserve(memoryMb);
        };
        int safety = warmup + seconds + startTimeout + 60;
        RunSetup setup = new RunSetup(
                pcap,
                spec.ipv6() ? placeholder : rules,
                spec.ipv6() ? rules : placeholder,
                spec.ipv6(),
                mbufs,
                huge,
                memoryMb,
                mainCore,
                fwdCore,
                new RunSetup.Tools(testpmd, l3fwd, levitate, levitateJar.toAbsolutePath()),
                safety);

        Map<String, Object> context = context(spec, summary, pcap, mbufs, copies, huge, memoryMb);
        if (extras != null) {
            // The gateway's ARP reply is a frame of every loop too, and the workers count it as received.
            long frames = summary.packets() + (scenario.gatewayArp() ? 1 : 0);
            context.put("established_packet_share", (double) (summary.packets() - summary.synPackets()) / frames);
            context.put("syn_vip_offset", spec.synVipOffset());
        }
        ScenarioReport report = new ScenarioReport(scenario, context);
        List<ScenarioReport.Entry> runnable = new ArrayList<>();
        for (Contender c : scenario.contenders()) {
            if (only != null && !only.contains(c.name())) {
                continue;
            }
            String skip = skipReason(c, summary, mbufs);
            ScenarioReport.Entry entry =
                    new ScenarioReport.Entry(c, skip == null ? shellWords(c.command(setup, prefix(c, 1))) : null, skip);
            report.entries.add(entry);
            if (skip == null) {
                runnable.add(entry);
            } else {
                System.out.printf(
                        "bench: %s: skipping %s: %s%n",
                        sweepPoint != null ? sweepPoint.label() : scenario.name(), c.name(), skip);
            }
        }
        // A sweep's point: its own name in log files and progress lines, e.g. sweep-f10000.
        String label = sweepPoint != null ? sweepPoint.label() : scenario.name();
        Path logDir = workDir.resolve("logs").resolve(stamp);
        System.out.printf(
                "bench: %s: %s, %d packets, pool %d mbufs, %s; logs in %s%n",
                label,
                pcap,
                summary.packets(),
                mbufs,
                huge ? "hugepages (--in-memory)" : "--no-huge -m " + memoryMb,
                logDir);
        for (int round = 1; round <= rounds; round++) {
            for (ScenarioReport.Entry e : runnable) {
                String prefix = prefix(e.contender, round);
                Path log = logDir.resolve(label + "-" + e.contender.name() + "-r" + round + ".log");
                System.out.printf("bench: %s round %d/%d: %-16s ", label, round, rounds, e.contender.name());
                System.out.flush();
                ContenderRun.Sample s = ContenderRun.measure(
                        e.contender.command(setup, prefix),
                        prefix,
                        log,
                        round,
                        warmup,
                        seconds,
                        startTimeout,
                        extras != null ? LevitateCounters.fileOf(e.contender) : null);
                e.samples.add(s);
                System.out.println(
                        s.ok()
                                ? String.format("%.2f Mpps (rx %.2f)", s.mpps(), s.rxMpps())
                                : "FAILED: " + s.error() + " (see " + log + ")");
            }
        }
        System.out.print(report.table());
        if (sweepPoint != null) {
            sweepPoint.report = report;
        } else {
            writeResult(scenario.name(), stamp, report.json());
        }
        return (int) runnable.stream().filter(e -> e.mpps().length == 0).count();
    }

    /** Set while {@link #runSweep} runs a point: the point's label, then what it measured. */
    private SweepPoint sweepPoint;

    private static final class SweepPoint {
        private final String label;
        private ScenarioReport report;

        SweepPoint(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /**
     * Runs {@code sweep.scenario()} at each flow count and writes one file holding every point
     * (rewritten after each point, so an interrupted sweep keeps what it measured). Returns the
     * number of (point, contender) pairs without a single good sample.
     */
    private int runSweep(Sweep sweep, String stamp, Hugepages pages) throws IOException {
        List<Long> points = sweepFlows != null ? sweepFlows : sweep.flows();
        if (flows != null) {
            System.out.printf("bench: %s: --flows does not apply to a sweep (--sweep-flows does)%n", sweep.name());
        }
        int contenders = (int) sweep.scenario().contenders().stream()
                .filter(c -> only == null || only.contains(c.name()))
                .count();
        long expected = Sweep.expectedSeconds(points, contenders, rounds, warmup, seconds);
        System.out.printf(
                "bench: %s: %d flow counts %s x %d contenders x %d rounds x (%d s warm-up + %d s measured + ≈ %d s "
                        + "start/stop): expect ≈ %d min %02d s, plus generating pcaps not yet in %s%n",
                sweep.name(),
                points.size(),
                points,
                contenders,
                rounds,
                warmup,
                seconds,
                Sweep.LAUNCH_OVERHEAD_SECONDS,
                expected / 60,
                expected % 60,
                workDir.resolve("pcap"));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", sweep.name());
        root.put("description", sweep.description());
        root.put("sweep_of", sweep.scenario().name());
        root.put("flows_points", points);
        List<Object> results = new ArrayList<>();
        int failures = 0;
        Long given = flows;
        for (long f : points) {
            // runScenario takes the flow count from --flows and hands the report back to here.
            flows = f;
            sweepPoint = new SweepPoint(sweep.name() + "-f" + f);
            try {
                failures += runScenario(sweep.scenario(), stamp, pages);
            } finally {
                flows = given;
            }
            Map<String, Object> point = sweepPoint.report.json();
            sweepPoint = null;
            if (results.isEmpty()) {
                // The run's parameters once at the top (the same at every point but flows and pool).
                for (String k : SWEEP_COMMON_FIELDS) {
                    root.put(k, point.get(k));
                }
            }
            results.add(point);
            root.put("points", results);
            writeResult(sweep.name(), stamp, root);
        }
        return failures;
    }

    /** Fields of a point's JSON that a sweep's file also has at the top. */
    static final List<String> SWEEP_COMMON_FIELDS = List.of(
            "date",
            "git_commit",
            "syn_share",
            "ipv6",
            "frame_size",
            "seed",
            "seconds",
            "warmup_seconds",
            "rounds",
            "hugepages",
            "burst",
            "cores",
            "method",
            "machine");

    /** Writes {@code results-dir/<name>-<stamp>.json} and its chart beside it. */
    private void writeResult(String name, String stamp, Map<String, Object> json) throws IOException {
        Files.createDirectories(resultsDir);
        Path file = resultsDir.resolve(name + "-" + stamp + ".json");
        Files.writeString(file, Json.write(json));
        System.out.println("bench: wrote " + file);
        Charts.drawQuietly(file);
    }

    private String prefix(Contender c, int round) {
        return "lvb" + runId + "-" + c.name() + "-r" + round;
    }

    private String skipReason(Contender c, PcapGenerator.Summary summary, long mbufs) {
        return switch (c.kind()) {
            case TESTPMD -> Files.isExecutable(testpmd) ? null : testpmd + " not found";
            case L3FWD ->
                !Files.isExecutable(l3fwd)
                        ? l3fwd + " not built"
                        : mbufs > Contender.l3fwdMaxMbufs()
                                ? "pcap too large for l3fwd's pool (max " + Contender.l3fwdMaxMbufs()
                                        + " mbufs via its queue sizes)"
                                : summary.distinctTuples() > L3FWD_HASH_ENTRIES
                                        ? "more 5-tuples than l3fwd's EM table holds"
                                        : null;
            case LEVITATE -> Files.isRegularFile(levitateJar) ? null : levitateJar + " not built";
        };
    }

    private PcapGenerator.Summary ensurePcap(TrafficSpec spec, Path pcap, Path rules, boolean gatewayArp)
            throws IOException {
        Path tmpPcap = pcap.resolveSibling(pcap.getFileName() + ".tmp");
        Path tmpRules = rules.resolveSibling(rules.getFileName() + ".tmp");
        // Regenerating is cheap next to a run and always gives the same bytes (seeded), so a file
        // that exists is reused only when both exist (the generator writes them together).
        if (!(Files.isRegularFile(pcap) && Files.isRegularFile(rules))) {
            System.out.printf("bench: generating %s%n", pcap);
            PcapGenerator.generate(
                    spec,
                    PcapGenerator.parseVip(PcapGenerator.DEFAULT_VIP4),
                    tmpPcap,
                    tmpRules,
                    1 /* the sink's port id */,
                    gatewayArp);
            Files.move(tmpRules, rules, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpPcap, pcap, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        long total = spec.totalPackets();
        long syn = Math.round(total * spec.synShare());
        return new PcapGenerator.Summary(
                total, spec.flows(), syn, spec.frameSize() - TcpFrameBuilder.FCS_LENGTH, Files.size(pcap));
    }

    /**
     * l3fwd EM insists on both rule files, each with at least one rule; the family not under
     * test gets one documentation-address rule that no packet matches.
     */
    private static Path writePlaceholderRules(Path dir, boolean v6) throws IOException {
        Path p = dir.resolve(v6 ? "placeholder.l3fwd-rules6" : "placeholder.l3fwd-rules4");
        String rule = v6 ? "R2001:db8:ffff:ffff::1 2001:db8:ffff:ffff::2 9 9 6 1\n" : "R192.0.2.1 192.0.2.2 9 9 6 1\n";
        Files.writeString(p, "# no packet of the benchmark matches this rule; l3fwd needs one per family\n" + rule);
        return p;
    }

    private Map<String, Object> context(
            TrafficSpec spec,
            PcapGenerator.Summary summary,
            Path pcap,
            long mbufs,
            int copies,
            boolean huge,
            int memoryMb) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put(
                "date",
                OffsetDateTime.now(ZoneOffset.UTC)
                        .truncatedTo(ChronoUnit.SECONDS)
                        .toString());
        c.put("git_commit", gitCommit);
        c.put("flows", spec.flows());
        c.put("pcap_packets", summary.packets());
        c.put("distinct_5tuples", summary.distinctTuples());
        c.put("syn_share", spec.synShare());
        c.put("ipv6", spec.ipv6());
        c.put("frame_size", spec.frameSize());
        c.put("seed", spec.seed());
        c.put("pcap", pcap.toString());
        c.put("seconds", seconds);
        c.put("warmup_seconds", warmup);
        c.put("rounds", rounds);
        c.put("hugepages", huge);
        c.put("memory", huge ? "--in-memory on 2 MB hugepages" : "--no-huge -m " + memoryMb);
        c.put("mbufs", mbufs);
        c.put("pcap_copies_in_pool", copies);
        c.put("burst", Contender.BURST);
        Map<String, Object> cores = new LinkedHashMap<>();
        cores.put("main", mainCore);
        cores.put("forwarding", fwdCore);
        c.put("cores", cores);
        c.put(
                "method",
                "sink port (net_null0) opackets read over the DPDK telemetry socket at t0 (after warm-up) "
                        + "and t1; Mpps = delta / (t1 - t0). rx_mpps: source port (net_pcap0) ipackets over the same interval. "
                        + "fwd_thread_on_cpu_share: the contender's busiest thread's on-CPU time over the interval "
                        + "(/proc/<pid>/task/*/schedstat), a noise gauge; mpps_per_cpu = Mpps / that share.");
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        machine.put("cpu_model", cpuModel());
        machine.put("kernel", System.getProperty("os.version"));
        machine.put("dpdk", dpdkVersion);
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        c.put("machine", machine);
        return c;
    }

    private static long memAvailableMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: no limit known
        }
        return Long.MAX_VALUE / 2;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    /** The command as a shell would need it typed (for copying from the JSON). */
    static String shellWords(List<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(w.matches("[A-Za-z0-9_./,=:+@%-]+") ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }

    private static long roundUp(long v, long multiple) {
        return (v + multiple - 1) / multiple * multiple;
    }
}
