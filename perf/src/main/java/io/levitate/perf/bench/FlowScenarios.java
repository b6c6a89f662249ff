package io.levitate.perf.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The scenarios about new flows, and the figures they add from Levitate's own counters
 * ({@link LevitateCounters}): {@code newflows} (nearly every packet a new flow, against a table too
 * small to keep them) and {@code flood} (established flows beside a SYN flood from unique sources).
 * Why the replayed pcap keeps its flows new is in perf/results/README.md.
 */
final class FlowScenarios {
    private FlowScenarios() {}

    /**
     * What a scenario of this class sets beyond {@link Scenario}.
     *
     * @param packets            packets in the pcap unless {@code --packets} says otherwise
     * @param synVipOffset       {@link TrafficSpec#synVipOffset()}: 1 puts the SYNs on a service of their own
     * @param establishedService the service the established flows go to (the configuration's name)
     * @param newFlowService     the service the SYNs of new flows go to, or null when it is the same
     */
    record Extras(long packets, int synVipOffset, String establishedService, String newFlowService) {}

    /** 256 Ki packets: ≈ 690 MB of mbufs, and a loop long enough for what each scenario needs (README). */
    static final long PACKETS = 262_144;

    static Contender levitate(String name, String config) {
        return Contender.levitate(name, "lb", "--config", config);
    }

    static final Scenario NEWFLOWS = new Scenario(
            "newflows",
            "new flows: 90 % of packets are SYNs of distinct 5-tuples (≈ 236 k per loop) against a 16 Ki-entry "
                    + "conntrack table (levitate-newflows) vs the same pcap with a 1 Mi-entry table that keeps them (levitate-kept)",
            1024,
            0.9,
            false,
            List.of(
                    levitate("levitate-kept", "perf/bench/lb-newflows-kept.yaml"),
                    levitate("levitate-newflows", "perf/bench/lb-newflows.yaml")),
            true,
            "levitate-kept");

    static final Scenario FLOOD = new Scenario(
            "flood",
            "SYN flood: 10 k established flows (service established) and 50 % SYNs from unique sources (service "
                    + "flood): flood guard 500 k/s and flood quota 8192 (levitate-flood) vs neither (levitate-unguarded)",
            10_000,
            0.5,
            false,
            List.of(
                    levitate("levitate-flood", "perf/bench/lb-flood.yaml"),
                    levitate("levitate-unguarded", "perf/bench/lb-flood-unguarded.yaml")),
            true,
            null);

    private static final Map<String, Extras> EXTRAS = Map.of(
            NEWFLOWS.name(), new Extras(PACKETS, 0, "bench", null),
            FLOOD.name(), new Extras(PACKETS, 1, "established", "flood"));

    /** The extras of {@code scenario}, or null for a scenario of another kind. */
    static Extras extras(Scenario scenario) {
        return EXTRAS.get(scenario.name());
    }

    private static final Pattern RX = Pattern.compile("worker \\d+: rx packets");
    private static final Pattern DROP = Pattern.compile("worker \\d+: drop .*");
    private static final Pattern SERVICE_NEW_FLOWS = Pattern.compile("service .*: new flows");
    private static final Pattern SERVICE_PACKETS = Pattern.compile("service .*: packets");
    /** Per-worker conntrack counters, as LbCountersPublisher labels them. */
    private static final String[] CONNTRACK = {
        "hits", "misses", "inserts", "evictions", "expirations", "flood-guard skips", "quota skips", "window-full skips"
    };

    private static Pattern conntrack(String name) {
        return Pattern.compile("worker \\d+: conntrack " + Pattern.quote(name));
    }

    /**
     * The figures of one measured interval, for the JSON (in this order) and the table.
     *
     * @param establishedShare share of the pcap's frames (the gateway's ARP reply included) that
     *                         belong to established flows
     * @param workers          the contender's workers
     */
    static Map<String, Object> figures(Extras x, LevitateCounters.Delta d, double establishedShare, int workers) {
        Map<String, Object> f = new LinkedHashMap<>();
        double seconds = d.seconds();
        long rx = d.sumDelta(l -> RX.matcher(l).matches());
        long newFlows = d.sumDelta(l -> SERVICE_NEW_FLOWS.matcher(l).matches());
        f.put("counters_seconds", round(seconds, 3));
        f.put("rx_packets", rx);
        f.put("new_flows", newFlows);
        f.put("new_flows_per_second", round(newFlows / seconds, 0));
        f.put("new_flows_per_second_per_worker", round(newFlows / seconds / workers, 0));
        long drops = d.sumDelta(l -> DROP.matcher(l).matches());
        // What arrived, as forwarded (every service's packets) plus dropped (the gateway's ARP
        // reply of each loop among them): the control thread writes all of these in one pass,
        // while the workers' rx counters run up to its 100 ms period ahead of them.
        long received = d.sumDelta(l -> SERVICE_PACKETS.matcher(l).matches()) + drops;
        f.put("received_packets", received);
        f.put("new_flows_per_packet", round((double) newFlows / received, 4));
        f.put("drops", drops);
        Map<String, Object> reasons = new LinkedHashMap<>();
        for (String label : d.after().values().keySet()) {
            if (DROP.matcher(label).matches() && d.delta(label) != 0) {
                reasons.put(label, d.delta(label));
            }
        }
        f.put("drops_by_reason", reasons);
        Map<String, Object> ct = new LinkedHashMap<>();
        for (String name : CONNTRACK) {
            Pattern p = conntrack(name);
            if (d.after().values().keySet().stream().anyMatch(l -> p.matcher(l).matches())) {
                ct.put(
                        name.replace(' ', '_').replace('-', '_'),
                        d.sumDelta(l -> p.matcher(l).matches()));
            }
        }
        Pattern occupancy = conntrack("occupancy");
        ct.put("occupancy_at_t1", d.sumAfter(l -> occupancy.matcher(l).matches()));
        f.put("conntrack", ct);
        Map<String, Object> services = new LinkedHashMap<>();
        for (String label : d.after().values().keySet()) {
            if (label.startsWith("service ") && label.endsWith(": packets")) {
                String name = label.substring("service ".length(), label.length() - ": packets".length());
                long packets = d.delta(label);
                long flows = d.delta("service " + name + ": new flows");
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("packets", packets);
                s.put("new_flows", flows);
                s.put("new_flows_per_packet", round((double) flows / packets, 4));
                services.put(name, s);
            }
        }
        f.put("services", services);
        if (x.newFlowService() != null) {
            String est = "service " + x.establishedService() + ": ";
            String flood = "service " + x.newFlowService() + ": ";
            long estPackets = d.delta(est + "packets");
            f.put("established_delivered_share", round(estPackets / (received * establishedShare), 4));
            // A packet of an established flow that found no entry became a "new flow" again.
            f.put("established_state_kept_share", round(1 - (double) d.delta(est + "new flows") / estPackets, 4));
            // 1.0: every flood SYN missed, i.e. the replay kept the flood new.
            f.put("flood_new_share", round((double) d.delta(flood + "new flows") / d.delta(flood + "packets"), 4));
        }
        return f;
    }

    /** The scalar figures every round has, as medians over the contender's good rounds. */
    private static final String[] MEDIANS = {
        "new_flows_per_second_per_worker",
        "new_flows_per_packet",
        "established_delivered_share",
        "established_state_kept_share",
        "flood_new_share"
    };

    /** Medians of {@link #MEDIANS} over {@code entry}'s rounds with counters (empty when none had any). */
    static Map<String, Object> medians(Extras x, ScenarioReport.Entry entry, double establishedShare) {
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (ContenderRun.Sample s : entry.samples) {
            if (s.ok() && s.counters() != null) {
                rounds.add(figures(x, s.counters(), establishedShare, entry.contender.workers()));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (String name : MEDIANS) {
            double[] v = rounds.stream()
                    .map(f -> f.get(name))
                    .filter(Double.class::isInstance)
                    .mapToDouble(o -> (Double) o)
                    .toArray();
            if (v.length > 0) {
                m.put(name, round(ScenarioReport.median(v), name.endsWith("per_second_per_worker") ? 0 : 4));
            }
        }
        return m;
    }

    /** The figures of every Levitate round as extra table lines. */
    static String table(ScenarioReport report, double establishedShare) {
        Extras x = extras(report.scenario);
        StringBuilder sb = new StringBuilder();
        for (ScenarioReport.Entry e : report.entries) {
            for (ContenderRun.Sample s : e.samples) {
                if (!s.ok() || s.counters() == null) {
                    continue;
                }
                Map<String, Object> f = figures(x, s.counters(), establishedShare, e.contender.workers());
                @SuppressWarnings("unchecked")
                Map<String, Object> ct = (Map<String, Object>) f.get("conntrack");
                List<String> parts = new ArrayList<>();
                parts.add(String.format(
                        Locale.ROOT,
                        "new flows %.0f/s per worker (%.3f per packet)",
                        (Double) f.get("new_flows_per_second_per_worker"),
                        (Double) f.get("new_flows_per_packet")));
                parts.add("conntrack " + ct);
                if (f.containsKey("established_delivered_share")) {
                    parts.add(String.format(
                            Locale.ROOT,
                            "established delivered %s, state kept %s; flood new %s",
                            f.get("established_delivered_share"),
                            f.get("established_state_kept_share"),
                            f.get("flood_new_share")));
                }
                parts.add("drops " + f.get("drops"));
                sb.append(String.format(
                        Locale.ROOT, "   %-18s r%d: %s%n", e.contender.name(), s.round(), String.join("; ", parts)));
            }
        }
        return sb.toString();
    }

    private static Double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Double.isFinite(v) ? Math.round(v * scale) / scale : null;
    }
}
