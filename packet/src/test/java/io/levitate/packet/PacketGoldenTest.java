package io.levitate.packet;

import static io.levitate.packet.transport.TcpFlyweight.ACK;
import static io.levitate.packet.transport.TcpFlyweight.PSH;
import static io.levitate.packet.transport.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.ethernet.ArpFlyweight;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6Flyweight;
import io.levitate.packet.testing.FrameBuilder;
import io.levitate.packet.testing.Frames;
import io.levitate.packet.testing.PcapWriter;
import io.levitate.packet.testing.Tshark;
import io.levitate.packet.transport.IcmpFlyweight;
import io.levitate.packet.transport.Icmpv6Flyweight;
import io.levitate.packet.transport.TcpFlyweight;
import io.levitate.packet.transport.UdpFlyweight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every flyweight and the classifier against tshark: a table of well-formed frames is written to
 * one pcap, tshark dissects it once, and for each frame every field tshark reports is compared
 * with what the flyweights read and what the classifier concluded. Checksums are checked twice:
 * tshark must call each one good, and {@link Checksums} must compute the same value.
 */
class PacketGoldenTest {
    record Case(String name, byte[] frame, Verdict verdict, boolean fragment) {}

    private static final List<Case> CASES = new ArrayList<>();
    private static final String[] FIELDS = {
        "eth.dst",
        "eth.src",
        "vlan.id",
        "ieee8021ad.id",
        "ip.version",
        "ip.hdr_len",
        "ip.dsfield",
        "ip.len",
        "ip.id",
        "ip.flags.df",
        "ip.flags.mf",
        "ip.frag_offset",
        "ip.ttl",
        "ip.proto",
        "ip.checksum",
        "ip.checksum.status",
        "ip.src",
        "ip.dst",
        "ipv6.tclass",
        "ipv6.flow",
        "ipv6.plen",
        "ipv6.nxt",
        "ipv6.hlim",
        "ipv6.src",
        "ipv6.dst",
        "ipv6.fraghdr.offset",
        "ipv6.fraghdr.more",
        "ipv6.fraghdr.nxt",
        "ipv6.fraghdr.ident",
        "tcp.srcport",
        "tcp.dstport",
        "tcp.seq_raw",
        "tcp.ack_raw",
        "tcp.hdr_len",
        "tcp.flags",
        "tcp.window_size_value",
        "tcp.checksum",
        "tcp.checksum.status",
        "udp.srcport",
        "udp.dstport",
        "udp.length",
        "udp.checksum",
        "udp.checksum.status",
        "icmp.type",
        "icmp.code",
        "icmp.checksum",
        "icmp.checksum.status",
        "icmp.mtu",
        "icmpv6.type",
        "icmpv6.code",
        "icmpv6.checksum",
        "icmpv6.checksum.status",
        "icmpv6.mtu",
        "arp.opcode",
        "arp.src.hw_mac",
        "arp.src.proto_ipv4",
        "arp.dst.hw_mac",
        "arp.dst.proto_ipv4",
    };

    private static List<Map<String, String>> dissected;

    static void add(String name, FrameBuilder b, Verdict verdict) {
        CASES.add(new Case(name, b.build(), verdict, false));
    }

    static void addFragment(String name, FrameBuilder b) {
        CASES.add(new Case(name, b.build(), Verdict.VIP_CANDIDATE, true));
    }

    static {
        add(
                "v4 tcp syn padded to minimum",
                new FrameBuilder()
                        .ipv4("198.51.100.7", "192.0.2.10")
                        .tcp(40000, 80, SYN)
                        .padTo(60),
                Verdict.VIP_CANDIDATE);
        add(
                "v4 tcp options df dscp",
                new FrameBuilder()
                        .ipv4("198.51.100.7", "192.0.2.10")
                        .tos(0xB8)
                        .dontFragment()
                        .tcpWithOptions(40001, 443, ACK | PSH, new byte[] {2, 4, 0x05, (byte) 0xB4, 1, 1, 4, 2})
                        .payload(100),
                Verdict.VIP_CANDIDATE);
        add(
                "v4 udp",
                new FrameBuilder()
                        .ipv4("198.51.100.8", "192.0.2.11")
                        .udp(33001, 33000)
                        .payload(33),
                Verdict.VIP_CANDIDATE);
        add(
                "v4 udp with ip options",
                new FrameBuilder()
                        .ipv4("198.51.100.8", "192.0.2.11")
                        .ipv4Options(new byte[] {(byte) 0x94, 4, 0, 0})
                        .udp(1000, 2000)
                        .payload(8),
                Verdict.VIP_CANDIDATE);
        add(
                "802.1Q tagged v4 tcp",
                new FrameBuilder()
                        .vlan(0x8100, 42)
                        .ipv4("203.0.113.5", "192.0.2.10")
                        .tcp(1234, 80, ACK)
                        .payload(20),
                Verdict.VIP_CANDIDATE);
        add(
                "QinQ tagged v4 tcp",
                new FrameBuilder()
                        .vlan(0x88A8, 100)
                        .vlan(0x8100, 200)
                        .ipv4("203.0.113.6", "192.0.2.10")
                        .tcp(1235, 80, SYN),
                Verdict.VIP_CANDIDATE);
        addFragment(
                "v4 first fragment",
                new FrameBuilder()
                        .ipv4("198.51.100.9", "192.0.2.12")
                        .fragment(0, true)
                        .identification(777)
                        .udp(4000, 33000)
                        .payload(64));
        addFragment(
                "v4 middle fragment",
                new FrameBuilder()
                        .ipv4("198.51.100.9", "192.0.2.12")
                        .fragment(185, true)
                        .identification(777)
                        .protocol(17, new byte[0])
                        .payload(64));
        add(
                "v4 icmp echo",
                new FrameBuilder()
                        .ipv4("198.51.100.10", "192.0.2.10")
                        .icmp(8, 0, 0x00010002)
                        .payload(32),
                Verdict.OTHER);
        byte[] quoted = new FrameBuilder()
                .ipv4("192.0.2.10", "198.51.100.7")
                .dontFragment()
                .tcp(80, 40000, ACK)
                .payload(1400)
                .buildL3();
        byte[] quotedHead = java.util.Arrays.copyOf(quoted, 28);
        add(
                "v4 icmp frag needed about a VIP flow",
                new FrameBuilder()
                        .ipv4("203.0.113.1", "192.0.2.10")
                        .icmp(3, 4, 1400)
                        .payload(quotedHead),
                Verdict.ICMP_ERROR);
        add(
                "v4 gre",
                new FrameBuilder()
                        .ipv4("198.51.100.11", "192.0.2.13")
                        .protocol(47, new byte[] {0, 0, 0x08, 0})
                        .payload(20),
                Verdict.OTHER);
        byte[] arp = new byte[28];
        new ArpFlyweight()
                .wrap(MemorySegment.ofArray(arp), 0, 28)
                .write(1, 0x020000000002L, Addresses.ipv4("192.0.2.1"), 0, Addresses.ipv4("192.0.2.2"));
        CASES.add(new Case(
                "arp request",
                new FrameBuilder()
                        .macs(0xFFFFFFFFFFFFL, 0x020000000002L)
                        .rawL3(0x0806, arp)
                        .padTo(60)
                        .build(),
                Verdict.ARP,
                false));
        add(
                "v6 tcp",
                new FrameBuilder()
                        .ipv6("2001:db8:1::7", "2001:db8:ffff::10")
                        .tos(0x20)
                        .flowLabel(0xABCDE)
                        .tcp(50000, 443, SYN),
                Verdict.VIP_CANDIDATE);
        add(
                "v6 udp behind hop-by-hop, routing, destination options",
                new FrameBuilder()
                        .ipv6("2001:db8:1::8", "2001:db8:ffff::11")
                        .optionsHeader(0, 0)
                        .routingHeader()
                        .optionsHeader(60, 1)
                        .udp(6000, 33000)
                        .payload(21),
                Verdict.VIP_CANDIDATE);
        addFragment(
                "v6 first fragment",
                new FrameBuilder()
                        .ipv6("2001:db8:1::9", "2001:db8:ffff::12")
                        .ipv6Fragment(0, true, 0xCAFE)
                        .udp(7000, 33000)
                        .payload(100));
        // RFC 6946: offset 0 and M clear is a whole datagram, handled by its ports like any other.
        add(
                "v6 atomic fragment",
                new FrameBuilder()
                        .ipv6("2001:db8:1::9", "2001:db8:ffff::12")
                        .ipv6Fragment(0, false, 0xBEEF)
                        .udp(7001, 33000)
                        .payload(50),
                Verdict.VIP_CANDIDATE);
        addFragment(
                "v6 later fragment behind destination options",
                new FrameBuilder()
                        .ipv6("2001:db8:1::9", "2001:db8:ffff::12")
                        .optionsHeader(60, 0)
                        .ipv6Fragment(100, false, 0xCAFE)
                        .protocol(17, new byte[0])
                        .payload(40));
        byte[] quoted6 = new FrameBuilder()
                .ipv6("2001:db8:ffff::10", "2001:db8:1::7")
                .tcp(443, 50000, ACK)
                .payload(1400)
                .buildL3();
        add(
                "v6 packet too big about a VIP flow",
                new FrameBuilder()
                        .ipv6("2001:db8:aaaa::1", "2001:db8:ffff::10")
                        .icmpv6(2, 0, 1400)
                        .payload(java.util.Arrays.copyOf(quoted6, 200)),
                Verdict.ICMP_ERROR);
        add(
                "v6 neighbour solicitation",
                new FrameBuilder()
                        .ipv6("fe80::1", "ff02::1:ff00:10")
                        .ttl(255)
                        .icmpv6(135, 0, 0)
                        .payload(FrameBuilder.address("2001:db8:ffff::10", 16)),
                Verdict.ND);
        add(
                "v6 echo request",
                new FrameBuilder()
                        .ipv6("2001:db8:1::7", "2001:db8:ffff::10")
                        .icmpv6(128, 0, 0x00010001)
                        .payload(16),
                Verdict.OTHER);
        // IEEE 802 local experimental EtherType: no dissector, no meaning, just "other".
        CASES.add(new Case(
                "unknown ethertype",
                new FrameBuilder().rawL3(0x88B5, new byte[46]).build(),
                Verdict.OTHER,
                false));
    }

    @BeforeAll
    static void dissect(@TempDir Path dir) {
        assertTrue(Tshark.available(), "tshark is required (scripts/setup.sh installs it)");
        List<byte[]> frames = new ArrayList<>();
        for (Case c : CASES) {
            frames.add(c.frame());
        }
        Path pcap = PcapWriter.write(dir.resolve("golden.pcap"), frames);
        assertEquals("", Tshark.complaints(pcap), "tshark -V flags these");
        dissected = Tshark.fields(pcap, FIELDS);
        assertEquals(CASES.size(), dissected.size());
    }

    @Test
    void everyFrameMatchesTshark() {
        PacketClassifier classifier = new PacketClassifier(true, PacketClassifier.DEFAULT_MAX_EXTENSION_HEADERS);
        Classification out = new Classification();
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                Map<String, String> t = dissected.get(i);
                MemorySegment s = Frames.place(arena, c.frame());
                Verdict v = classifier.classify(s, Frames.HEADROOM, c.frame().length, out);
                String ctx = c.name() + " " + out + " tshark " + t;
                assertEquals(c.verdict(), v, ctx);
                assertEquals(c.fragment(), out.key.fragment, ctx);
                checkEthernet(s, out, t, ctx);
                checkIpv4(s, out, t, ctx);
                checkIpv6(s, out, t, ctx);
                checkTransport(s, out, t, ctx);
                checkArp(s, out, t, ctx);
            }
        }
    }

    private static void checkEthernet(MemorySegment s, Classification out, Map<String, String> t, String ctx) {
        EthernetFlyweight eth = new EthernetFlyweight().wrap(s, out.frameOffset, out.frameLength);
        assertEquals(DropReason.NONE, eth.validate());
        assertEquals(t.get("eth.dst"), Addresses.formatMac(eth.destination()), ctx);
        assertEquals(t.get("eth.src"), Addresses.formatMac(eth.source()), ctx);
        String sTag = t.get("ieee8021ad.id");
        String cTag = t.get("vlan.id");
        if (!sTag.isEmpty()) {
            assertEquals(Integer.parseInt(sTag), out.outerVlanId, ctx);
            assertEquals(Integer.parseInt(cTag), out.innerVlanId, ctx);
        } else if (!cTag.isEmpty()) {
            assertEquals(Integer.parseInt(cTag), out.outerVlanId, ctx);
            assertEquals(-1, out.innerVlanId, ctx);
        } else {
            assertEquals(-1, out.outerVlanId, ctx);
        }
    }

    private static void checkIpv4(MemorySegment s, Classification out, Map<String, String> t, String ctx) {
        if (first(t, "ip.src").isEmpty()) {
            return;
        }
        Ipv4Flyweight ip = new Ipv4Flyweight().wrap(s, out.l3Offset, out.frameLength - out.l2Length);
        assertEquals(DropReason.NONE, ip.validate(), ctx);
        assertEquals(num(t, "ip.version"), ip.version(), ctx);
        assertEquals(num(t, "ip.hdr_len"), ip.headerLength(), ctx);
        assertEquals(num(t, "ip.dsfield"), ip.tos(), ctx);
        assertEquals(num(t, "ip.len"), ip.totalLength(), ctx);
        assertEquals(num(t, "ip.len"), out.l3Length, ctx);
        assertEquals(num(t, "ip.id"), ip.identification(), ctx);
        assertEquals(num(t, "ip.flags.df") == 1, ip.dontFragment(), ctx);
        assertEquals(num(t, "ip.flags.mf") == 1, ip.moreFragments(), ctx);
        assertEquals(num(t, "ip.frag_offset"), ip.fragmentOffset(), ctx);
        assertEquals(num(t, "ip.ttl"), ip.ttl(), ctx);
        assertEquals(num(t, "ip.proto"), ip.protocol(), ctx);
        assertEquals(num(t, "ip.proto"), out.key.protocol, ctx);
        assertEquals(first(t, "ip.src"), Addresses.formatV4(ip.source()), ctx);
        assertEquals(first(t, "ip.dst"), Addresses.formatV4(ip.destination()), ctx);
        assertEquals(first(t, "ip.src"), Addresses.formatV4(out.key.srcV4()), ctx);
        assertEquals(first(t, "ip.dst"), Addresses.formatV4(out.key.dstV4()), ctx);
        assertEquals("1", first(t, "ip.checksum.status"), ctx);
        assertEquals(num(t, "ip.checksum"), ip.checksum(), ctx);
        assertEquals(ip.checksum(), Checksums.ipv4Header(s, ip.offset(), ip.headerLength()), ctx);
        assertTrue(ip.checksumValid(), ctx);
    }

    private static void checkIpv6(MemorySegment s, Classification out, Map<String, String> t, String ctx) {
        if (first(t, "ipv6.src").isEmpty()) {
            return;
        }
        Ipv6Flyweight ip = new Ipv6Flyweight().wrap(s, out.l3Offset, out.frameLength - out.l2Length);
        assertEquals(DropReason.NONE, ip.validate(), ctx);
        assertEquals(num(t, "ipv6.tclass"), ip.trafficClass(), ctx);
        assertEquals(num(t, "ipv6.flow"), ip.flowLabel(), ctx);
        assertEquals(num(t, "ipv6.plen"), ip.payloadLength(), ctx);
        assertEquals(num(t, "ipv6.plen") + 40, out.l3Length, ctx);
        assertEquals(num(t, "ipv6.nxt"), ip.nextHeader(), ctx);
        assertEquals(num(t, "ipv6.hlim"), ip.hopLimit(), ctx);
        assertEquals(first(t, "ipv6.src"), Addresses.formatV6(ip.sourceHi(), ip.sourceLo()), ctx);
        assertEquals(first(t, "ipv6.dst"), Addresses.formatV6(ip.destinationHi(), ip.destinationLo()), ctx);
        assertEquals(first(t, "ipv6.src"), Addresses.formatV6(out.key.srcHi, out.key.srcLo), ctx);
        assertEquals(first(t, "ipv6.dst"), Addresses.formatV6(out.key.dstHi, out.key.dstLo), ctx);
        boolean fragmentHeader = !t.get("ipv6.fraghdr.nxt").isEmpty();
        if (fragmentHeader && num(t, "ipv6.fraghdr.offset") == 0 && num(t, "ipv6.fraghdr.more") == 0) {
            assertFalse(out.key.fragment, ctx + ": an atomic fragment is a whole datagram (RFC 6946)");
        } else if (fragmentHeader) {
            assertTrue(out.key.fragment, ctx);
            assertEquals(num(t, "ipv6.fraghdr.nxt"), out.key.protocol, ctx);
            assertEquals(num(t, "ipv6.fraghdr.offset") == 0, out.l4Offset != Classification.NO_OFFSET, ctx);
        }
    }

    private static void checkTransport(MemorySegment s, Classification out, Map<String, String> t, String ctx) {
        // In an ICMP error the TCP/UDP fields tshark shows belong to the quoted packet (gre's steering tests).
        boolean quoted = out.verdict() == Verdict.ICMP_ERROR;
        if (!t.get("tcp.srcport").isEmpty() && !quoted) {
            TcpFlyweight tcp = new TcpFlyweight().wrap(s, out.l4Offset, out.l4Length);
            assertEquals(DropReason.NONE, tcp.validate(), ctx);
            assertEquals(num(t, "tcp.srcport"), tcp.sourcePort(), ctx);
            assertEquals(num(t, "tcp.dstport"), tcp.destinationPort(), ctx);
            assertEquals(num(t, "tcp.srcport"), out.key.srcPort, ctx);
            assertEquals(num(t, "tcp.dstport"), out.key.dstPort, ctx);
            assertEquals(Long.parseLong(t.get("tcp.seq_raw")), tcp.sequence(), ctx);
            assertEquals(Long.parseLong(t.get("tcp.ack_raw")), tcp.acknowledgment(), ctx);
            assertEquals(num(t, "tcp.hdr_len"), tcp.headerLength(), ctx);
            assertEquals(num(t, "tcp.flags"), tcp.flags(), ctx);
            assertEquals(num(t, "tcp.flags"), out.tcpFlags, ctx);
            assertEquals(num(t, "tcp.window_size_value"), tcp.window(), ctx);
            assertEquals("1", t.get("tcp.checksum.status"), ctx);
            assertEquals(num(t, "tcp.checksum"), tcp.checksum(), ctx);
            assertEquals(
                    tcp.checksum(),
                    Checksums.upperLayer(
                            s,
                            out.l4Offset,
                            out.l4Length,
                            TcpFlyweight.CHECKSUM_OFFSET,
                            pseudo(s, out, IpProtocols.TCP)),
                    ctx);
        }
        if (!t.get("udp.srcport").isEmpty() && !out.key.fragment && !quoted) {
            UdpFlyweight udp = new UdpFlyweight().wrap(s, out.l4Offset, out.l4Length);
            assertEquals(DropReason.NONE, udp.validate(), ctx);
            assertEquals(num(t, "udp.srcport"), udp.sourcePort(), ctx);
            assertEquals(num(t, "udp.dstport"), udp.destinationPort(), ctx);
            assertEquals(num(t, "udp.srcport"), out.key.srcPort, ctx);
            assertEquals(num(t, "udp.dstport"), out.key.dstPort, ctx);
            assertEquals(num(t, "udp.length"), udp.udpLength(), ctx);
            assertEquals("1", t.get("udp.checksum.status"), ctx);
            assertEquals(
                    udp.checksum(),
                    Checksums.udpOnWire(Checksums.upperLayer(
                            s,
                            out.l4Offset,
                            out.l4Length,
                            UdpFlyweight.CHECKSUM_OFFSET,
                            pseudo(s, out, IpProtocols.UDP))),
                    ctx);
        }
        if (out.key.fragment) {
            assertEquals(0, out.key.srcPort, ctx);
            assertEquals(0, out.key.dstPort, ctx);
        }
        if (!t.get("icmp.type").isEmpty()) {
            IcmpFlyweight icmp = new IcmpFlyweight().wrap(s, out.l4Offset, out.l4Length);
            assertEquals(DropReason.NONE, icmp.validate(), ctx);
            assertEquals(num(t, "icmp.type"), icmp.type(), ctx);
            assertEquals(num(t, "icmp.code"), icmp.code(), ctx);
            assertEquals(num(t, "icmp.type"), out.icmpType, ctx);
            assertEquals("1", first(t, "icmp.checksum.status"), ctx);
            assertEquals(icmp.checksum(), Checksums.icmpV4(s, out.l4Offset, out.l4Length), ctx);
            if (!t.get("icmp.mtu").isEmpty()) {
                assertEquals(num(t, "icmp.mtu"), icmp.nextHopMtu(), ctx);
            }
        }
        if (!t.get("icmpv6.type").isEmpty()) {
            Icmpv6Flyweight icmp = new Icmpv6Flyweight().wrap(s, out.l4Offset, out.l4Length);
            assertEquals(DropReason.NONE, icmp.validate(), ctx);
            assertEquals(num(t, "icmpv6.type"), icmp.type(), ctx);
            assertEquals(num(t, "icmpv6.code"), icmp.code(), ctx);
            assertEquals("1", first(t, "icmpv6.checksum.status"), ctx);
            assertEquals(
                    icmp.checksum(),
                    Checksums.upperLayer(
                            s,
                            out.l4Offset,
                            out.l4Length,
                            Icmpv6Flyweight.CHECKSUM_OFFSET,
                            pseudo(s, out, IpProtocols.ICMPV6)),
                    ctx);
            if (!t.get("icmpv6.mtu").isEmpty()) {
                assertEquals(num(t, "icmpv6.mtu"), icmp.mtu(), ctx);
            }
        }
    }

    private static void checkArp(MemorySegment s, Classification out, Map<String, String> t, String ctx) {
        if (t.get("arp.opcode").isEmpty()) {
            return;
        }
        ArpFlyweight arp = new ArpFlyweight().wrap(s, out.l3Offset, out.frameLength - out.l2Length);
        assertEquals(DropReason.NONE, arp.validate(), ctx);
        assertEquals(num(t, "arp.opcode"), arp.operation(), ctx);
        assertEquals(t.get("arp.src.hw_mac"), Addresses.formatMac(arp.senderMac()), ctx);
        assertEquals(t.get("arp.src.proto_ipv4"), Addresses.formatV4(arp.senderIp()), ctx);
        assertEquals(t.get("arp.dst.hw_mac"), Addresses.formatMac(arp.targetMac()), ctx);
        assertEquals(t.get("arp.dst.proto_ipv4"), Addresses.formatV4(arp.targetIp()), ctx);
    }

    /** Pseudo-header sum for the classified packet's upper layer. */
    static long pseudo(MemorySegment s, Classification out, int protocol) {
        if (out.key.family == FlowKey.FAMILY_IPV4) {
            return Checksums.pseudoHeaderV4(out.key.srcV4(), out.key.dstV4(), protocol, out.l4Length);
        }
        long a = Checksums.pseudoHeaderV6(s, out.l3Offset + Ipv6Flyweight.SOURCE_OFFSET, protocol, out.l4Length);
        long b = Checksums.pseudoHeaderV6(
                out.key.srcHi, out.key.srcLo, out.key.dstHi, out.key.dstLo, protocol, out.l4Length);
        assertEquals(Checksums.fold(a), Checksums.fold(b));
        return a;
    }

    static String first(Map<String, String> t, String field) {
        String v = t.get(field);
        int comma = v.indexOf(',');
        return comma < 0 ? v : v.substring(0, comma);
    }

    /** Parses tshark's first value of a field as decimal or 0x-hex. */
    static int num(Map<String, String> t, String field) {
        String v = first(t, field);
        return v.startsWith("0x") ? Integer.parseInt(v.substring(2), 16) : Integer.parseInt(v);
    }
}
