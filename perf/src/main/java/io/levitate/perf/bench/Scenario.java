package io.levitate.perf.bench;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A named comparison: which traffic, which contenders. The table below is the one place to add
 * a scenario (e.g. Levitate's load-balancing pipeline, a flow-count sweep point, a SYN-flood mix,
 * 2 workers vs 1); the runner, the table and the JSON need no change. Command-line flags
 * override the traffic defaults.
 *
 * @param name        {@code --scenario} value and JSON file name stem
 * @param description one line for {@code --list} and the JSON
 * @param flows       default established flows
 * @param synShare    default share of SYN packets from new flows
 * @param ipv6        default address family
 * @param contenders  in launch order; rounds alternate through them (A B C A B C …)
 * @param gatewayArp  whether the pcap starts with the gateway's ARP reply (Levitate lb contenders)
 * @param baseline    a contender every other is also compared with (an extra ratio column and
 *                    JSON field), or null: e.g. one worker, for the scaling of two
 */
record Scenario(
        String name,
        String description,
        long flows,
        double synShare,
        boolean ipv6,
        List<Contender> contenders,
        boolean gatewayArp,
        String baseline) {

    /** A scenario whose pcap needs no gateway ARP (L2 contenders only). */
    Scenario(String name, String description, long flows, double synShare, boolean ipv6, List<Contender> contenders) {
        this(name, description, flows, synShare, ipv6, contenders, false, null);
    }

    /**
     * The load-balancing contender: perf/bench/lb.yaml (the VIP of the generated pcap, 10 backends);
     * the bench's --port arguments replace the file's ports.
     */
    static Contender levitateLb(String name, String... more) {
        String[] args = new String[more.length + 2];
        args[0] = "--config";
        args[1] = "perf/bench/lb.yaml";
        System.arraycopy(more, 0, args, 2, more.length);
        return Contender.levitate(name, "lb", args);
    }

    static final List<Scenario> ALL = List.of(
            new Scenario(
                    "l2fwd",
                    "plain forwarding, no per-packet work: Levitate --mode l2fwd vs testpmd io (ceiling) and l3fwd EM",
                    1024,
                    0.0,
                    false,
                    List.of(Contender.testpmdIo(), Contender.l3fwdEm(), Contender.levitate("levitate-l2fwd", "l2fwd"))),
            // The pcap starts with the gateway's ARP reply: Levitate resolves next hops itself
            // (no static MAC), and the replayed capture must tell it, as a real gateway would.
            new Scenario(
                    "lb",
                    "full load-balancing pipeline (classify, VIP, conntrack, Maglev, GRE) on 64-byte TCP: Levitate --mode lb "
                            + "vs testpmd io and l3fwd EM",
                    10_000,
                    0.0,
                    false,
                    List.of(Contender.testpmdIo(), Contender.l3fwdEm(), levitateLb("levitate-lb")),
                    true,
                    null),
            // Scaling: the same pipeline with 2 workers, each polling an rx queue of its own (the
            // source replays the pcap once per queue), against 1 worker. On a 2-CPU machine the
            // second worker shares the main lcore's CPU (cores 0,1); elsewhere pass cores to spare.
            new Scenario(
                    "lb-workers",
                    "load-balancing pipeline, 2 workers (one rx/tx queue each) vs 1 worker: Levitate --mode lb",
                    10_000,
                    0.0,
                    false,
                    List.of(
                            levitateLb("levitate-lb"),
                            levitateLb("levitate-lb-2w", "--workers", "2", "--cores", "0,1")),
                    true,
                    "levitate-lb"),
            // New flows and a SYN flood, with figures from Levitate's own counters (FlowScenarios).
            FlowScenarios.NEWFLOWS,
            FlowScenarios.FLOOD);
    // Further candidates: lb with --flows 1000000 (pool ≈ 2.5 GB) and a SYN mix (--syn-share 0.5).

    static final Map<String, Scenario> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Scenario::name, Function.identity()));
}
