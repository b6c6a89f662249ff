package io.levitate.perf.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The samples of one scenario, their statistics, the human table and the JSON object. */
final class ScenarioReport {

    /** One contender's launches in a scenario ({@code skipReason} set when it was not run). */
    static final class Entry {
        final Contender contender;
        final String command;
        final String skipReason;
        final List<ContenderRun.Sample> samples = new ArrayList<>();

        Entry(Contender contender, String command, String skipReason) {
            this.contender = contender;
            this.command = command;
            this.skipReason = skipReason;
        }

        double[] mpps() {
            return samples.stream()
                    .filter(ContenderRun.Sample::ok)
                    .mapToDouble(ContenderRun.Sample::mpps)
                    .toArray();
        }

        double median() {
            return ScenarioReport.median(mpps());
        }

        /** Mpps per core-second the forwarding thread actually ran: less sensitive to a shared CPU. */
        double[] mppsPerCpu() {
            return samples.stream()
                    .filter(ContenderRun.Sample::ok)
                    .mapToDouble(s -> s.mpps() / s.cpu().onCpu())
                    .filter(Double::isFinite)
                    .toArray();
        }
    }

    final Scenario scenario;
    final Map<String, Object> context;
    final List<Entry> entries = new ArrayList<>();

    /** {@code context}: the run's parameters, written first in the JSON in insertion order. */
    ScenarioReport(Scenario scenario, Map<String, Object> context) {
        this.scenario = scenario;
        this.context = context;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    private double baseline(String name) {
        return entries.stream()
                .filter(e -> e.contender.name().equals(name))
                .findFirst()
                .map(Entry::median)
                .orElse(Double.NaN);
    }

    private double baselinePerCpu(String name) {
        return entries.stream()
                .filter(e -> e.contender.name().equals(name))
                .findFirst()
                .map(e -> median(e.mppsPerCpu()))
                .orElse(Double.NaN);
    }

    String table() {
        double testpmd = baseline(Contender.TESTPMD_IO);
        double l3fwd = baseline(Contender.L3FWD_EM);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n== %s: %s%n", scenario.name(), scenario.description()));
        sb.append(String.format(
                Locale.ROOT,
                "   %s flows, %s packets of %s B, %s rounds x %s s (warm-up %s s), %s, pool %s mbufs%n",
                context.get("flows"),
                context.get("pcap_packets"),
                context.get("frame_size"),
                context.get("rounds"),
                context.get("seconds"),
                context.get("warmup_seconds"),
                Boolean.TRUE.equals(context.get("hugepages")) ? "hugepages" : "no hugepages",
                context.get("mbufs")));
        double testpmdPerCpu = baselinePerCpu(Contender.TESTPMD_IO);
        String own = scenario.baseline();
        double base = own == null ? Double.NaN : baseline(own);
        sb.append(String.format(
                Locale.ROOT,
                "%-18s %8s %8s %8s %12s %12s %9s %9s%s  %s%n",
                "contender",
                "median",
                "min",
                "max",
                "x testpmd-io",
                "x l3fwd-em",
                "Mpps/cpu",
                "x testpmd",
                own == null ? "" : String.format(Locale.ROOT, " %18s", "x " + own),
                "per round: Mpps (rx Mpps, fwd thread on-CPU %)"));
        for (Entry e : entries) {
            if (e.skipReason != null) {
                sb.append(String.format(Locale.ROOT, "%-18s skipped: %s%n", e.contender.name(), e.skipReason));
                continue;
            }
            double[] v = e.mpps();
            double med = median(v);
            StringBuilder rounds = new StringBuilder();
            for (ContenderRun.Sample s : e.samples) {
                rounds.append(
                        s.ok()
                                ? String.format(
                                        Locale.ROOT,
                                        "%.2f (%.2f, %.0f%%) ",
                                        s.mpps(),
                                        s.rxMpps(),
                                        100 * s.cpu().onCpu())
                                : "FAILED(" + s.error() + ") ");
            }
            double perCpu = median(e.mppsPerCpu());
            sb.append(String.format(
                    Locale.ROOT,
                    "%-18s %8.2f %8.2f %8.2f %12s %12s %9.2f %9s%s  %s%n",
                    e.contender.name(),
                    med,
                    Arrays.stream(v).min().orElse(Double.NaN),
                    Arrays.stream(v).max().orElse(Double.NaN),
                    ratio(med, testpmd),
                    ratio(med, l3fwd),
                    perCpu,
                    ratio(perCpu, testpmdPerCpu),
                    own == null ? "" : String.format(Locale.ROOT, " %18s", ratio(med, base)),
                    rounds.toString().trim()));
        }
        if (FlowScenarios.extras(scenario) != null) {
            sb.append(FlowScenarios.table(this, establishedShare()));
        }
        return sb.toString();
    }

    /** For the flow scenarios: the share of received frames that are established flows' packets. */
    private double establishedShare() {
        return context.get("established_packet_share") instanceof Double d ? d : Double.NaN;
    }

    private static String ratio(double value, double base) {
        double r = value / base;
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.3f", r) : "-";
    }

    Map<String, Object> json() {
        double testpmd = baseline(Contender.TESTPMD_IO);
        double l3fwd = baseline(Contender.L3FWD_EM);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenario.name());
        root.put("description", scenario.description());
        root.putAll(context);
        List<Object> contenders = new ArrayList<>();
        for (Entry e : entries) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", e.contender.name());
            c.put("command", e.command);
            if (e.skipReason != null) {
                c.put("status", "skipped");
                c.put("skip_reason", e.skipReason);
                contenders.add(c);
                continue;
            }
            double[] v = e.mpps();
            long failed = e.samples.stream().filter(s -> !s.ok()).count();
            c.put("status", v.length == 0 ? "failed" : failed > 0 ? "partial" : "ok");
            Map<String, Object> mpps = new LinkedHashMap<>();
            mpps.put("median", round3(median(v)));
            mpps.put("min", round3(Arrays.stream(v).min().orElse(Double.NaN)));
            mpps.put("max", round3(Arrays.stream(v).max().orElse(Double.NaN)));
            c.put("mpps", mpps);
            c.put("ratio_vs_testpmd_io", round3(median(v) / testpmd));
            c.put("ratio_vs_l3fwd_em", round3(median(v) / l3fwd));
            if (scenario.baseline() != null) {
                c.put(
                        "ratio_vs_" + scenario.baseline().replace('-', '_'),
                        round3(median(v) / baseline(scenario.baseline())));
            }
            // Secondary, for shared machines: Mpps per second the forwarding thread was on a CPU.
            c.put("mpps_per_cpu_median", round3(median(e.mppsPerCpu())));
            c.put("ratio_per_cpu_vs_testpmd_io", round3(median(e.mppsPerCpu()) / baselinePerCpu(Contender.TESTPMD_IO)));
            c.put("ratio_per_cpu_vs_l3fwd_em", round3(median(e.mppsPerCpu()) / baselinePerCpu(Contender.L3FWD_EM)));
            List<Object> rounds = new ArrayList<>();
            for (ContenderRun.Sample s : e.samples) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("round", s.round());
                r.put("mpps", round3(s.mpps()));
                r.put("rx_mpps", round3(s.rxMpps()));
                r.put("measured_seconds", round3(s.seconds()));
                r.put("fwd_thread_on_cpu_share", round3(s.cpu().onCpu()));
                r.put("fwd_thread_runqueue_wait_share", round3(s.cpu().waiting()));
                r.put("loadavg_1m", s.loadAverage());
                r.put("exit_code", s.exitCode());
                r.put("error", s.error());
                r.put("log", s.log().toString());
                if (s.ok() && s.counters() != null) {
                    r.put(
                            "levitate_counters",
                            FlowScenarios.figures(
                                    FlowScenarios.extras(scenario),
                                    s.counters(),
                                    establishedShare(),
                                    e.contender.workers()));
                }
                rounds.add(r);
            }
            c.put(
                    "samples_mpps",
                    Arrays.stream(e.samples.stream()
                                    .mapToDouble(ContenderRun.Sample::mpps)
                                    .toArray())
                            .mapToObj(ScenarioReport::round3)
                            .toList());
            c.put("round_details", rounds);
            if (FlowScenarios.extras(scenario) != null) {
                c.put(
                        "levitate_counters_median",
                        FlowScenarios.medians(FlowScenarios.extras(scenario), e, establishedShare()));
            }
            contenders.add(c);
        }
        root.put("contenders", contenders);
        return root;
    }

    private static Double round3(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : null;
    }
}
