package io.levitate.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The sweep's definition, its announced duration, and that --list shows it. */
class SweepTest {

    @Test
    void theSweepRunsTheLbContendersAtFourFlowCounts() {
        Sweep sweep = Sweep.BY_NAME.get("sweep");
        assertEquals(Scenario.BY_NAME.get("lb"), sweep.scenario());
        assertEquals(List.of(1_000L, 10_000L, 100_000L, 1_000_000L), sweep.flows());
        assertEquals(
                List.of(Contender.TESTPMD_IO, Contender.L3FWD_EM, "levitate-lb"),
                sweep.scenario().contenders().stream().map(Contender::name).toList());
        // A sweep is not also a scenario: --scenario resolves each name to one of them.
        assertTrue(Sweep.ALL.stream().noneMatch(w -> Scenario.BY_NAME.containsKey(w.name())));
    }

    @Test
    void expectedDurationGrowsWithEveryFactor() {
        // 4 points x 3 contenders x 1 round x (3 + 3 + overhead)
        assertEquals(
                4L * 3 * (3 + 3 + Sweep.LAUNCH_OVERHEAD_SECONDS),
                Sweep.expectedSeconds(List.of(1L, 2L, 3L, 4L), 3, 1, 3, 3));
        assertEquals(
                2 * Sweep.expectedSeconds(List.of(1L, 2L), 3, 3, 3, 10),
                Sweep.expectedSeconds(List.of(1L, 2L), 3, 6, 3, 10));
    }

    @Test
    void listShowsTheSweepWithItsFlowCounts() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = new CommandLine(new BenchRunner()).execute("--list");
        } finally {
            System.setOut(saved);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code);
        assertTrue(out.contains("sweep ") && out.contains("flows: [1000, 10000, 100000, 1000000]"), out);
    }
}
