package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The L2 forwarder on real DPDK virtual devices: net_pcap reads an input capture, the worker
 * forwards, net_pcap writes the output capture; the output must carry exactly the input frames.
 */
class L2ForwardIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** Frames of random sizes (60..1514 bytes) and random contents, deterministic per seed. */
    static List<byte[]> frames(final int count, final long seed) {
        final Random random = new Random(seed);
        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final byte[] f = new byte[60 + random.nextInt(1514 - 60 + 1)];
            random.nextBytes(f);
            f[0] = 0x02; // locally administered unicast destination
            frames.add(f);
        }
        return frames;
    }

    static void assertSameFrames(final List<byte[]> expected, final List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "frame count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "frame " + i);
        }
    }

    @Test
    void forwardsExactlyTheInputFramesAndStopsCleanlyOnSigterm() throws Exception {
        final List<byte[]> input = frames(3000, 42);
        final Path in = dir.resolve("in.pcap");
        final Path out = dir.resolve("out.pcap");
        PcapFile.write(in, input);

        try (LevitateProcess levitate = LevitateProcess.start(
                "run",
                "--no-huge",
                "--port",
                "net_pcap0,rx_pcap=" + in,
                "--port",
                "net_pcap1,tx_pcap=" + out,
                "--stats-interval",
                "0.2")) {
            levitate.awaitLine(l -> l.contains("w0 rx 3000 tx 3000 drop 0"), TIMEOUT);
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
            assertTrue(
                    levitate.stdout().stream().anyMatch(l -> l.contains("2 ports stopped and closed, EAL cleaned up")),
                    String.join("\n", levitate.stdout()));
            assertTrue(
                    levitate.stdout().stream()
                            .anyMatch(l -> l.startsWith("levitate: worker 0: rx 3000 tx 3000 tx-dropped 0 ")),
                    String.join("\n", levitate.stdout()));
        }
        assertSameFrames(input, PcapFile.read(out));
    }

    @Test
    void twoWorkersForwardTheirOwnQueues() throws Exception {
        final List<byte[]> input0 = frames(1500, 7);
        final List<byte[]> input1 = frames(2500, 8);
        final Path in0 = dir.resolve("in0.pcap");
        final Path in1 = dir.resolve("in1.pcap");
        final Path out0 = dir.resolve("out0.pcap");
        final Path out1 = dir.resolve("out1.pcap");
        PcapFile.write(in0, input0);
        PcapFile.write(in1, input1);

        // net_pcap makes one queue per rx_pcap/tx_pcap argument: queue i is worker i's.
        try (LevitateProcess levitate = LevitateProcess.start(
                "run",
                "--no-huge",
                "--workers",
                "2",
                "--port",
                "net_pcap0,rx_pcap=" + in0 + ",rx_pcap=" + in1,
                "--port",
                "net_pcap1,tx_pcap=" + out0 + ",tx_pcap=" + out1,
                "--stats-interval",
                "0.2")) {
            levitate.awaitLine(
                    l -> l.contains("w0 rx 1500 tx 1500 drop 0") && l.contains("w1 rx 2500 tx 2500 drop 0"), TIMEOUT);
            levitate.interrupt();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
            final List<String> stdout = levitate.stdout();
            assertTrue(
                    stdout.stream().anyMatch(l -> l.startsWith("levitate: worker 0 on CPU ")),
                    String.join("\n", stdout));
            assertTrue(
                    stdout.stream().anyMatch(l -> l.startsWith("levitate: worker 1 on CPU ")),
                    String.join("\n", stdout));
            assertTrue(stdout.stream().anyMatch(l -> l.contains("EAL cleaned up")));
        }
        assertSameFrames(input0, PcapFile.read(out0));
        assertSameFrames(input1, PcapFile.read(out1));
    }

    @Test
    void sigintWhileForwardingAtFullRateStopsPortsAndLeavesNoRuntimeFiles() throws Exception {
        final Path in = dir.resolve("loop.pcap");
        PcapFile.write(in, frames(512, 3));
        final String prefix = "levitate-it-" + ProcessHandle.current().pid();
        final Path countersDir = dir.resolve("counters");
        try (LevitateProcess levitate = LevitateProcess.start(
                "run",
                "--no-huge",
                "--file-prefix",
                prefix,
                "--instance",
                "it",
                "--counters-dir",
                countersDir.toString(),
                "--port",
                "net_pcap0,rx_pcap=" + in + ",infinite_rx=1",
                "--port",
                "net_null0,no-rx=1",
                "--stats-interval",
                "0.5")) {
            // Wait until it is really forwarding (a stats line with a non-zero tx count).
            levitate.awaitLine(l -> l.startsWith("levitate: stats: w0 rx ") && !l.contains(" tx 0 "), TIMEOUT);

            // levitate stat, from another process, sees the live counters.
            try (LevitateProcess stat =
                    LevitateProcess.start("stat", "--instance", "it", "--counters-dir", countersDir.toString())) {
                assertEquals(0, stat.awaitExit(TIMEOUT), String.join("\n", stat.stderr()));
                final List<String> lines = stat.stdout();
                assertTrue(
                        lines.getFirst().contains("pid " + levitate.pid())
                                && lines.getFirst().endsWith("ALIVE"),
                        lines.getFirst());
                final String rx = lines.stream()
                        .filter(l -> l.contains("worker 0: rx packets"))
                        .findFirst()
                        .orElseThrow();
                assertTrue(Long.parseLong(rx.substring(rx.lastIndexOf(' ') + 1).replace(",", "")) > 0, rx);
            }
            levitate.interrupt();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
            assertTrue(levitate.stdout().contains("levitate: stop requested"));
            assertTrue(
                    levitate.stdout().stream().anyMatch(l -> l.contains("2 ports stopped and closed, EAL cleaned up")));
            assertEquals(List.of(), levitate.stderr());
        }
        assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix)), "EAL runtime directory left behind");
        assertFalse(Files.exists(countersDir.resolve("it")), "counters file left behind");
    }
}
