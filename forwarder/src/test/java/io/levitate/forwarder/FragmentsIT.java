package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.maglev.Backend;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import io.levitate.packet.testing.FrameBuilder;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fragments of UDP datagrams to port-specific services, through two real forwarders (two
 * Levitate machines with one configuration) on net_pcap. tshark reads each output: every fragment
 * (first, middle, last; IPv4 and IPv6) is tunnelled, all fragments of a datagram to one backend of
 * the service the file means, the same backend on both machines, and the backend a Maglev table
 * built here from the same file gives for the datagram's 3-tuple.
 */
class FragmentsIT {
    private static final long SEED = 0x6c6576;
    private static final String VIP = "198.18.0.53";
    private static final String VIP6 = "fd00:99::53";
    private static final String GAME_VIP = "198.18.0.60";
    private static final List<String> MDNS = List.of("10.0.3.1", "10.0.3.2", "10.0.3.3", "10.0.3.4");
    private static final List<String> MDNS6 = List.of("fd00:3::1", "fd00:3::2", "fd00:3::3");
    private static final List<String> GAME = List.of("10.0.4.1", "10.0.4.2", "10.0.4.3");
    private static final List<String> OTHER = List.of("10.0.5.1", "10.0.5.2");
    private static final int DATAGRAMS = 30;

    @TempDir
    Path dir;

    /** Per datagram: the client, its 3 fragments. */
    private List<byte[]> capture() {
        final List<byte[]> frames = new ArrayList<>(TestFrames.gatewaysIntroduced());
        final long portMac = 0x0270_6361_7000L;
        for (int d = 0; d < DATAGRAMS; d++) {
            final String client = "203.0.113." + (d + 1);
            final String client6 = "2001:db8:9::" + Integer.toHexString(d + 1);
            final String vip = d % 3 == 2 ? GAME_VIP : VIP;
            final int port = d % 3 == 2 ? 7777 : 5353;
            // A 2400-byte datagram in fragments of at most 1200 IP bytes (they fit a 1500 MTU tunnel).
            frames.add(new FrameBuilder()
                    .macs(portMac, 0x0200_0000_0002L)
                    .ipv4(client, vip)
                    .identification(0x100 + d)
                    .fragment(0, true)
                    .udp(40000 + d, port)
                    .payload(1172)
                    .build());
            frames.add(new FrameBuilder()
                    .macs(portMac, 0x0200_0000_0002L)
                    .ipv4(client, vip)
                    .identification(0x100 + d)
                    .fragment(147, true)
                    .protocol(17, new byte[0])
                    .payload(1176)
                    .build());
            frames.add(new FrameBuilder()
                    .macs(portMac, 0x0200_0000_0002L)
                    .ipv4(client, vip)
                    .identification(0x100 + d)
                    .fragment(294, false)
                    .protocol(17, new byte[0])
                    .payload(60)
                    .build());
            frames.add(new FrameBuilder()
                    .macs(portMac, 0x0200_0000_0002L)
                    .ipv6(client6, VIP6)
                    .ipv6Fragment(0, true, 0x200 + d)
                    .udp(40000 + d, 5353)
                    .payload(1100)
                    .build());
            frames.add(new FrameBuilder()
                    .macs(portMac, 0x0200_0000_0002L)
                    .ipv6(client6, VIP6)
                    .ipv6Fragment(139, true, 0x200 + d)
                    .protocol(17, new byte[0])
                    .payload(1104)
                    .build());
            frames.add(new FrameBuilder()
                    .macs(portMac, 0x0200_0000_0002L)
                    .ipv6(client6, VIP6)
                    .ipv6Fragment(277, false, 0x200 + d)
                    .protocol(17, new byte[0])
                    .payload(40)
                    .build());
        }
        return frames;
    }

    private Path config(final String name, final Path in, final Path out) throws Exception {
        final String yaml = """
            instance:
              name: %s-%d
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
            services:
              - name: mdns
                vip: %s
                port: 5353
                protocol: udp
                backends: [%s]
              - name: mdns6
                vip: "%s"
                port: 5353
                protocol: udp
                backends: [%s]
              - name: game
                vip: %s
                port: 7777
                protocol: udp
                fragments: true
                backends: [%s]
              - name: other
                vip: %s
                port: any
                protocol: udp
                backends: [%s]
            control:
              socket: "%s"
            """.formatted(
                        name,
                        ProcessHandle.current().pid(),
                        dir.resolve("counters"),
                        in,
                        out,
                        SEED,
                        VIP,
                        list(MDNS),
                        VIP6,
                        list(MDNS6),
                        GAME_VIP,
                        list(GAME),
                        GAME_VIP,
                        list(OTHER),
                        dir.resolve("ctl-" + name + ".sock"));
        final Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String list(final List<String> addresses) {
        final List<String> items = new ArrayList<>();
        addresses.forEach(a -> items.add("{address: \"" + a + "\"}"));
        return String.join(", ", items);
    }

    private static void run(final Path config, final int frames) throws Exception {
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config.toString(), "--stats-interval", "0.2", "--metrics", "127.0.0.1:0")) {
            levitate.awaitLine(l -> l.contains("w0 rx " + frames + " "), Duration.ofSeconds(60));
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
        }
    }

    /** Datagram ("client/id") to backend, per tshark; every frame of the output must be a tunnelled fragment. */
    private static Map<String, String> backends(final Path out) throws Exception {
        final List<String[]> outer = tshark(out, "f", "gre.proto", "ip.dst", "ipv6.dst");
        final List<String[]> inner = tshark(out, "l", "ip.src", "ip.id", "ipv6.src", "ipv6.fraghdr.ident");
        assertEquals(6 * DATAGRAMS, outer.size(), "every fragment was tunnelled");
        final Map<String, String> byDatagram = new HashMap<>();
        for (int i = 0; i < outer.size(); i++) {
            final String[] o = outer.get(i);
            final String[] n = inner.get(i);
            assertTrue(o[0].equals("0x0800") || o[0].equals("0x86dd"), "GRE carries IP: " + o[0]);
            final String backend =
                    InetAddress.getByName(o[1].isEmpty() ? o[2] : o[1]).getHostAddress();
            final boolean v6 = !n[2].isEmpty();
            final String datagram = v6
                    ? InetAddress.getByName(n[2]).getHostAddress() + "/" + Long.decode(n[3])
                    : n[0] + "/" + Long.decode(n[1]);
            final String previous = byDatagram.putIfAbsent(datagram, backend);
            assertTrue(
                    previous == null || previous.equals(backend),
                    datagram + " went to " + previous + " and " + backend);
        }
        return byDatagram;
    }

    /** tshark's fields of every GRE frame, with IP reassembly off so that each tunnelled fragment is one row. */
    private static List<String[]> tshark(final Path pcap, final String occurrence, final String... fields)
            throws Exception {
        final List<String> command = new ArrayList<>(List.of(
                "tshark",
                "-r",
                pcap.toString(),
                "-o",
                "ip.defragment:FALSE",
                "-o",
                "ipv6.defragment:FALSE",
                "-Y",
                "gre",
                "-T",
                "fields",
                "-E",
                "separator=|",
                "-E",
                "occurrence=" + occurrence));
        for (final String f : fields) {
            command.add("-e");
            command.add(f);
        }
        final Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command));
        final List<String[]> rows = new ArrayList<>();
        for (final String line : text.split("\n")) {
            if (!line.isBlank()) {
                rows.add(Arrays.copyOf(line.split("\\|", -1), fields.length));
            }
        }
        return rows;
    }

    @Test
    void everyFragmentOfADatagramReachesOneBackendOfItsServiceOnBothMachines() throws Exception {
        final List<byte[]> input = capture();
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, input);
        final Path outA = dir.resolve("a.pcap");
        final Path outB = dir.resolve("b.pcap");
        run(config("lb-a", in, outA), input.size());
        run(config("lb-b", in, outB), input.size());
        final Map<String, String> a = backends(outA);
        assertEquals(a, backends(outB), "both machines chose the same backend for every datagram");

        final ServiceTable mdns = table(VIP, 5353, MDNS);
        final ServiceTable mdns6 = table(VIP6, 5353, MDNS6);
        final ServiceTable game = table(GAME_VIP, 7777, GAME);
        final Set<String> used = new HashSet<>();
        for (int d = 0; d < DATAGRAMS; d++) {
            final String client = "203.0.113." + (d + 1);
            final boolean toGame = d % 3 == 2;
            final String expected = expected(toGame ? game : mdns, client, toGame ? GAME_VIP : VIP);
            assertEquals(expected, a.get(client + "/" + (0x100 + d)), "IPv4 datagram " + d);
            final String client6 = InetAddress.getByName("2001:db8:9::" + Integer.toHexString(d + 1))
                    .getHostAddress();
            assertEquals(expected(mdns6, client6, VIP6), a.get(client6 + "/" + (0x200 + d)), "IPv6 datagram " + d);
            used.add(expected);
        }
        assertTrue(used.size() > 3, "datagrams spread over backends: " + used);
    }

    private static ServiceTable table(final String vip, final int port, final List<String> addresses) {
        final List<Backend> list = new ArrayList<>();
        addresses.forEach(a -> list.add(Backend.of(a, port, 100)));
        return ServiceTable.build(ServiceConfig.of(vip, port, 17, list), SEED);
    }

    /** The backend of a fragment of {@code src} to {@code dst} (3-tuple) by the independently built table. */
    private static String expected(final ServiceTable table, final String src, final String dst) throws Exception {
        final byte[] s = InetAddress.getByName(src).getAddress();
        final byte[] d = InetAddress.getByName(dst).getAddress();
        final int slot = s.length == 4
                ? table.lookupV4(ByteBuffer.wrap(s).getInt(), ByteBuffer.wrap(d).getInt(), 0, 0, 17, true)
                : table.lookupV6(
                        ByteBuffer.wrap(s).getLong(),
                        ByteBuffer.wrap(s, 8, 8).getLong(),
                        ByteBuffer.wrap(d).getLong(),
                        ByteBuffer.wrap(d, 8, 8).getLong(),
                        0,
                        0,
                        17,
                        true);
        return table.backend(slot).address().getHostAddress();
    }
}
