package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
 * The live state, asked of a running forwarder: a capture of new flows is replayed through it
 * (net_pcap rx to tx), tshark reads which backend (GRE outer destination) each flow reached, and
 * {@code levitate lookup --live} must name that backend for every flow; {@code tables --live},
 * {@code plan --against live}, {@code plan --fail}, the table info metric and the socket's
 * refusal of unknown, huge and hanging requests are checked against the same forwarder.
 */
class LiveStateIT {
    private static final int FLOWS = 1200;
    private static final Pattern FLOW = Pattern.compile(
            "^flow tcp,([0-9.]+),([0-9]+),198\\.18\\.0\\.10,80 service=web backend=([0-9.]+):80 reason=(maglev|conntrack)");

    @TempDir
    Path dir;

    @Test
    void lookupLiveAgreesWithTheDataPlaneAndTheOtherCommandsAnswer() throws Exception {
        final List<byte[]> frames = new ArrayList<>();
        frames.add(TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"));
        final StringBuilder flows = new StringBuilder();
        for (int f = 0; f < FLOWS; f++) {
            final String client = "10.9." + (f / 250) + "." + (1 + f % 250);
            frames.add(TestFrames.l4(client, "198.18.0.10", 6, 20000 + f, 80, 0x02));
            flows.append("tcp ").append(client).append(':').append(20000 + f).append(" 198.18.0.10:80\n");
        }
        final Path in = dir.resolve("in.pcap");
        final Path out = dir.resolve("out.pcap");
        PcapFile.write(in, frames);
        final Path flowsFile = Files.writeString(dir.resolve("flows.txt"), flows);
        final Path socket = dir.resolve("ctl/control.sock");
        final Path config = dir.resolve("levitate.yaml");
        Files.writeString(
                config, """
            instance:
              name: live-%d
              counters_dir: %s
              ports:
                - device: "net_pcap0,rx_pcap=%s"
                - device: "net_pcap1,tx_pcap=%s"
              hugepages: "no"
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 7
            control: {socket: %s}
            conntrack: {timeouts: {tcp_syn: 300s}}
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.1}, {address: 10.0.2.2}, {address: 10.0.2.3, weight: 200}, {address: 10.0.2.4}]
            """.formatted(ProcessHandle.current().pid(), dir.resolve("counters"), in, out, socket));
        final Map<String, String> answered = new HashMap<>();
        final Map<String, Integer> reasons = new HashMap<>();
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config.toString(), "--stats-interval", "0.2", "--metrics", "127.0.0.1:0")) {
            final String bound =
                    levitate.awaitLine(l -> l.startsWith("levitate: metrics on http://"), Duration.ofSeconds(60));
            levitate.awaitLine(l -> l.contains("w0 rx " + (FLOWS + 1) + " "), Duration.ofSeconds(60));

            // A client that connects and hangs, and a huge line, disturb nobody.
            try (SocketChannel hanging = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                hanging.connect(UnixDomainSocketAddress.of(socket));
                assertTrue(request(socket, "x".repeat(20_000)).startsWith("refused: request longer than"));
                assertTrue(request(socket, "stat").startsWith("refused: unknown command 'stat' (known: reload"));

                try (LevitateProcess tables =
                        LevitateProcess.start("tables", "--live", "--socket", socket.toString())) {
                    assertEquals(0, tables.awaitExit(Duration.ofSeconds(60)), String.join("\n", tables.stderr()));
                    final String text = String.join("\n", tables.stdout());
                    assertTrue(text.startsWith("service web match=198.18.0.10:80/tcp M="), text);
                    assertTrue(text.contains("backend 10.0.2.3:80 weight=200 state=active health=up slots="), text);
                }
                try (LevitateProcess json =
                        LevitateProcess.start("tables", "--live", "--json", "--config", config.toString())) {
                    assertEquals(0, json.awaitExit(Duration.ofSeconds(60)), String.join("\n", json.stderr()));
                    assertTrue(json.stdout().getFirst().startsWith("{\"services\":[{\"name\":\"web\""));
                }
            }

            try (LevitateProcess lookup = LevitateProcess.start(
                    "lookup", "--live", "--socket", socket.toString(), "--flows", flowsFile.toString())) {
                assertEquals(0, lookup.awaitExit(Duration.ofSeconds(120)), String.join("\n", lookup.stderr()));
                for (final String line : lookup.stdout()) {
                    final Matcher m = FLOW.matcher(line);
                    assertTrue(m.find(), line);
                    answered.put(m.group(2), m.group(3));
                    reasons.merge(m.group(4), 1, Integer::sum);
                }
            }
            try (LevitateProcess plan = LevitateProcess.start("plan", config.toString(), "--against", "live")) {
                assertEquals(0, plan.awaitExit(Duration.ofSeconds(60)), String.join("\n", plan.stderr()));
                assertTrue(
                        String.join("\n", plan.stdout()).contains("service web: unchanged"),
                        plan.stdout().toString());
            }
            try (LevitateProcess fail = LevitateProcess.start(
                    "plan", "--fail", "10.0.2.3", "--against", "live", "--socket", socket.toString())) {
                assertEquals(0, fail.awaitExit(Duration.ofSeconds(60)), String.join("\n", fail.stderr()));
                final String text = String.join("\n", fail.stdout());
                assertTrue(text.contains("service web 198.18.0.10:80/tcp: if 10.0.2.3:80 fails, "), text);
                assertTrue(text.contains("to 10.0.2.1:80"), text);
            }
            final String metrics = new String(
                    java.net
                            .URI
                            .create(bound.substring(bound.indexOf("http://")))
                            .toURL()
                            .openStream()
                            .readAllBytes(),
                    StandardCharsets.UTF_8);
            assertTrue(metrics.contains("levitate_service_table_info{service=\"web\",digest=\""), metrics);

            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
        }
        final Map<String, String> reached = new HashMap<>();
        for (final String[] row : TsharkFields.read(out, "gre", "a", "ip.dst", "tcp.srcport")) {
            reached.put(row[1], row[0].split(",")[0]); // inner source port -> outer destination
        }
        assertEquals(FLOWS, reached.size(), "one tunnel packet per flow");
        assertEquals(FLOWS, answered.size(), "one lookup answer per flow");
        int agree = 0;
        for (final Map.Entry<String, String> e : reached.entrySet()) {
            assertEquals(e.getValue(), answered.get(e.getKey()), "flow from port " + e.getKey());
            agree++;
        }
        // Every flow is still tracked (SYN-only timeout 300 s): the answers came from the workers' tables.
        assertEquals(Map.of("conntrack", FLOWS), reasons, "each worker's conntrack answered through its mailbox");
        System.out.printf(
                "LiveStateIT: lookup --live agrees with the data plane for %d of %d flows (reasons %s)%n",
                agree, FLOWS, reasons);
    }

    private static String request(final Path socket, final String line) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            final ByteBuffer in = ByteBuffer.allocate(8192);
            while (channel.read(in) > 0) {
                // Until the server closes.
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        }
    }
}
