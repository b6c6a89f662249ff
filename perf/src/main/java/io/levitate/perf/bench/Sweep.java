package io.levitate.perf.bench;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A scenario run once per flow count, all points in one result file ({@code points[]}, each the
 * JSON of one scenario run) and one chart: a line per contender over the flow counts. The runner
 * treats {@code --scenario NAME} of a sweep like a scenario's; {@code --sweep-flows} replaces the
 * flow counts, {@code --flows} does not apply.
 *
 * @param name        {@code --scenario} value and JSON file name stem
 * @param description one line for {@code --list} and the JSON
 * @param scenario    what is run at each point (its contenders, its traffic but the flow count)
 * @param flows       the flow counts, in run order
 */
record Sweep(String name, String description, Scenario scenario, List<Long> flows) {

    /**
     * Per launch, beyond warm-up and measurement: start (EAL, pool, the JVM for Levitate) and stop.
     * Only for the duration the runner announces.
     */
    static final int LAUNCH_OVERHEAD_SECONDS = 8;

    static final List<Sweep> ALL = List.of(new Sweep(
            "sweep",
            "the lb scenario at 1 k, 10 k, 100 k and 1 M flows: testpmd io, l3fwd EM (one rule per flow) and Levitate lb; "
                    + "l3fwd is skipped where its pool cannot hold the pcap",
            Scenario.BY_NAME.get("lb"),
            List.of(1_000L, 10_000L, 100_000L, 1_000_000L)));

    static final Map<String, Sweep> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Sweep::name, Function.identity()));

    /** A rough upper estimate of the run time in seconds, printed before the sweep starts. */
    static long expectedSeconds(List<Long> flows, int contenders, int rounds, int warmup, int seconds) {
        return (long) flows.size() * contenders * rounds * (warmup + seconds + LAUNCH_OVERHEAD_SECONDS);
    }
}
