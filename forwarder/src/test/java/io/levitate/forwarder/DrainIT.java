package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.maglev.Backend;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Draining a backend: flows it already serves keep reaching it (conntrack), new flows do not.
 * Traffic goes in through a real kernel veth (DPDK net_af_packet) in two phases around a live
 * reload; tunnels come out on a net_pcap port read back by tshark.
 */
class DrainIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SENDER = """
        import socket, struct, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[2], 0))
        d = open(sys.argv[1], 'rb').read()
        o = 24
        while o + 16 <= len(d):
            n = struct.unpack('<I', d[o + 8:o + 12])[0]
            s.send(d[o + 16:o + 16 + n])
            o += 16 + n
        """;
    private static final List<String> WEB = List.of("10.0.2.11", "10.0.2.12", "10.0.2.13");
    private static final String DRAINED = "10.0.2.12";

    @TempDir
    Path dir;

    private final String ifA = "lvd" + (ProcessHandle.current().pid() % 100000) + "a";
    private final String ifB = "lvd" + (ProcessHandle.current().pid() % 100000) + "b";

    private static void sh(final String... command) throws Exception {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    @AfterEach
    void removeVeth() throws Exception {
        new ProcessBuilder("ip", "link", "del", ifA).start().waitFor();
    }

    private String config(final Path out, final String state12) {
        return """
            instance:
              name: drain-%d
              counters_dir: %s
              ports:
                - device: "net_af_packet0,iface=%s"
                - device: "net_pcap1,tx_pcap=%s"
              hugepages: "no"
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 5
            control: {socket: %s}
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.11}, {address: 10.0.2.12, state: %s}, {address: 10.0.2.13}]
            """.formatted(
                ProcessHandle.current().pid(), dir.resolve("counters"), ifA, out, dir.resolve("ctl.sock"), state12);
    }

    private void send(final List<byte[]> frames, final String name) throws Exception {
        final Path pcap = dir.resolve(name + ".pcap");
        PcapFile.write(pcap, frames);
        final Path script = dir.resolve("send.py");
        Files.writeString(script, SENDER);
        final String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        sh(python, script.toString(), pcap.toString(), ifB);
    }

    private static String client(final int f) {
        return "10.9." + (f / 250) + "." + (1 + f % 250);
    }

    @Test
    void existingFlowsKeepTheDrainedBackendNewFlowsAvoidIt() throws Exception {
        sh("ip", "link", "add", ifA, "type", "veth", "peer", "name", ifB);
        for (final String ifc : new String[] {ifA, ifB}) {
            sh("sysctl", "-q", "-w", "net.ipv6.conf." + ifc + ".disable_ipv6=1");
            sh("ip", "link", "set", ifc, "up");
        }
        final Path out = dir.resolve("out.pcap");
        final Path file = dir.resolve("levitate.yaml");
        Files.writeString(file, config(out, "active"));
        final int oldFlows = 150;
        final int newFlows = 150;
        try (LevitateProcess levitate =
                LevitateProcess.start("run", "--config", file.toString(), "--stats-interval", "0.2")) {
            levitate.awaitLine(l -> l.startsWith("levitate: forwarding"), TIMEOUT);
            // Phase 1: the gateway introduces itself; old flows open.
            final List<byte[]> phase1 = new ArrayList<>();
            phase1.add(TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"));
            for (int f = 0; f < oldFlows; f++) {
                phase1.add(TestFrames.l4(client(f), "198.18.0.10", 6, 20000 + f, 80, 0x02));
            }
            send(phase1, "phase1");
            levitate.awaitLine(l -> l.contains("encapsulated") || statsAtLeast(l, oldFlows + 1), TIMEOUT);

            // Drain 10.0.2.12 by a live reload.
            Files.writeString(file, config(out, "drain"));
            try (LevitateProcess reload = LevitateProcess.start(
                    "reload", "--socket", dir.resolve("ctl.sock").toString())) {
                assertEquals(0, reload.awaitExit(TIMEOUT), String.join("\n", reload.stdout()));
                assertTrue(
                        reload.stdout().stream().anyMatch(l -> l.startsWith("service web: table rebuilt")),
                        reload.stdout().toString());
            }
            // Phase 2: old flows carry on (ACK), new flows open (SYN, other ports).
            final List<byte[]> phase2 = new ArrayList<>();
            for (int f = 0; f < oldFlows; f++) {
                phase2.add(TestFrames.l4(client(f), "198.18.0.10", 6, 20000 + f, 80, 0x10));
            }
            for (int f = 0; f < newFlows; f++) {
                phase2.add(TestFrames.l4(client(f), "198.18.0.10", 6, 40000 + f, 80, 0x02));
            }
            send(phase2, "phase2");
            levitate.awaitLine(l -> statsAtLeast(l, oldFlows * 2 + newFlows + 1), TIMEOUT);
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
        }

        // Read back: inner source port and TCP flags -> outer destination.
        final Map<Integer, String> synBackend = new HashMap<>();
        final Map<Integer, String> ackBackend = new HashMap<>();
        for (final String[] row : TsharkFields.read(out, "gre", "a", "ip.dst", "tcp.srcport", "tcp.flags")) {
            final String backend = row[0].split(",")[0];
            (Integer.decode(row[2]) == 0x02 ? synBackend : ackBackend).put(Integer.parseInt(row[1]), backend);
        }
        final List<Backend> backends = new ArrayList<>();
        WEB.forEach(a -> backends.add(Backend.of(a, 80, 100)));
        final ServiceTable before = ServiceTable.build(ServiceConfig.of("198.18.0.10", 80, 6, backends), 5);
        int keptOnDrained = 0;
        for (int f = 0; f < oldFlows; f++) {
            final int port = 20000 + f;
            final String original = synBackend.get(port);
            assertEquals(expected(before, client(f), port), original, "phase 1 follows Maglev");
            assertEquals(original, ackBackend.get(port), "an existing flow keeps its backend, drained or not");
            if (DRAINED.equals(original)) {
                keptOnDrained++;
            }
        }
        assertTrue(keptOnDrained > 20, "enough flows were on the drained backend: " + keptOnDrained);
        for (int f = 0; f < newFlows; f++) {
            assertTrue(!DRAINED.equals(synBackend.get(40000 + f)), "new flow " + f + " reached the drained backend");
        }
        System.out.printf(
                "DrainIT: %d existing flows stayed on drained %s; 0 of %d new flows reached it%n",
                keptOnDrained, DRAINED, newFlows);
    }

    private static boolean statsAtLeast(final String line, final long rx) {
        final java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("w0 rx (\\d+) ").matcher(line);
        return line.startsWith("levitate: stats:") && m.find() && Long.parseLong(m.group(1)) >= rx;
    }

    private static String expected(final ServiceTable table, final String src, final int sport) {
        final int slot = table.lookupV4(
                ByteBuffer.wrap(TestFrames.ip(src)).getInt(),
                ByteBuffer.wrap(TestFrames.ip("198.18.0.10")).getInt(),
                sport,
                80,
                6,
                false);
        return table.backend(slot).address().getHostAddress();
    }
}
