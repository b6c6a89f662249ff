package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What `levitate plan` predicts for a backend removal is what happens: the same capture of 3000
 * new flows is replayed through the forwarder with the current and with the new configuration,
 * tshark reads which backend each flow reached, and the measured share of flows that moved must
 * match the plan's (within sampling error: 3000 flows at ~10 % give a standard deviation of ~0.55 %).
 */
class PlanReplayIT {
    private static final int FLOWS = 3000;
    private static final Pattern PLANNED = Pattern.compile("new flows that move to another backend: ([0-9.]+)%");

    @TempDir
    Path dir;

    private Path config(final String name, final Path in, final Path out, final int backends) throws Exception {
        final List<String> list = new ArrayList<>();
        for (int b = 1; b <= backends; b++) {
            list.add("{address: 10.0.2." + b + "}");
        }
        final Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
            instance:
              name: plan-%s-%d
              counters_dir: %s
              ports:
                - device: "net_pcap0,rx_pcap=%s"
                - device: "net_pcap1,tx_pcap=%s"
              hugepages: "no"
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 99
            control: {socket: %s}
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [%s]
            """.formatted(
                        name,
                        ProcessHandle.current().pid(),
                        dir.resolve("counters"),
                        in,
                        out,
                        dir.resolve(name + ".sock"),
                        String.join(", ", list)));
        return file;
    }

    private Map<String, String> replay(final Path config, final Path out) throws Exception {
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config.toString(), "--stats-interval", "0.2", "--metrics", "127.0.0.1:0")) {
            levitate.awaitLine(l -> l.contains("w0 rx " + (FLOWS + 1) + " "), Duration.ofSeconds(60));
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
        }
        final Map<String, String> backendOfFlow = new HashMap<>();
        for (final String[] row : TsharkFields.read(out, "gre", "a", "ip.dst", "tcp.srcport")) {
            backendOfFlow.put(row[1], row[0].split(",")[0]); // inner source port -> outer destination
        }
        assertEquals(FLOWS, backendOfFlow.size(), "one tunnel packet per flow");
        return backendOfFlow;
    }

    @Test
    void planPredictsTheShareOfFlowsThatMoveWhenABackendIsRemoved() throws Exception {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"));
        for (int f = 0; f < FLOWS; f++) {
            frames.add(TestFrames.l4("10.9." + (f / 250) + "." + (1 + f % 250), "198.18.0.10", 6, 20000 + f, 80, 0x02));
        }
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, frames);
        final Path outBefore = dir.resolve("before.pcap");
        final Path outAfter = dir.resolve("after.pcap");
        final Path current = config("current", in, outBefore, 10);
        final Path next = config("next", in, outAfter, 9);

        final double planned;
        try (LevitateProcess plan = LevitateProcess.start("plan", next.toString(), "--against", current.toString())) {
            plan.awaitExit(Duration.ofSeconds(60));
            final Matcher m = PLANNED.matcher(String.join("\n", plan.stdout()));
            assertTrue(m.find(), String.join("\n", plan.stdout()));
            planned = Double.parseDouble(m.group(1));
        }

        final Map<String, String> before = replay(current, outBefore);
        final Map<String, String> after = replay(next, outAfter);
        int moved = 0;
        for (final Map.Entry<String, String> e : before.entrySet()) {
            if (!e.getValue().equals(after.get(e.getKey()))) {
                moved++;
            }
        }
        final double measured = 100.0 * moved / FLOWS;
        System.out.printf(
                "PlanReplayIT: plan says %.2f%% of new flows move; the replay moved %.2f%% (%d of %d)%n",
                planned, measured, moved, FLOWS);
        assertTrue(Math.abs(measured - planned) < 2.0, "planned " + planned + "% vs measured " + measured + "%");
        assertTrue(after.values().stream().noneMatch("10.0.2.10"::equals), "the removed backend gets nothing");
    }
}
