package io.levitate.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts of the harness that do not need DPDK: pool sizing, command lines, statistics, JSON. */
class BenchRunnerTest {

    /** l3fwd's main.c NB_MBUF for 2 ports, 1 lcore, 1 rx queue per port. */
    private static long l3fwdPool(int rxd, int txd) {
        return Math.max(2L * rxd + 2L * 32 + 2L * txd + 256, 8192);
    }

    @Test
    void l3fwdQueueSizesGiveAtLeastTheRequestedPool() {
        for (long mbufs : new long[] {8192, 16384, 100_000, 140_000, 190_000, Contender.l3fwdMaxMbufs()}) {
            int[] q = Contender.l3fwdQueueSizes(mbufs);
            long pool = l3fwdPool(q[0], q[1]);
            assertTrue(pool >= mbufs && pool < mbufs + 8, mbufs + " -> " + pool);
            assertTrue(q[0] <= 65535 && q[1] <= 65535);
        }
        assertThrows(IllegalArgumentException.class, () -> Contender.l3fwdQueueSizes(Contender.l3fwdMaxMbufs() + 10));
    }

    @Test
    void everyContenderGetsTheSameVdevsCoreAndPool() {
        RunSetup setup = new RunSetup(
                Path.of("/tmp/x.pcap"),
                Path.of("/tmp/r4"),
                Path.of("/tmp/r6"),
                false,
                16384,
                true,
                1024,
                0,
                1,
                new RunSetup.Tools(
                        Path.of("testpmd"), Path.of("l3fwd"), Path.of("levitate"), Path.of("/jars/levitate.jar")),
                300);
        List<String> testpmd = Contender.testpmdIo().command(setup, "p1");
        List<String> l3fwd = Contender.l3fwdEm().command(setup, "p2");
        List<String> levitate = Contender.levitate("levitate-l2fwd", "l2fwd").command(setup, "p3");
        String src = "net_pcap0,rx_pcap=/tmp/x.pcap,infinite_rx=1";
        assertTrue(testpmd.contains("--vdev=" + src) && l3fwd.contains("--vdev=" + src) && levitate.contains(src));
        assertTrue(testpmd.contains("--vdev=net_null0,no-rx=1") && levitate.contains("net_null0,no-rx=1"));
        assertTrue(testpmd.containsAll(
                List.of("-l", "0,1", "--in-memory", "--forward-mode=io", "--nb-cores=1", "--total-num-mbufs=16384")));
        assertTrue(l3fwd.containsAll(List.of("--lookup=em", "--config=(0,0,1),(1,0,1)", "--in-memory")));
        assertEquals(
                List.of(
                        "env",
                        "LEVITATE_JAR=/jars/levitate.jar",
                        "levitate",
                        "run",
                        "--mode",
                        "l2fwd",
                        "--port",
                        src,
                        "--port",
                        "net_null0,no-rx=1",
                        "--workers",
                        "1",
                        "--cores",
                        "1",
                        "--main-core",
                        "0",
                        "--file-prefix",
                        "p3",
                        "--in-memory",
                        "--mbufs",
                        "16384",
                        "--burst",
                        "32",
                        "--duration",
                        "300"),
                levitate);
    }

    @Test
    void aTwoWorkerContenderGetsAnRxQueuePerWorkerAndItsOwnCores() {
        RunSetup setup = new RunSetup(
                Path.of("/tmp/x.pcap"),
                Path.of("/tmp/r4"),
                Path.of("/tmp/r6"),
                false,
                32768,
                true,
                1024,
                0,
                1,
                new RunSetup.Tools(
                        Path.of("testpmd"), Path.of("l3fwd"), Path.of("levitate"), Path.of("/jars/levitate.jar")),
                300);
        Scenario s = Scenario.BY_NAME.get("lb-workers");
        Contender one = s.contenders().get(0);
        Contender two = s.contenders().get(1);
        assertEquals("levitate-lb", s.baseline());
        assertEquals(1, one.workers());
        assertEquals(2, two.workers());
        assertEquals(1, Contender.testpmdIo().workers());
        List<String> cmd = two.command(setup, "p");
        assertTrue(cmd.contains("net_pcap0,rx_pcap=/tmp/x.pcap,rx_pcap=/tmp/x.pcap,infinite_rx=1"), cmd.toString());
        assertTrue(cmd.containsAll(List.of("--workers", "2", "--cores", "0,1")));
        assertEquals(1, cmd.stream().filter("--workers"::equals).count());
        assertTrue(one.command(setup, "p")
                .containsAll(List.of("net_pcap0,rx_pcap=/tmp/x.pcap,infinite_rx=1", "--workers", "1", "--cores", "1")));
    }

    @Test
    void theScalingScenarioComparesWithItsBaseline() {
        ScenarioReport report = new ScenarioReport(Scenario.BY_NAME.get("lb-workers"), Map.of());
        for (Contender c : report.scenario.contenders()) {
            ScenarioReport.Entry e = new ScenarioReport.Entry(c, "cmd", null);
            double mpps = c.workers() == 1 ? 10.0 : 19.0;
            e.samples.add(new ContenderRun.Sample(
                    1, mpps, mpps, 5.0, new ThreadCpu.Shares(1.0, 0.0), 0.1, 0, Path.of("log"), null));
            report.entries.add(e);
        }
        assertTrue(report.table().contains("x levitate-lb"), report.table());
        assertTrue(report.table().contains("1.900"), report.table());
        assertTrue(Json.write(report.json()).contains("\"ratio_vs_levitate_lb\": 1.9"), Json.write(report.json()));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, ScenarioReport.median(new double[] {3, 1, 2}));
        assertEquals(2.5, ScenarioReport.median(new double[] {4, 1, 2, 3}));
        assertTrue(Double.isNaN(ScenarioReport.median(new double[0])));
    }

    @Test
    void jsonEscapesAndDropsNaN() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n");
        m.put("n", Double.NaN);
        m.put("l", List.of(1, 2.5));
        m.put("o", new ArrayList<>(List.of(Map.of("k", true))));
        assertEquals(
                "{\n  \"s\": \"a\\\"b\\\\c\\n\",\n  \"n\": null,\n  \"l\": [1, 2.5],\n  \"o\": [\n    {\n"
                        + "      \"k\": true\n    }\n  ]\n}\n",
                Json.write(m));
    }

    @Test
    void shellWordsQuoteWhatNeedsIt() {
        assertEquals(
                "l3fwd '--config=(0,0,1)' -p 0x3 'it'\\''s'",
                BenchRunner.shellWords(List.of("l3fwd", "--config=(0,0,1)", "-p", "0x3", "it's")));
    }
}
