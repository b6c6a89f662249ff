package io.levitate.perf.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated pcap is checked by an independent dissector (tshark: checksums, flow count,
 * flags) and by reading it back here (structure, determinism).
 */
class PcapGeneratorTest {
    private static final Path TSHARK = Path.of("/usr/bin/tshark");
    private static final int VIP = 0xC6120001; // 198.18.0.1

    @TempDir
    Path dir;

    @Test
    void ipv4FramesHaveValidChecksumsAndTheRequestedFlows() throws Exception {
        assumeTrue(Files.isExecutable(TSHARK), "tshark not installed");
        TrafficSpec spec = new TrafficSpec(1000, 0, 0.2, false, 0, 1, 80, 7);
        Path pcap = dir.resolve("v4.pcap");
        PcapGenerator.Summary s = PcapGenerator.generate(spec, VIP, pcap, dir.resolve("v4.rules"), 1);
        assertEquals(1250, s.packets());
        assertEquals(250, s.synPackets());

        List<String[]> rows = tshark(
                pcap,
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.check_checksum:TRUE",
                "-e",
                "ip.checksum.status",
                "-e",
                "tcp.checksum.status",
                "-e",
                "frame.len",
                "-e",
                "ip.src",
                "-e",
                "tcp.srcport",
                "-e",
                "ip.dst",
                "-e",
                "tcp.dstport",
                "-e",
                "tcp.flags.syn");
        assertEquals(1250, rows.size());
        Set<String> established = new HashSet<>();
        Set<String> synFlows = new HashSet<>();
        for (String[] r : rows) {
            assertEquals("1", r[0], "IPv4 header checksum status (1 = good)");
            assertEquals("1", r[1], "TCP checksum status (1 = good)");
            assertEquals("60", r[2], "64-byte frame minus FCS");
            assertEquals("198.18.0.1", r[5]);
            assertEquals("80", r[6]);
            String tuple = r[3] + ":" + r[4];
            boolean syn = r[7].equals("1") || r[7].equalsIgnoreCase("true");
            assertTrue((syn ? synFlows : established).add(tuple) || !syn, "every SYN is from a new flow");
        }
        assertEquals(1000, established.size(), "distinct established flows");
        assertEquals(250, synFlows.size());
        established.retainAll(synFlows);
        assertTrue(established.isEmpty(), "SYN flows are disjoint from established flows");
    }

    @Test
    void ipv6FramesHaveValidChecksums() throws Exception {
        assumeTrue(Files.isExecutable(TSHARK), "tshark not installed");
        TrafficSpec spec = new TrafficSpec(300, 600, 0.0, true, 0, 1, 443, 3);
        Path pcap = dir.resolve("v6.pcap");
        PcapGenerator.generate(spec, VIP, pcap, null, 1);
        List<String[]> rows = tshark(
                pcap,
                "-o",
                "tcp.check_checksum:TRUE",
                "-e",
                "tcp.checksum.status",
                "-e",
                "frame.len",
                "-e",
                "ipv6.src",
                "-e",
                "tcp.srcport",
                "-e",
                "ipv6.dst");
        assertEquals(600, rows.size());
        Set<String> flows = new HashSet<>();
        for (String[] r : rows) {
            assertEquals("1", r[0], "TCP checksum status (1 = good)");
            assertEquals("74", r[1], "78-byte minimum IPv6 frame minus FCS");
            assertEquals("2001:db8::ffff:0:1", r[4]);
            flows.add(r[2] + ":" + r[3]);
        }
        assertEquals(300, flows.size(), "600 packets cycle over 300 flows");
    }

    @Test
    void anIpv6CaptureIntroducesBothGatewaysFirst() throws Exception {
        assumeTrue(Files.isExecutable(TSHARK), "tshark not installed");
        TrafficSpec spec = new TrafficSpec(10, 0, 0.0, true, 0, 1, 80, 3);
        Path pcap = dir.resolve("gw6.pcap");
        PcapGenerator.Summary s = PcapGenerator.generate(spec, VIP, pcap, null, 1, true);
        assertEquals(10, s.packets(), "the introductions are not counted");
        List<String[]> rows = tshark(
                pcap,
                "-e",
                "arp.src.proto_ipv4",
                "-e",
                "icmpv6.type",
                "-e",
                "icmpv6.checksum.status",
                "-e",
                "ipv6.hlim",
                "-e",
                "icmpv6.nd.na.target_address",
                "-e",
                "icmpv6.nd.na.flag.o",
                "-e",
                "icmpv6.nd.na.flag.s",
                "-e",
                "icmpv6.opt.linkaddr",
                "-e",
                "ipv6.dst");
        assertEquals(12, rows.size());
        assertEquals("10.0.1.1", rows.get(0)[0], "the ARP reply first");
        String[] na = rows.get(1);
        assertEquals("136", na[1], "then a neighbour advertisement");
        assertEquals("1", na[2], "ICMPv6 checksum status (1 = good)");
        assertEquals("255", na[3]);
        assertEquals("2001:db8:1::1", na[4], "for the gateway of perf/bench/lb.yaml");
        assertTrue(na[5].equals("1") || na[5].equalsIgnoreCase("true"), "override");
        assertTrue(na[6].equals("0") || na[6].equalsIgnoreCase("false"), "unsolicited");
        assertEquals("02:00:00:00:00:01", na[7]);
        assertEquals("ff02::1", na[8]);
        assertEquals("", rows.get(2)[1], "then the TCP frames");
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        TrafficSpec spec = new TrafficSpec(500, 0, 0.1, false, 0, 4, 80, 42);
        Path a = dir.resolve("a.pcap");
        Path b = dir.resolve("b.pcap");
        Path c = dir.resolve("c.pcap");
        PcapGenerator.generate(spec, VIP, a, null, 1);
        PcapGenerator.generate(spec, VIP, b, null, 1);
        PcapGenerator.generate(new TrafficSpec(500, 0, 0.1, false, 0, 4, 80, 43), VIP, c, null, 1);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
    }

    @Test
    void checksumsVerifyWithoutTshark() throws IOException {
        // Independent of tshark: a correct checksum makes the one's-complement sum over the
        // covered bytes (with the checksum field in place) 0xFFFF.
        Path pcap = dir.resolve("sum.pcap");
        PcapGenerator.generate(new TrafficSpec(64, 0, 0.5, false, 128, 1, 80, 9), VIP, pcap, null, 1);
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(PcapFileWriter.MAGIC_MICROS, file.getInt(0));
        int offset = PcapFileWriter.FILE_HEADER_LENGTH;
        int packets = 0;
        while (offset < file.limit()) {
            int length = file.getInt(offset + 8);
            assertEquals(124, length, "128-byte frame minus FCS");
            byte[] frame = new byte[length];
            file.get(offset + PcapFileWriter.RECORD_HEADER_LENGTH, frame);
            assertEquals(0xFFFF, TcpFrameBuilder.onesComplementSum(frame, 14, 20, 0), "IPv4 header");
            int tcpLength = length - 34;
            int pseudo = TcpFrameBuilder.onesComplementSum(frame, 26, 8, 0) + 6 + tcpLength;
            assertEquals(0xFFFF, TcpFrameBuilder.onesComplementSum(frame, 34, tcpLength, pseudo), "TCP");
            offset += PcapFileWriter.RECORD_HEADER_LENGTH + length;
            packets++;
        }
        assertEquals(128, packets);
    }

    @Test
    void l3fwdRulesCoverEveryTupleOfThePcap() throws Exception {
        TrafficSpec spec = new TrafficSpec(100, 0, 0.5, false, 0, 1, 80, 5);
        Path rules = dir.resolve("r.rules");
        PcapGenerator.Summary s = PcapGenerator.generate(spec, VIP, dir.resolve("r.pcap"), rules, 1);
        List<String> lines = Files.readAllLines(rules).stream()
                .filter(l -> l.startsWith("R"))
                .toList();
        assertEquals(s.distinctTuples(), lines.size());
        assertEquals(200, lines.size());
        for (String l : lines) {
            String[] f = l.substring(1).split(" ");
            assertEquals(6, f.length, l);
            assertEquals("198.18.0.1", f[0]);
            assertTrue(f[1].startsWith("10."), l);
            assertEquals("80", f[2]);
            assertEquals("6", f[4]);
            assertEquals("1", f[5]);
        }
    }

    @Test
    void flowKeysAreDistinct() {
        FlowKeys keys = new FlowKeys(1);
        Set<Long> seen = new HashSet<>();
        for (long i = 0; i < 300_000; i++) {
            long k = keys.key(i);
            assertTrue(k >= 0 && k < FlowKeys.CAPACITY);
            assertTrue(seen.add(k), "duplicate key at " + i);
            int port = FlowKeys.port(k);
            assertTrue(port >= 32768 && port <= 65535);
        }
        // the top of the range is reachable too
        assertTrue(keys.key(FlowKeys.CAPACITY - 1) < FlowKeys.CAPACITY);
    }

    private List<String[]> tshark(Path pcap, String... fields) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TSHARK.toString(), "-r", pcap.toString(), "-T", "fields"));
        cmd.addAll(List.of(fields));
        Path out = dir.resolve(pcap.getFileName() + ".txt");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, p.exitValue(), "tshark exit status");
        return Files.readAllLines(out).stream().map(l -> l.split("\t", -1)).toList();
    }
}
