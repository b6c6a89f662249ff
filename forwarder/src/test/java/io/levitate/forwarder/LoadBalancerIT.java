package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.maglev.Backend;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load-balancing pipeline on net_pcap: a capture with VIP flows (TCP and UDP, IPv4 and IPv6),
 * ARP, non-VIP traffic, an ICMP too-big about a VIP flow, an echo request to the VIP and malformed
 * frames goes in; what comes out is read back by tshark and checked against a Maglev table built
 * independently in this test from the same configuration.
 */
class LoadBalancerIT {
    private static final long SEED = 42;
    private static final String VIP = "198.18.0.10";
    private static final String VIP6 = "fd00:99::10";
    private static final List<String> WEB = List.of("10.0.2.11", "10.0.2.12", "10.0.2.13");
    private static final List<String> DNS = List.of("10.0.3.21", "10.0.3.22");
    private static final List<String> WEB6 = List.of("fd00:2::11", "fd00:2::12");

    @TempDir
    Path dir;

    private int vipPackets;
    private int inputFrames;

    private List<byte[]> capture() {
        final List<byte[]> frames = new ArrayList<>();
        vipPackets = 0;
        // The gateways introduce themselves first (ARP reply, neighbour advertisement).
        frames.addAll(TestFrames.gatewaysIntroduced());
        // A client asks who has our address.
        frames.add(TestFrames.arp(1, TestFrames.CLIENT_MAC, "10.0.1.50", new byte[6], "10.0.1.2"));
        for (int f = 0; f < 60; f++) {
            final String client = "10.9." + (f / 200) + "." + (1 + f % 200);
            for (final int flags : new int[] {0x02, 0x10, 0x18}) {
                frames.add(TestFrames.l4(client, VIP, 6, 40000 + f, 80, flags));
                vipPackets++;
            }
        }
        for (int f = 0; f < 20; f++) {
            frames.add(TestFrames.l4("10.8.0." + (1 + f), VIP, 17, 5000 + f, 53, 0));
            frames.add(TestFrames.l4("10.8.0." + (1 + f), VIP, 17, 5000 + f, 53, 0));
            vipPackets += 2;
        }
        for (int f = 0; f < 20; f++) {
            frames.add(TestFrames.l4("2001:db8::" + Integer.toHexString(f + 1), VIP6, 6, 30000 + f, 80, 0x02));
            frames.add(TestFrames.l4("2001:db8::" + Integer.toHexString(f + 1), VIP6, 6, 30000 + f, 80, 0x10));
            vipPackets += 2;
        }
        // Not for a VIP: BGP to our own address, DNS to elsewhere.
        frames.add(TestFrames.l4("10.0.1.1", "10.0.1.2", 6, 33333, 179, 0x02));
        frames.add(TestFrames.l4("10.8.0.1", "192.0.2.53", 17, 5353, 53, 0));
        // A router says the DSR reply of flow 0 was too big: it must reach flow 0's backend.
        frames.add(TestFrames.icmpTooBig("10.7.7.7", VIP, "10.9.0.1", 80, 40000, 1400));
        // Ping the VIP.
        final byte[] echo = TestFrames.ethernet(
                0x0800,
                TestFrames.ipPacket(
                        TestFrames.ip("10.9.0.1"),
                        TestFrames.ip(VIP),
                        1,
                        ByteBuffer.allocate(16)
                                .put((byte) 8)
                                .put((byte) 0)
                                .putShort((short) 0)
                                .putInt(0x00010001)
                                .putLong(7)
                                .array(),
                        2,
                        64));
        frames.add(echo);
        // Malformed: truncated IPv4, bad IHL, bad version.
        final byte[] truncated = new byte[60];
        System.arraycopy(TestFrames.l4("10.9.0.9", VIP, 6, 1, 80, 0x02), 0, truncated, 0, 24);
        frames.add(java.util.Arrays.copyOf(truncated, 24));
        final byte[] badIhl = TestFrames.l4("10.9.0.9", VIP, 6, 2, 80, 0x02);
        badIhl[14] = 0x43;
        frames.add(badIhl);
        final byte[] badVersion = TestFrames.l4("10.9.0.9", VIP, 6, 3, 80, 0x02);
        badVersion[14] = 0x55;
        frames.add(badVersion);
        return frames;
    }

    private Path config(final Path in, final Path out) throws IOException {
        final String yaml = """
            instance:
              name: lb-it-%d
              counters_dir: %s
              ports:
                - device: "net_pcap0,rx_pcap=%s,tx_pcap=%s"
              workers: 1
              hugepages: "no"
              addresses:
                ipv4: 10.0.1.2
                ipv6: "fd00:1::2"
              gateways:
                ipv4: 10.0.1.1
                ipv6: "fd00:1::1"
            hash_seed: %d
            conntrack:
              capacity: 65536
            services:
              - name: web
                vip: %s
                port: 80
                protocol: tcp
                backends: [%s]
              - name: dns
                vip: %s
                port: 53
                protocol: udp
                backends: [%s]
              - name: web6
                vip: "%s"
                port: 80
                protocol: tcp
                backends: [%s]
            control:
              socket: "%s"
            """.formatted(
                        ProcessHandle.current().pid(),
                        dir.resolve("counters"),
                        in,
                        out,
                        SEED,
                        VIP,
                        backends(WEB),
                        VIP,
                        backends(DNS),
                        VIP6,
                        backends(WEB6),
                        dir.resolve("ctl-" + out.getFileName() + ".sock"));
        final Path file = dir.resolve("lb-" + out.getFileName() + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String backends(final List<String> addresses) {
        final List<String> items = new ArrayList<>();
        addresses.forEach(a -> items.add("{address: \"" + a + "\"}"));
        return String.join(", ", items);
    }

    private List<String> run(final Path config) throws Exception {
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config.toString(), "--stats-interval", "0.2", "--metrics", "127.0.0.1:0")) {
            levitate.awaitLine(l -> l.contains("w0 rx " + inputFrames + " "), Duration.ofSeconds(60));
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
            return levitate.stdout();
        }
    }

    @Test
    void vipTrafficIsEncapsulatedToTheMaglevBackendAndEverythingElseIsAnsweredOrCounted() throws Exception {
        final List<byte[]> input = capture();
        inputFrames = input.size();
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, input);
        final Path out = dir.resolve("out.pcap");
        final List<String> stdout = run(config(in, out));
        final String summary = String.join("\n", stdout);

        // 1. Every VIP packet went out GRE-encapsulated; per tshark, outer and inner fields.
        final List<String[]> outer = TsharkFields.read(out, null, "f", "ip.dst", "ipv6.dst", "gre.proto");
        final List<String[]> inner = TsharkFields.read(
                out,
                null,
                "l",
                "ip.src",
                "ipv6.src",
                "tcp.srcport",
                "udp.srcport",
                "ip.dst",
                "ipv6.dst",
                "icmp.type",
                "arp.opcode",
                "arp.src.proto_ipv4");
        int gre = 0;
        final Map<String, String> backendOfFlow = new HashMap<>();
        for (int i = 0; i < outer.size(); i++) {
            final String[] o = outer.get(i);
            final String[] n = inner.get(i);
            if (o[2].isEmpty()) {
                continue;
            }
            gre++;
            // Canonical text (tshark compresses IPv6 zeros, Java does not).
            final String backend = java.net.InetAddress.getByName(!o[0].isEmpty() ? o[0] : o[1])
                    .getHostAddress();
            if (n[6].equals("3")) {
                continue; // the steered ICMP error, checked below
            }
            final String flow = (n[0].isEmpty() ? n[1] : n[0]) + ":" + (n[2].isEmpty() ? n[3] : n[2]);
            final String previous = backendOfFlow.putIfAbsent(flow, backend);
            assertTrue(previous == null || previous.equals(backend), "flow " + flow + " went to two backends");
        }
        assertEquals(vipPackets + 1, gre, "VIP packets plus the steered ICMP error are encapsulated\n" + summary);
        assertEquals(100, backendOfFlow.size());

        // 2. ... to exactly the backend Maglev gives (the first packet of a flow decides; conntrack keeps it).
        final ServiceTable web = table(VIP, 80, 6, WEB);
        final ServiceTable dns = table(VIP, 53, 17, DNS);
        final ServiceTable web6 = table(VIP6, 80, 6, WEB6);
        for (int f = 0; f < 60; f++) {
            final String client = "10.9." + (f / 200) + "." + (1 + f % 200);
            assertEquals(expected(web, client, VIP, 40000 + f, 80, 6), backendOfFlow.get(client + ":" + (40000 + f)));
        }
        for (int f = 0; f < 20; f++) {
            final String client = "10.8.0." + (1 + f);
            assertEquals(expected(dns, client, VIP, 5000 + f, 53, 17), backendOfFlow.get(client + ":" + (5000 + f)));
            final String client6 = "2001:db8::" + Integer.toHexString(f + 1);
            assertEquals(
                    expected(web6, client6, VIP6, 30000 + f, 80, 6), backendOfFlow.get(client6 + ":" + (30000 + f)));
        }

        // 3. The ICMP too-big about flow 0 reached flow 0's backend.
        int steered = 0;
        for (int i = 0; i < outer.size(); i++) {
            if (!outer.get(i)[2].isEmpty() && inner.get(i)[6].equals("3")) {
                assertEquals(backendOfFlow.get("10.9.0.1:40000"), outer.get(i)[0]);
                steered++;
            }
        }
        assertEquals(1, steered);

        // 4. ARP answered (opcode 2 from our address); the ping of the VIP answered.
        assertEquals(
                1,
                inner.stream()
                        .filter(n -> n[7].equals("2") && n[8].equals("10.0.1.2"))
                        .count());
        assertEquals(1, inner.stream().filter(n -> n[6].equals("0")).count(), "echo reply");

        // 5. Counters match the capture, drops by reason.
        assertTrue(
                summary.contains("levitate: worker 0 lb: rx " + input.size() + " tx " + (vipPackets + 3)
                        + " encapsulated " + (vipPackets + 1) + " replies 2 drops:"),
                summary);
        for (final String reason :
                new String[] {"truncated_ip=1", "bad_ihl=1", "bad_ip_version=1", "no_service=2", "neighbour_consumed=2"
                }) {
            assertTrue(summary.contains(reason), reason + " in\n" + summary);
        }
        assertTrue(summary.contains("levitate: service web: packets 180 new-flows 60"), summary);
        assertTrue(summary.contains("levitate: service dns: packets 40 new-flows 20"), summary);
        assertTrue(summary.contains("levitate: service web6: packets 40 new-flows 20"), summary);

        // 6. Logs say what happened; `levitate tables` prints the digests the daemon built.
        assertTrue(summary.contains("levitate: IPv4 gateway resolved to 02:00:00:00:00:01"), summary);
        assertTrue(summary.contains("levitate: IPv6 gateway resolved to 02:00:00:00:00:01"), summary);
        try (LevitateProcess tables =
                LevitateProcess.start("tables", config(in, out).toString())) {
            assertEquals(0, tables.awaitExit(Duration.ofSeconds(60)), String.join("\n", tables.stderr()));
            int services = 0;
            for (final String line : tables.stdout()) {
                if (line.startsWith("service ")) {
                    final String name = line.split(" ")[1];
                    final String digest = line.substring(line.indexOf("digest=") + 7);
                    assertTrue(
                            summary.contains("levitate: service " + name + ": table size 65537, digest " + digest),
                            line);
                    services++;
                }
            }
            assertEquals(3, services);
        }

        // 7. Run again: the same input gives the same frames, byte for byte.
        final Path again = dir.resolve("again.pcap");
        run(config(in, again));
        L2ForwardIT.assertSameFrames(PcapFile.read(out), PcapFile.read(again));
    }

    private static ServiceTable table(final String vip, final int port, final int proto, final List<String> addresses) {
        final List<Backend> backends = new ArrayList<>();
        addresses.forEach(a -> backends.add(Backend.of(a, port, 100)));
        return ServiceTable.build(ServiceConfig.of(vip, port, proto, backends), SEED);
    }

    private static String expected(
            final ServiceTable table,
            final String src,
            final String dst,
            final int sport,
            final int dport,
            final int proto) {
        final byte[] s = TestFrames.ip(src);
        final byte[] d = TestFrames.ip(dst);
        final int slot = s.length == 4
                ? table.lookupV4(ByteBuffer.wrap(s).getInt(), ByteBuffer.wrap(d).getInt(), sport, dport, proto, false)
                : table.lookupV6(
                        ByteBuffer.wrap(s).getLong(),
                        ByteBuffer.wrap(s, 8, 8).getLong(),
                        ByteBuffer.wrap(d).getLong(),
                        ByteBuffer.wrap(d, 8, 8).getLong(),
                        sport,
                        dport,
                        proto,
                        false);
        return table.backend(slot).address().getHostAddress();
    }
}
