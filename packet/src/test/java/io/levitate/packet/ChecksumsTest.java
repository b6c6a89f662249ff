package io.levitate.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checksums Levitate writes: recomputed from scratch after zeroing (must give the builder's
 * independently computed bytes), and updated incrementally (RFC 1624) after rewriting an address
 * (tshark must call the result good; a full recomputation must agree).
 */
class ChecksumsTest {
    private final PacketClassifier classifier = new PacketClassifier();
    private final Classification out = new Classification();

    @Test
    void recomputedChecksumsEqualIndependentOnes() {
        List<byte[]> frames = List.of(
                new FrameBuilder()
                        .ipv4("10.1.2.3", "10.3.2.1")
                        .ipv4Options(new byte[] {1, 1, 1, 0})
                        .tcp(1, 2, 0x18)
                        .payload(33)
                        .build(),
                new FrameBuilder()
                        .ipv4("10.1.2.3", "10.3.2.1")
                        .udp(1, 2)
                        .payload(1)
                        .build(),
                new FrameBuilder()
                        .ipv4("10.1.2.3", "10.3.2.1")
                        .icmp(8, 0, 7)
                        .payload(57)
                        .build(),
                new FrameBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .tcp(1, 2, 0x02)
                        .payload(5)
                        .build(),
                new FrameBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .udp(1, 2)
                        .payload(0)
                        .build(),
                new FrameBuilder()
                        .ipv6("2001:db8::1", "2001:db8::2")
                        .icmpv6(128, 0, 1)
                        .payload(3)
                        .build());
        try (Arena arena = Arena.ofConfined()) {
            for (byte[] frame : frames) {
                MemorySegment s = Frames.place(arena, frame);
                classifier.classify(s, Frames.HEADROOM, frame.length, out);
                if (out.key.family == FlowKey.FAMILY_IPV4) {
                    Ipv4Flyweight ip = new Ipv4Flyweight().wrap(s, out.l3Offset, out.l3Length);
                    ip.checksum(0).updateChecksum();
                }
                rewriteL4Checksum(s, out);
                assertArrayEquals(frame, Frames.bytes(s, Frames.HEADROOM, frame.length), out::toString);
            }
        }
    }

    /** Zeroes then recomputes the upper-layer checksum with the production code. */
    static void rewriteL4Checksum(MemorySegment s, Classification c) {
        int field;
        long pseudo;
        switch (c.key.protocol) {
            case IpProtocols.TCP -> field = TcpFlyweight.CHECKSUM_OFFSET;
            case IpProtocols.UDP -> field = UdpFlyweight.CHECKSUM_OFFSET;
            default -> field = IcmpFlyweight.CHECKSUM_OFFSET;
        }
        if (c.key.protocol == IpProtocols.ICMP) {
            new IcmpFlyweight().wrap(s, c.l4Offset, c.l4Length).updateChecksum();
            return;
        }
        if (c.key.protocol == IpProtocols.ICMPV6) {
            new Icmpv6Flyweight()
                    .wrap(s, c.l4Offset, c.l4Length)
                    .updateChecksum(c.l3Offset + Ipv6Flyweight.SOURCE_OFFSET);
            return;
        }
        pseudo = PacketGoldenTest.pseudo(s, c, c.key.protocol);
        NetworkOrder.putU16(s, c.l4Offset + field, 0);
        int sum = Checksums.upperLayer(s, c.l4Offset, c.l4Length, field, pseudo);
        NetworkOrder.putU16(s, c.l4Offset + field, c.key.protocol == IpProtocols.UDP ? Checksums.udpOnWire(sum) : sum);
    }

    @Test
    void incrementalUpdateAgreesWithRecomputationAndTshark(@TempDir Path dir) {
        SplittableRandom random = new SplittableRandom(1624);
        List<byte[]> rewritten = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 40; i++) {
                FrameBuilder b = new FrameBuilder()
                        .ipv4("198.51.100." + (1 + i), "192.0.2.10")
                        .ttl(1 + i);
                byte[] frame = (i % 2 == 0 ? b.tcp(1000 + i, 80, 0x10) : b.udp(1000 + i, 53))
                        .payload(i * 3)
                        .build();
                MemorySegment s = Frames.place(arena, frame);
                classifier.classify(s, Frames.HEADROOM, frame.length, out);
                Ipv4Flyweight ip = new Ipv4Flyweight().wrap(s, out.l3Offset, out.l3Length);
                int oldDst = ip.destination();
                int newDst = random.nextInt();
                int field = out.key.protocol == IpProtocols.TCP
                        ? TcpFlyweight.CHECKSUM_OFFSET
                        : UdpFlyweight.CHECKSUM_OFFSET;
                // Rewrite the destination (a NAT-style change) and patch both checksums incrementally.
                ip.destination(newDst).checksum(Checksums.update32(ip.checksum(), oldDst, newDst));
                int l4Old = NetworkOrder.u16(s, out.l4Offset + field);
                NetworkOrder.putU16(s, out.l4Offset + field, Checksums.update32(l4Old, oldDst, newDst));
                // And a 16-bit field: decrement TTL, the classic RFC 1624 example.
                int oldWord = NetworkOrder.u16(s, out.l3Offset + Ipv4Flyweight.TTL_OFFSET);
                ip.ttl(ip.ttl() - 1);
                int newWord = NetworkOrder.u16(s, out.l3Offset + Ipv4Flyweight.TTL_OFFSET);
                ip.checksum(Checksums.update16(ip.checksum(), oldWord, newWord));

                assertEquals(Checksums.ipv4Header(s, out.l3Offset, 20), ip.checksum());
                classifier.classify(s, Frames.HEADROOM, frame.length, out);
                int l4 = NetworkOrder.u16(s, out.l4Offset + field);
                int full = Checksums.upperLayer(
                        s,
                        out.l4Offset,
                        out.l4Length,
                        field,
                        Checksums.pseudoHeaderV4(out.key.srcV4(), out.key.dstV4(), out.key.protocol, out.l4Length));
                if (out.key.protocol == IpProtocols.UDP) {
                    full = Checksums.udpOnWire(full);
                }
                // 0x0000 and 0xFFFF are the same one's complement value; compare folded.
                assertEquals(full % 0xFFFF, l4 % 0xFFFF);
                rewritten.add(Frames.bytes(s, Frames.HEADROOM, frame.length));
            }
        }
        List<Map<String, String>> t = Tshark.fields(
                PcapWriter.write(dir.resolve("inc.pcap"), rewritten),
                "ip.checksum.status",
                "tcp.checksum.status",
                "udp.checksum.status");
        for (int i = 0; i < t.size(); i++) {
            assertEquals("1", t.get(i).get("ip.checksum.status"), "frame " + i);
            String l4 = t.get(i).get(i % 2 == 0 ? "tcp.checksum.status" : "udp.checksum.status");
            assertEquals("1", l4, "frame " + i + " " + t.get(i));
        }
    }

    @Test
    void rfc1071Example() {
        // RFC 1071 section 3's example words 0001 f203 f4f5 f6f7 sum to 0xddf2 (folded).
        MemorySegment s = MemorySegment.ofArray(
                new byte[] {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7});
        assertEquals(0xddf2, Checksums.fold(Checksums.add(s, 0, 8, 0)));
        assertEquals(0x220d, Checksums.finish(Checksums.add(s, 0, 8, 0)));
        // Odd length pads with zero: 0001 + f203 + f4f5 + f600 = 0x2dcf9, folded 0xdcfb.
        assertEquals(0xdcfb, Checksums.fold(Checksums.add(s, 0, 7, 0)));
    }
}
