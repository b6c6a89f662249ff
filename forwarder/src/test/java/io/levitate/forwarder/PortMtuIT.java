package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.Checksums;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * instance.ports[].mtu reaches the port: jumbo frames through net_pcap (in one mbuf, tunnelled
 * intact up to the MTU, the too-big policy's answer above it), and an MTU the device cannot take
 * refused at start with one line. Runs the real launcher; tshark reads what comes out.
 */
class PortMtuIT {
    private static final String VIP = "198.18.0.10";
    private static final String BACKEND = "10.0.2.11";
    private static final String CLIENT = "10.9.0.1";
    private static final int MTU = 9000;
    /** GRE in IPv4 without a key: outer IPv4 (20) + GRE (4). */
    private static final int TUNNEL = 24;
    /** The largest inner packet a port of {@link #MTU} tunnels: its outer packet is exactly the MTU. */
    private static final int LARGEST = MTU - TUNNEL;

    @TempDir
    Path dir;

    @Test
    void jumboFramesAreTunnelledIntactUpToTheMtuAndAnsweredByTheTooBigPolicyAbove() throws Exception {
        final byte[] fits = tcp(40000, LARGEST, true);
        final byte[] tooBigDf = tcp(40001, LARGEST + 1, true);
        final byte[] tooBigNoDf = tcp(40002, LARGEST + 1, false);
        final List<byte[]> input = List.of(
                TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"),
                fits,
                tooBigDf,
                tooBigNoDf);
        final Path in = dir.resolve("in.pcap");
        PcapFile.write(in, input);
        final Path out = dir.resolve("out.pcap");
        final List<String> stdout = run(config("net_pcap0,rx_pcap=" + in + ",tx_pcap=" + out, MTU), input.size());
        final String log = String.join("\n", stdout);

        // The pool holds the MTU's frame in one mbuf, and says so.
        assertTrue(log.contains("data room 9216 bytes (128 headroom)"), log);
        assertTrue(log.contains("mtu 9000 (device 46..65535)"), log);

        // Per tshark: the tunnel packet, outer IPv4 of exactly the MTU, GRE carrying IPv4, and the
        // whole inner packet with its payload; and the ICMP "fragmentation needed" for the client.
        final List<String[]> rows = TsharkFields.read(
                out,
                "gre || icmp",
                "a",
                "frame.len",
                "ip.len",
                "ip.src",
                "ip.dst",
                "gre.proto",
                "tcp.len",
                "tcp.payload",
                "icmp.type",
                "icmp.code",
                "icmp.mtu");
        assertEquals(2, rows.size(), "one tunnel packet and one ICMP error\n" + log);
        final String[] tunnel = rows.get(0);
        assertEquals(Integer.toString(14 + MTU), tunnel[0]);
        assertEquals(MTU + "," + LARGEST, tunnel[1], "outer and inner IPv4 lengths");
        assertEquals(BACKEND + "," + VIP, tunnel[3]);
        assertEquals("0x0800", tunnel[4]);
        assertEquals(Integer.toString(LARGEST - 40), tunnel[5]);
        assertEquals(
                HexFormat.of().formatHex(Arrays.copyOfRange(fits, 14 + 40, fits.length)),
                tunnel[6].replace(":", ""),
                "inner TCP payload");
        final String[] icmp = rows.get(1);
        assertEquals("3", icmp[7].split(",")[0]);
        assertEquals("4", icmp[8].split(",")[0]);
        assertEquals(Integer.toString(LARGEST), icmp[9], "next-hop MTU: the port's less the tunnel");
        assertTrue(
                icmp[2].startsWith(VIP + ",") && icmp[3].startsWith(CLIENT + ","),
                "from the VIP to the client: " + icmp[2] + " -> " + icmp[3]);

        // Byte for byte, the inner packet is the client's.
        final byte[] sent = PcapFile.read(out).stream()
                .filter(f -> f.length == 14 + MTU)
                .findFirst()
                .orElseThrow();
        assertArrayEquals(
                Arrays.copyOfRange(fits, 14, fits.length), Arrays.copyOfRange(sent, 14 + TUNNEL, sent.length));

        // Nothing was chained; the frame without DF is the policy's counted drop.
        assertFalse(log.contains("multi_segment="), log);
        assertTrue(log.contains("too_big=1"), log);
        assertTrue(log.contains("encapsulated 1 replies 1 "), log);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                // DPDK 22.11's net_tap: max_rx_pktlen 1522, so ethdev takes at most 1504.
                Arguments.of(
                        "net_tap",
                        "net_tap0,iface=lvmtu" + (ProcessHandle.current().pid() % 100000),
                        1505,
                        "port 'net_tap0' (net_tap): mtu 1505 is outside what the device takes (46..1504)"),
                // net_af_packet's default ring frames (2048 bytes) hold frames of at most 1982 bytes.
                Arguments.of(
                        "net_af_packet",
                        "net_af_packet0,iface=lo",
                        9000,
                        "port 'net_af_packet0' (net_af_packet): mtu 9000 is outside what the device takes (46..1968); "
                                + "net_af_packet's ring frames bound its MTU (framesz 2048): give it framesz=9088 or more"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void anMtuTheDeviceCannotTakeIsRefusedWithOneLine(
            final String name, final String device, final int mtu, final String expected) throws Exception {
        final Path config = config(device, mtu);
        final String prefix = "levitate-mtu-" + ProcessHandle.current().pid() + "-" + name;
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config.toString(), "--file-prefix", prefix, "--duration", "5")) {
            final int rc = levitate.awaitExit(Duration.ofSeconds(60));
            final List<String> stderr = levitate.stderr();
            assertEquals(
                    1,
                    stderr.size(),
                    "exactly one line on stderr, got:\n" + String.join("\n", stderr) + "\nstdout:\n"
                            + String.join("\n", levitate.stdout()));
            assertTrue(stderr.getFirst().startsWith("levitate: " + expected), stderr.getFirst());
            assertEquals(1, rc);
        }
        assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix)), "EAL runtime directory left behind");
    }

    /** TCP from the client to the VIP, an IPv4 packet of {@code ipLength} bytes with a patterned payload. */
    private static byte[] tcp(final int sourcePort, final int ipLength, final boolean dontFragment) {
        final byte[] segment = new byte[ipLength - 20];
        ByteBuffer.wrap(segment)
                .putShort((short) sourcePort)
                .putShort((short) 80)
                .putInt(1)
                .putInt(1)
                .put((byte) 0x50)
                .put((byte) 0x18)
                .putShort((short) 64240);
        for (int i = 20; i < segment.length; i++) {
            segment[i] = (byte) (i * 31 + sourcePort);
        }
        final byte[] packet = TestFrames.ipPacket(TestFrames.ip(CLIENT), TestFrames.ip(VIP), 6, segment, 16, 64);
        if (!dontFragment) {
            packet[6] = 0;
            packet[10] = 0;
            packet[11] = 0;
            final int sum = Checksums.ipv4Header(MemorySegment.ofArray(packet), 0, 20);
            packet[10] = (byte) (sum >>> 8);
            packet[11] = (byte) sum;
        }
        return TestFrames.ethernet(0x0800, packet);
    }

    private Path config(final String device, final int mtu) throws Exception {
        final String yaml = """
            instance:
              name: mtu-it-%d
              counters_dir: %s
              ports:
                - device: "%s"
                  mtu: %d
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
                backends: [{address: "%s"}]
            control:
              socket: "%s"
            """.formatted(
                        ProcessHandle.current().pid(),
                        dir.resolve("counters"),
                        device,
                        mtu,
                        VIP,
                        BACKEND,
                        dir.resolve("ctl.sock"));
        final Path file = dir.resolve("mtu.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static List<String> run(final Path config, final int frames) throws Exception {
        try (LevitateProcess levitate = LevitateProcess.start(
                "run", "--config", config.toString(), "--stats-interval", "0.2", "--metrics", "127.0.0.1:0")) {
            levitate.awaitLine(l -> l.contains("w0 rx " + frames + " "), Duration.ofSeconds(60));
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
            final List<String> lines = new ArrayList<>(levitate.stdout());
            lines.addAll(levitate.stderr());
            return lines;
        }
    }
}
