package io.levitate.gre;

import static io.levitate.gre.GreGoldenTest.BACKEND_MAC_V4;
import static io.levitate.gre.GreGoldenTest.PORT_MAC;
import static io.levitate.gre.GreGoldenTest.ROUTER_MAC;
import static io.levitate.gre.GreGoldenTest.V4_BACKEND;
import static io.levitate.gre.GreGoldenTest.V6_BACKEND;
import static io.levitate.gre.GreGoldenTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MTU policy, the ICMP-error steering helper and the per-flow outer source, against tshark. */
class TooBigAndSteeringTest {
    private final PacketClassifier classifier = new PacketClassifier();
    private final Classification c = new Classification();
    private final EncapResult r = new EncapResult();

    private static FrameBuilder v4Client() {
        return new FrameBuilder().macs(PORT_MAC, ROUTER_MAC).ipv4("198.51.100.7", "192.0.2.10");
    }

    private static FrameBuilder v6Client() {
        return new FrameBuilder().macs(PORT_MAC, ROUTER_MAC).ipv6("2001:db8:1::7", "2001:db8:ffff::10");
    }

    /** Classifies and encapsulates {@code frame} placed in {@code arena}; returns the resulting frame's bytes. */
    private byte[] run(
            Arena arena, GreEncapsulator encap, byte[] frame, GreTunnel tunnel, long now, EncapVerdict expected) {
        MemorySegment s = Frames.place(arena, frame);
        classifier.classify(s, Frames.HEADROOM, frame.length, c);
        EncapVerdict v = encap.encapsulate(s, Frames.HEADROOM, frame.length, Frames.HEADROOM, c, tunnel, now, r);
        assertEquals(expected, v, c.toString());
        assertEquals(expected, r.verdict());
        return Frames.bytes(s, r.dataOffset, r.dataLength);
    }

    @Test
    void tooBigWithDontFragmentBecomesIcmpForTheClient(@TempDir Path dir) {
        GreEncapsulator encap = new GreEncapsulator(GreGoldenTest.CONFIG);
        List<byte[]> replies = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            // 1500-byte IPv4 packet + 24 bytes of tunnel > 1500.
            replies.add(run(
                    arena,
                    encap,
                    v4Client().dontFragment().tcp(40000, 80, 0x10).payload(1460).build(),
                    V4_BACKEND,
                    0,
                    EncapVerdict.TOO_BIG_ICMP_SENT));
            // 1500-byte IPv6 packet toward an IPv6 backend (44 bytes of tunnel).
            replies.add(run(
                    arena,
                    encap,
                    v6Client().tcp(50000, 443, 0x10).payload(1440).build(),
                    V6_BACKEND,
                    0,
                    EncapVerdict.TOO_BIG_ICMP_SENT));
            // A tagged client frame gets a tagged reply.
            replies.add(run(
                    arena,
                    encap,
                    v4Client()
                            .vlan(0x8100, 42)
                            .dontFragment()
                            .tcp(40001, 80, 0x10)
                            .payload(1460)
                            .build(),
                    V6_BACKEND,
                    0,
                    EncapVerdict.TOO_BIG_ICMP_SENT));
            // Just fits: 1476 + 24 = 1500.
            run(
                    arena,
                    encap,
                    v4Client().dontFragment().tcp(40002, 80, 0x10).payload(1436).build(),
                    V4_BACKEND,
                    0,
                    EncapVerdict.ENCAPSULATED);
            // No DF: dropped, frame untouched.
            byte[] noDf = v4Client().tcp(40003, 80, 0x10).payload(1460).build();
            assertArrayEquals(noDf, run(arena, encap, noDf, V4_BACKEND, 0, EncapVerdict.TOO_BIG_DROPPED));
        }
        assertEquals(3, encap.count(EncapVerdict.TOO_BIG_ICMP_SENT));
        assertEquals(1, encap.count(EncapVerdict.TOO_BIG_DROPPED));
        assertEquals(1, encap.count(EncapVerdict.ENCAPSULATED));

        Path pcap = PcapWriter.write(dir.resolve("toobig.pcap"), replies);
        assertEquals("", Tshark.complaints(pcap), "tshark -V flags these");
        List<Map<String, String>> t = Tshark.fields(
                pcap,
                "eth.dst",
                "eth.src",
                "vlan.id",
                "ip.src",
                "ip.dst",
                "ip.len",
                "ip.checksum.status",
                "icmp.type",
                "icmp.code",
                "icmp.mtu",
                "icmp.checksum.status",
                "ipv6.src",
                "ipv6.dst",
                "ipv6.plen",
                "icmpv6.type",
                "icmpv6.code",
                "icmpv6.mtu",
                "icmpv6.checksum.status",
                "tcp.srcport");
        String client = Addresses.formatMac(ROUTER_MAC);
        String port = Addresses.formatMac(PORT_MAC);
        Map<String, String> v4 = t.get(0);
        assertEquals(client, v4.get("eth.dst"), v4.toString());
        assertEquals(port, v4.get("eth.src"));
        assertEquals("192.0.2.10,198.51.100.7", v4.get("ip.src"), "from the VIP, quoting the client's packet");
        assertEquals("198.51.100.7,192.0.2.10", v4.get("ip.dst"));
        assertEquals("576", values(v4, "ip.len")[0]);
        assertEquals("1", values(v4, "ip.checksum.status")[0]);
        assertEquals("3", v4.get("icmp.type"));
        assertEquals("4", v4.get("icmp.code"));
        assertEquals("1476", v4.get("icmp.mtu"));
        assertEquals("1", v4.get("icmp.checksum.status"));
        assertEquals("40000", v4.get("tcp.srcport"), "the quote reaches the ports");

        Map<String, String> v6 = t.get(1);
        assertEquals(client, v6.get("eth.dst"), v6.toString());
        assertEquals("2001:db8:ffff::10,2001:db8:1::7", v6.get("ipv6.src"));
        assertEquals("2001:db8:1::7,2001:db8:ffff::10", v6.get("ipv6.dst"));
        assertEquals("1240", values(v6, "ipv6.plen")[0], "the whole error fits in 1280 bytes");
        assertEquals("2", v6.get("icmpv6.type"));
        assertEquals("0", v6.get("icmpv6.code"));
        assertEquals("1456", v6.get("icmpv6.mtu"));
        assertEquals("1", v6.get("icmpv6.checksum.status"));

        Map<String, String> tagged = t.get(2);
        assertEquals("42", tagged.get("vlan.id"), tagged.toString());
        assertEquals("1456", tagged.get("icmp.mtu"), "IPv6 outer: 40 + 4 bytes of tunnel");
        assertEquals("1", tagged.get("icmp.checksum.status"));
    }

    @Test
    void tooBigMessagesAreRateLimited() {
        EncapConfig config = EncapConfig.builder()
                .portMac(PORT_MAC)
                .sourceV4("10.99.0.1")
                .icmpRateLimit(10, 3)
                .build();
        GreEncapsulator encap = new GreEncapsulator(config);
        byte[] big =
                v4Client().dontFragment().tcp(40000, 80, 0x10).payload(1460).build();
        long t0 = 5_000_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 3; i++) {
                run(arena, encap, big, V4_BACKEND, t0, EncapVerdict.TOO_BIG_ICMP_SENT);
            }
            run(arena, encap, big, V4_BACKEND, t0, EncapVerdict.TOO_BIG_RATE_LIMITED);
            run(arena, encap, big, V4_BACKEND, t0 + 50_000_000L, EncapVerdict.TOO_BIG_RATE_LIMITED);
            run(arena, encap, big, V4_BACKEND, t0 + 100_000_000L, EncapVerdict.TOO_BIG_ICMP_SENT);
            run(arena, encap, big, V4_BACKEND, t0 + 10_000_000_000L, EncapVerdict.TOO_BIG_ICMP_SENT);
        }
        assertEquals(5, encap.count(EncapVerdict.TOO_BIG_ICMP_SENT));
        assertEquals(2, encap.count(EncapVerdict.TOO_BIG_RATE_LIMITED));
    }

    @Test
    void icmpErrorsSteerToTheFlowTheyQuote() {
        IcmpErrorSteering steering = new IcmpErrorSteering();
        FlowKey steered = new FlowKey();
        FlowKey original = new FlowKey();
        try (Arena arena = Arena.ofConfined()) {
            // The client flow as the LB sees it.
            byte[] flow4 = v4Client().tcp(40000, 80, 0x10).build();
            classifier.classify(Frames.place(arena, flow4), Frames.HEADROOM, flow4.length, c);
            original.copyFrom(c.key);
            // A router's frag-needed about the backend's reply (VIP:80 -> client:40000), sent to the VIP.
            byte[] reply = new FrameBuilder()
                    .ipv4("192.0.2.10", "198.51.100.7")
                    .dontFragment()
                    .tcp(80, 40000, 0x10)
                    .payload(1400)
                    .buildL3();
            byte[] error = new FrameBuilder()
                    .ipv4("203.0.113.1", "192.0.2.10")
                    .icmp(3, 4, 1400)
                    .payload(Arrays.copyOf(reply, 28))
                    .build();
            MemorySegment s = Frames.place(arena, error);
            assertEquals(Verdict.ICMP_ERROR, classifier.classify(s, Frames.HEADROOM, error.length, c));
            assertEquals(DropReason.NONE, steering.steer(s, c, steered));
            assertTrue(original.sameAs(steered), original + " vs " + steered);

            // IPv6: a packet-too-big quoting a reply that carried a destination-options header.
            byte[] flow6 = v6Client().udp(6000, 33000).build();
            classifier.classify(Frames.place(arena, flow6), Frames.HEADROOM, flow6.length, c);
            original.copyFrom(c.key);
            byte[] reply6 = new FrameBuilder()
                    .ipv6("2001:db8:ffff::10", "2001:db8:1::7")
                    .optionsHeader(60, 0)
                    .udp(33000, 6000)
                    .payload(1400)
                    .buildL3();
            byte[] error6 = new FrameBuilder()
                    .ipv6("2001:db8:aaaa::1", "2001:db8:ffff::10")
                    .icmpv6(2, 0, 1280)
                    .payload(Arrays.copyOf(reply6, 1232))
                    .build();
            s = Frames.place(arena, error6);
            assertEquals(Verdict.ICMP_ERROR, classifier.classify(s, Frames.HEADROOM, error6.length, c));
            assertEquals(DropReason.NONE, steering.steer(s, c, steered));
            assertTrue(original.sameAs(steered), original + " vs " + steered);

            // A quoted fragment gives the 3-tuple.
            byte[] fragment = new FrameBuilder()
                    .ipv4("192.0.2.10", "198.51.100.7")
                    .fragment(10, true)
                    .protocol(17, new byte[0])
                    .payload(8)
                    .buildL3();
            byte[] error3 = new FrameBuilder()
                    .ipv4("203.0.113.1", "192.0.2.10")
                    .icmp(11, 1, 0)
                    .payload(fragment)
                    .build();
            s = Frames.place(arena, error3);
            classifier.classify(s, Frames.HEADROOM, error3.length, c);
            assertEquals(DropReason.NONE, steering.steer(s, c, steered));
            assertTrue(steered.fragment);
            assertEquals("198.51.100.7", Addresses.formatV4(steered.srcV4()));
            assertEquals(0, steered.srcPort);

            // Unusable quotes: too short, not IP, ports cut off.
            for (byte[] quote : new byte[][] {Arrays.copyOf(reply, 19), new byte[28], Arrays.copyOf(reply, 22)}) {
                byte[] bad = new FrameBuilder()
                        .ipv4("203.0.113.1", "192.0.2.10")
                        .icmp(3, 4, 1400)
                        .payload(quote)
                        .build();
                s = Frames.place(arena, bad);
                assertEquals(Verdict.ICMP_ERROR, classifier.classify(s, Frames.HEADROOM, bad.length, c));
                assertEquals(DropReason.BAD_ICMP_INNER, steering.steer(s, c, steered));
            }
        }
    }

    @Test
    void perFlowSourcesComeFromTheConfiguredPrefix() {
        EncapConfig config = EncapConfig.builder()
                .portMac(PORT_MAC)
                .sourceV4("10.99.0.0", 24)
                .sourceV6("fd00:99::", 64)
                .build();
        GreEncapsulator encap = new GreEncapsulator(config);
        Set<String> v4Sources = new HashSet<>();
        Set<String> v6Sources = new HashSet<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int port = 1000; port < 1064; port++) {
                byte[] frame = v4Client().tcp(port, 80, 0x02).build();
                byte[] out = run(arena, encap, frame, V4_BACKEND, 0, EncapVerdict.ENCAPSULATED);
                String src =
                        (out[26] & 0xFF) + "." + (out[27] & 0xFF) + "." + (out[28] & 0xFF) + "." + (out[29] & 0xFF);
                assertTrue(src.startsWith("10.99.0."), src);
                v4Sources.add(src);
                byte[] again = run(arena, encap, frame, V4_BACKEND, 0, EncapVerdict.ENCAPSULATED);
                assertArrayEquals(
                        Arrays.copyOfRange(out, 26, 30), Arrays.copyOfRange(again, 26, 30), "same flow, same source");
                out = run(arena, encap, frame, V6_BACKEND, 0, EncapVerdict.ENCAPSULATED);
                byte[] src6 = Arrays.copyOfRange(out, 14 + 8, 14 + 24);
                assertArrayEquals(Arrays.copyOf(FrameBuilder.address("fd00:99::", 16), 8), Arrays.copyOf(src6, 8));
                v6Sources.add(Arrays.toString(src6));
            }
        }
        assertTrue(v4Sources.size() > 40, "64 flows should use many of 256 sources: " + v4Sources.size());
        assertEquals(64, v6Sources.size());
    }

    @Test
    void refusesWhatItCannotEncapsulate() {
        GreEncapsulator encap = new GreEncapsulator(GreGoldenTest.CONFIG);
        try (Arena arena = Arena.ofConfined()) {
            byte[] frame = v6Client().tcp(1, 2, 0x02).build();
            MemorySegment s = Frames.place(arena, frame);
            classifier.classify(s, Frames.HEADROOM, frame.length, c);
            // IPv6 outer + GRE = 58 bytes in front of the IP header, 14 of them freed by the old Ethernet header.
            assertEquals(
                    EncapVerdict.NO_HEADROOM,
                    encap.encapsulate(s, Frames.HEADROOM, frame.length, 43, c, V6_BACKEND, 0, r));
            assertEquals(
                    EncapVerdict.ENCAPSULATED,
                    encap.encapsulate(
                            s, Frames.HEADROOM, frame.length, 44, c, V6_BACKEND.withNextHopMac(BACKEND_MAC_V4), 0, r));
            byte[] arp = new FrameBuilder().rawL3(0x0806, new byte[28]).build();
            s = Frames.place(arena, arp);
            classifier.classify(s, Frames.HEADROOM, arp.length, c);
            assertEquals(
                    EncapVerdict.NOT_IP, encap.encapsulate(s, Frames.HEADROOM, arp.length, 128, c, V4_BACKEND, 0, r));
        }
        assertEquals(1, encap.count(EncapVerdict.NO_HEADROOM));
        assertEquals(1, encap.count(EncapVerdict.NOT_IP));
    }
}
