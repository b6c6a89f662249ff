package io.levitate.gre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.Addresses;
import io.levitate.packet.Classification;
import io.levitate.packet.DropReason;
import io.levitate.packet.FlowKey;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.Verdict;
import io.levitate.packet.testing.FrameBuilder;
import io.levitate.packet.testing.Frames;
import io.levitate.packet.testing.PcapWriter;
import io.levitate.packet.testing.Tshark;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encapsulation checked by tshark: every case is a client frame, a tunnel and the outer fields
 * tshark must report; the inner packet must still dissect with good checksums, and decapsulation
 * must give back the client's IP packet byte for byte.
 */
class GreGoldenTest {
    static final long PORT_MAC = Addresses.mac("02:4c:42:00:00:01");
    static final long ROUTER_MAC = Addresses.mac("02:00:00:00:00:fe");
    static final long BACKEND_MAC_V4 = Addresses.mac("02:be:00:00:00:04");
    static final long BACKEND_MAC_V6 = Addresses.mac("02:be:00:00:00:06");
    static final EncapConfig CONFIG = EncapConfig.builder()
            .portMac(PORT_MAC)
            .sourceV4("10.99.0.1")
            .sourceV6("fd00:99::1")
            .ttl(33)
            .build();
    static final GreTunnel V4_BACKEND = GreTunnel.ipv4("10.200.0.5", BACKEND_MAC_V4);
    static final GreTunnel V6_BACKEND = GreTunnel.ipv6("fd00:200::5", BACKEND_MAC_V6);

    record Case(
            String name,
            byte[] client,
            GreTunnel tunnel,
            String outerSrc,
            String outerDst,
            String innerSrc,
            String innerDst,
            byte[] innerIp,
            byte[] encapsulated) {}

    static final List<Case> CASES = new ArrayList<>();
    static List<Map<String, String>> dissected;

    static void add(String name, FrameBuilder client, GreTunnel tunnel) {
        byte[] frame = client.build();
        byte[] innerIp = client.buildL3();
        PacketClassifier classifier = new PacketClassifier();
        Classification c = new Classification();
        GreEncapsulator encap = new GreEncapsulator(CONFIG);
        EncapResult r = new EncapResult();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = Frames.place(arena, frame);
            Verdict v = classifier.classify(s, Frames.HEADROOM, frame.length, c);
            assertTrue(v == Verdict.VIP_CANDIDATE || v == Verdict.ICMP_ERROR, name + " " + c);
            String innerSrc = Addresses.format(c.key.family, c.key.srcHi, c.key.srcLo);
            String innerDst = Addresses.format(c.key.family, c.key.dstHi, c.key.dstLo);
            assertEquals(
                    EncapVerdict.ENCAPSULATED,
                    encap.encapsulate(s, Frames.HEADROOM, frame.length, Frames.HEADROOM, c, tunnel, 0, r),
                    name);
            boolean v4 = tunnel.family() == FlowKey.FAMILY_IPV4;
            CASES.add(new Case(
                    name,
                    frame,
                    tunnel,
                    v4 ? "10.99.0.1" : "fd00:99::1",
                    v4 ? "10.200.0.5" : "fd00:200::5",
                    innerSrc,
                    innerDst,
                    innerIp,
                    Frames.bytes(s, r.dataOffset, r.dataLength)));
        }
    }

    static FrameBuilder v4Client() {
        return new FrameBuilder().macs(PORT_MAC, ROUTER_MAC).ipv4("198.51.100.7", "192.0.2.10");
    }

    static FrameBuilder v6Client() {
        return new FrameBuilder().macs(PORT_MAC, ROUTER_MAC).ipv6("2001:db8:1::7", "2001:db8:ffff::10");
    }

    static {
        add(
                "v4-in-v4 64-byte tcp syn",
                v4Client().tos(0x2A).dontFragment().tcp(40000, 80, 0x02).padTo(60),
                V4_BACKEND);
        add("v6-in-v6 tcp", v6Client().tos(0xB8).tcp(50000, 443, 0x18).payload(300), V6_BACKEND);
        add("v4-in-v6 udp", v4Client().udp(33001, 33000).payload(40), V6_BACKEND);
        add("v6-in-v4 udp", v6Client().udp(33001, 33000).payload(40), V4_BACKEND);
        add("keyed gre", v4Client().tcp(40001, 80, 0x10).payload(10), V4_BACKEND.withKey(0xDEADBEEF));
        add("keyed gre, v6 outer", v6Client().tcp(40001, 80, 0x10).payload(10), V6_BACKEND.withKey(7));
        add("QinQ tagged input", v4Client().vlan(0x88A8, 100).vlan(0x8100, 200).tcp(40002, 80, 0x02), V4_BACKEND);
        add("802.1Q tagged v6 input", v6Client().vlan(0x8100, 300).tcp(40003, 80, 0x02), V6_BACKEND);
        add(
                "v6 with extension headers",
                v6Client()
                        .optionsHeader(0, 0)
                        .routingHeader()
                        .optionsHeader(60, 1)
                        .udp(6000, 33000)
                        .payload(20),
                V6_BACKEND);
        add(
                "v4 middle fragment",
                v4Client().fragment(185, true).protocol(17, new byte[0]).payload(64),
                V4_BACKEND);
        add(
                "v6 first fragment",
                v6Client().ipv6Fragment(0, true, 99).udp(7000, 33000).payload(64),
                V4_BACKEND);
        byte[] quoted = new FrameBuilder()
                .ipv4("192.0.2.10", "198.51.100.7")
                .dontFragment()
                .tcp(80, 40000, 0x10)
                .payload(1400)
                .buildL3();
        add(
                "icmp frag-needed about a VIP flow, steered",
                new FrameBuilder()
                        .macs(PORT_MAC, ROUTER_MAC)
                        .ipv4("203.0.113.1", "192.0.2.10")
                        .icmp(3, 4, 1400)
                        .payload(Arrays.copyOf(quoted, 28)),
                V4_BACKEND);
    }

    @BeforeAll
    static void dissect(@TempDir Path dir) {
        assertTrue(Tshark.available(), "tshark is required (scripts/setup.sh installs it)");
        List<byte[]> frames = new ArrayList<>();
        CASES.forEach(c -> frames.add(c.encapsulated()));
        Path pcap = PcapWriter.write(dir.resolve("gre.pcap"), frames);
        assertEquals("", Tshark.complaints(pcap), "tshark -V flags these");
        dissected = Tshark.fields(
                pcap,
                "eth.dst",
                "eth.src",
                "eth.type",
                "ip.src",
                "ip.dst",
                "ipv6.src",
                "ipv6.dst",
                "ip.proto",
                "ip.ttl",
                "ip.flags.df",
                "ip.dsfield",
                "ip.len",
                "ip.checksum.status",
                "ipv6.plen",
                "ipv6.nxt",
                "ipv6.hlim",
                "ipv6.tclass",
                "ipv6.flow",
                "gre.proto",
                "gre.flags.key",
                "gre.key",
                "gre.flags.version",
                "tcp.checksum.status",
                "udp.checksum.status",
                "icmp.checksum.status",
                "vlan.id");
        assertEquals(CASES.size(), dissected.size());
    }

    @Test
    void outerHeadersMatchTshark() {
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            Map<String, String> t = dissected.get(i);
            String ctx = c.name() + " " + t;
            boolean outerV4 = c.tunnel().family() == FlowKey.FAMILY_IPV4;
            boolean innerV4 = c.innerIp()[0] >>> 4 == 4;
            assertEquals(Addresses.formatMac(c.tunnel().nextHopMac()), t.get("eth.dst"), ctx);
            assertEquals(Addresses.formatMac(PORT_MAC), t.get("eth.src"), ctx);
            assertEquals(outerV4 ? "0x0800" : "0x86dd", t.get("eth.type"), ctx);
            assertEquals("", t.get("vlan.id"), ctx);
            String expectedSrc = outerV4 ? "ip.src" : "ipv6.src";
            String expectedDst = outerV4 ? "ip.dst" : "ipv6.dst";
            assertEquals(c.outerSrc(), values(t, expectedSrc)[0], ctx);
            assertEquals(c.outerDst(), values(t, expectedDst)[0], ctx);
            String innerSrcField = innerV4 ? "ip.src" : "ipv6.src";
            String innerDstField = innerV4 ? "ip.dst" : "ipv6.dst";
            String[] srcs = values(t, innerSrcField);
            String[] dsts = values(t, innerDstField);
            assertEquals(c.innerSrc(), srcs[outerV4 == innerV4 ? 1 : 0], ctx);
            assertEquals(c.innerDst(), dsts[outerV4 == innerV4 ? 1 : 0], ctx);
            assertEquals(innerV4 ? "0x0800" : "0x86dd", t.get("gre.proto"), ctx);
            assertEquals("0", t.get("gre.flags.version"), ctx);
            if (c.tunnel().keyed()) {
                assertEquals("1", t.get("gre.flags.key"), ctx);
                assertEquals(
                        Integer.toUnsignedString(c.tunnel().key()),
                        Long.decode(t.get("gre.key")).toString(),
                        ctx);
            } else {
                assertEquals("0", t.get("gre.flags.key"), ctx);
            }
            int greLength = c.tunnel().keyed() ? 8 : 4;
            if (outerV4) {
                assertEquals("47", values(t, "ip.proto")[0], ctx);
                assertEquals("33", values(t, "ip.ttl")[0], ctx);
                assertEquals("1", values(t, "ip.flags.df")[0], ctx); // DfPolicy.SET
                assertEquals("1", values(t, "ip.checksum.status")[0], ctx);
                assertEquals(20 + greLength + c.innerIp().length, Integer.parseInt(values(t, "ip.len")[0]), ctx);
                if (innerV4) {
                    assertEquals(values(t, "ip.dsfield")[1], values(t, "ip.dsfield")[0], "TOS copied " + ctx);
                }
            } else {
                assertEquals("47", values(t, "ipv6.nxt")[0], ctx);
                assertEquals("33", values(t, "ipv6.hlim")[0], ctx);
                assertEquals(greLength + c.innerIp().length, Integer.parseInt(values(t, "ipv6.plen")[0]), ctx);
                assertNotEquals("0x00000", values(t, "ipv6.flow")[0], ctx);
                if (!innerV4) {
                    assertEquals(values(t, "ipv6.tclass")[1], values(t, "ipv6.tclass")[0], "class copied " + ctx);
                }
            }
            // The inner packet is untouched: its checksums still verify (fragments carry none).
            for (String f : new String[] {"tcp.checksum.status", "udp.checksum.status", "icmp.checksum.status"}) {
                String v = t.get(f);
                assertTrue(v.isEmpty() || v.equals("1") || v.equals("2"), f + " " + ctx);
            }
            if (innerV4 && outerV4) {
                for (String status : values(t, "ip.checksum.status")) {
                    assertEquals("1", status, ctx); // outer, inner (and a quoted header, if any)
                }
            }
            // The encapsulated frame is exactly: 14 + outer IP + GRE + client IP packet.
            int outerIp = outerV4 ? 20 : 40;
            assertEquals(14 + outerIp + greLength + c.innerIp().length, c.encapsulated().length, ctx);
            assertArrayEquals(
                    c.innerIp(),
                    Arrays.copyOfRange(c.encapsulated(), 14 + outerIp + greLength, c.encapsulated().length),
                    ctx);
        }
    }

    @Test
    void decapsulationGivesBackTheClientPacket() {
        GreDecapsulator decap = new GreDecapsulator();
        DecapResult r = new DecapResult();
        PacketClassifier classifier = new PacketClassifier();
        Classification inner = new Classification();
        try (Arena arena = Arena.ofConfined()) {
            for (Case c : CASES) {
                MemorySegment s = Frames.place(arena, c.encapsulated());
                assertTrue(decap.decapsulate(s, Frames.HEADROOM, c.encapsulated().length, r), c.name());
                assertEquals(DropReason.NONE, r.dropReason);
                assertEquals(c.tunnel().family(), r.outerFamily);
                assertEquals(c.tunnel().keyed(), r.keyed);
                assertEquals(c.tunnel().key(), r.key);
                assertArrayEquals(c.innerIp(), Frames.bytes(s, r.innerOffset, r.innerLength), c.name());
                decap.toEthernet(s, r, 0x020000000099L, 0x020000000098L);
                Verdict v = classifier.classify(s, r.frameOffset, r.frameLength, inner);
                assertTrue(v == Verdict.VIP_CANDIDATE || v == Verdict.ICMP_ERROR, c.name() + " " + inner);
                assertEquals(c.innerSrc(), Addresses.format(inner.key.family, inner.key.srcHi, inner.key.srcLo));
            }
            // A frame that is not GRE is refused with a reason.
            byte[] plain = v4Client().tcp(1, 2, 0x02).build();
            MemorySegment s = Frames.place(arena, plain);
            assertTrue(!decap.decapsulate(s, Frames.HEADROOM, plain.length, r));
            assertEquals(DropReason.BAD_GRE, r.dropReason);
        }
    }

    static String[] values(Map<String, String> t, String field) {
        return t.get(field).split(",", -1);
    }
}
