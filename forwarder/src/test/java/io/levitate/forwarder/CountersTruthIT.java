package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load-balancing worker's counters say what happened: rx_bursts counts its non-empty polls
 * (in the counters file as in the exit summary), and the --stats-interval line's drop figure is
 * every drop, whatever the reason, with the largest reasons named.
 */
class CountersTruthIT {
    private static final String VIP = "198.18.0.10";

    @TempDir
    Path dir;

    private final String name = "counters-it-" + ProcessHandle.current().pid();
    private Path counters;

    @org.junit.jupiter.api.BeforeEach
    void counters() {
        counters = dir.resolve("counters");
    }

    @Test
    void theStatsLineShowsEveryDropWithItsLargestReasons() throws Exception {
        try (LevitateProcess levitate = start()) {
            // 14 drops: 10 to no service, 3 with a bad IHL, the gateway's ARP reply consumed.
            final String line = levitate.awaitLine(
                    l -> l.startsWith("levitate: stats:")
                            && l.contains(" w0 rx 20 tx 6 drop 14 [no_service=10 bad_ihl=3 neighbour_consumed=1] "),
                    Duration.ofSeconds(30));
            assertTrue(line.contains("Mpps"), line);
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
        }
    }

    @Test
    void rxBurstsCountTheLoadBalancingWorkersNonEmptyPolls() throws Exception {
        try (LevitateProcess levitate = start()) {
            levitate.awaitLine(l -> l.startsWith("levitate: stats: w0 rx 20 tx 6 "), Duration.ofSeconds(30));
            // The counters file (type 1004) as levitate stat reads it, while the forwarder runs.
            long bursts = -1;
            try (LevitateProcess stat =
                    LevitateProcess.start("stat", "--instance", name, "--counters-dir", counters.toString())) {
                assertEquals(0, stat.awaitExit(Duration.ofSeconds(60)), String.join("\n", stat.stderr()));
                for (final String l : stat.stdout()) {
                    if (l.contains("worker 0: rx bursts")) {
                        bursts =
                                Long.parseLong(l.strip().replaceAll(".*\\s", "").replace(",", ""));
                    }
                }
                assertTrue(
                        bursts >= 1 && bursts <= 20,
                        "rx bursts " + bursts + " in\n" + String.join("\n", stat.stdout()));
            }
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
            final String summary = String.join("\n", levitate.stdout());
            assertTrue(summary.contains("levitate: worker 0: rx 20 tx 6 tx-dropped 0 bursts " + bursts), summary);
        }
    }

    /** The forwarder on a capture of 20 frames: 6 tunnelled, 14 dropped for three reasons. */
    private LevitateProcess start() throws Exception {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"));
        for (int i = 0; i < 6; i++) {
            frames.add(TestFrames.l4("10.9.0." + (1 + i), VIP, 6, 40000 + i, 80, 0x02));
        }
        for (int i = 0; i < 10; i++) {
            frames.add(TestFrames.l4("10.8.0.1", "192.0.2.53", 17, 5000 + i, 53, 0));
        }
        for (int i = 0; i < 3; i++) {
            final byte[] badIhl = TestFrames.l4("10.9.1.1", VIP, 6, 1000 + i, 80, 0x02);
            badIhl[14] = 0x43;
            frames.add(badIhl);
        }
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, frames);
        final Path config = dir.resolve("lb.yaml");
        Files.writeString(
                config, """
            instance:
              name: %s
              counters_dir: %s
              ports:
                - device: "net_pcap0,rx_pcap=%s,tx_pcap=%s"
              workers: 1
              hugepages: "no"
              addresses:
                ipv4: 10.0.1.2
              gateways:
                ipv4: 10.0.1.1
            hash_seed: 42
            conntrack:
              capacity: 65536
            services:
              - name: web
                vip: %s
                port: 80
                protocol: tcp
                backends: [{address: "10.0.2.11"}]
            control:
              socket: "%s"
            """.formatted(name, counters, in, dir.resolve("out.pcap"), VIP, dir.resolve("ctl.sock")));
        return LevitateProcess.start(
                "run", "--config", config.toString(), "--stats-interval", "0.2", "--metrics", "127.0.0.1:0");
    }
}
