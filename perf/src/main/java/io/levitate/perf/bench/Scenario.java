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
 */
record Scenario(String name, String description, long flows, double synShare, boolean ipv6,
                List<Contender> contenders) {

    static final List<Scenario> ALL = List.of(
            new Scenario("l2fwd",
                    "plain forwarding, no per-packet work: Levitate --mode l2fwd vs testpmd io (ceiling) and l3fwd EM",
                    1024, 0.0, false,
                    List.of(Contender.testpmdIo(), Contender.l3fwdEm(), Contender.levitate("levitate-l2fwd", "l2fwd"))));
    // Candidates once the forwarder has the modes (names are suggestions, flags follow the contract):
    //   new Scenario("lb", "full LB pipeline", 65536, 0.0, false,
    //           List.of(Contender.testpmdIo(), Contender.l3fwdEm(), Contender.levitate("levitate-lb", "lb")))
    //   new Scenario("lb-syn", "SYN-flood mix", 65536, 0.5, false, …same contenders…)
    //   new Scenario("lb-1m", "1 M flows (pool ≈ 2.5 GB)", 1_000_000, 0.0, false, …)
    //   new Scenario("lb-2w", "2 workers", …, Contender.levitate("levitate-lb-2w", "lb", "--workers", "2", "--cores", "1,2"))

    static final Map<String, Scenario> BY_NAME = ALL.stream()
            .collect(Collectors.toUnmodifiableMap(Scenario::name, Function.identity()));
}
