package io.levitate.packet;

import static io.levitate.packet.transport.TcpFlyweight.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.testing.FrameBuilder;
import io.levitate.packet.testing.Frames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Input frame, expected drop reason: one row per reason the classifier can give. */
class MalformedFrameTest {
    private final PacketClassifier classifier = new PacketClassifier(true, 8);
    private final Classification out = new Classification();

    private static FrameBuilder v4() {
        return new FrameBuilder().ipv4("198.51.100.7", "192.0.2.10");
    }

    private static FrameBuilder v6() {
        return new FrameBuilder().ipv6("2001:db8::7", "2001:db8::10");
    }

    private void expect(DropReason reason, byte[] frame) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = Frames.place(arena, frame);
            Verdict v = classifier.classify(s, Frames.HEADROOM, frame.length, out);
            assertEquals(Verdict.MALFORMED, v, out::toString);
            assertEquals(reason, out.dropReason(), out::toString);
        }
    }

    private static byte[] set(byte[] frame, int at, int... values) {
        for (int i = 0; i < values.length; i++) {
            frame[at + i] = (byte) values[i];
        }
        return frame;
    }

    @Test
    void layer2() {
        expect(DropReason.TRUNCATED_ETHERNET, new byte[13]);
        expect(DropReason.TRUNCATED_ETHERNET, new byte[0]);
        byte[] tagged = new FrameBuilder()
                .vlan(0x8100, 1)
                .ipv4("198.51.100.7", "192.0.2.10")
                .tcp(1, 2, SYN)
                .build();
        expect(DropReason.TRUNCATED_VLAN, Arrays.copyOf(tagged, 16));
        expect(
                DropReason.TOO_MANY_VLAN_TAGS,
                new FrameBuilder()
                        .vlan(0x88A8, 1)
                        .vlan(0x8100, 2)
                        .vlan(0x8100, 3)
                        .ipv4("198.51.100.7", "192.0.2.10")
                        .tcp(1, 2, SYN)
                        .build());
        expect(
                DropReason.BAD_ARP,
                new FrameBuilder().rawL3(0x0806, new byte[27]).build());
        // Broadcast and multicast sources (the group bit of the first octet), before anything else.
        expect(
                DropReason.ETHERNET_SOURCE_NOT_UNICAST,
                new FrameBuilder()
                        .macs(0x0200_0000_0001L, 0xFFFF_FFFF_FFFFL)
                        .ipv4("198.51.100.7", "192.0.2.10")
                        .tcp(1, 2, SYN)
                        .build());
        expect(
                DropReason.ETHERNET_SOURCE_NOT_UNICAST,
                new FrameBuilder()
                        .macs(0x0200_0000_0001L, 0x0100_5E00_0005L)
                        .rawL3(0x0806, new byte[28])
                        .build());
        expect(
                DropReason.ETHERNET_SOURCE_NOT_UNICAST,
                new FrameBuilder()
                        .macs(0x0200_0000_0001L, 0x3333_0000_0001L)
                        .ipv6("2001:db8::7", "2001:db8::10")
                        .udp(1, 2)
                        .build());
        byte[] arp = new byte[28];
        set(arp, 0, 0, 6, 8, 0, 6, 4); // hardware type 6 (IEEE 802), not Ethernet
        expect(DropReason.BAD_ARP, new FrameBuilder().rawL3(0x0806, arp).build());
    }

    @Test
    void ipv4() {
        byte[] good = v4().tcp(1, 2, SYN).build();
        expect(DropReason.TRUNCATED_IP, Arrays.copyOf(good, 14 + 19));
        expect(DropReason.BAD_IP_VERSION, set(good.clone(), 14, 0x65));
        expect(DropReason.BAD_IHL, set(good.clone(), 14, 0x44));
        expect(DropReason.BAD_IHL, set(Arrays.copyOf(good, 14 + 30), 14, 0x4F));
        expect(DropReason.BAD_TOTAL_LENGTH, set(good.clone(), 16, 0, 19));
        expect(DropReason.BAD_TOTAL_LENGTH, Arrays.copyOf(good, good.length - 1));
        expect(DropReason.BAD_IPV4_CHECKSUM, set(good.clone(), 14 + 12, 1));
        expect(DropReason.TTL_ZERO, v4().ttl(0).tcp(1, 2, SYN).build());
        expect(
                DropReason.MARTIAN_SOURCE,
                new FrameBuilder().ipv4("224.0.0.5", "192.0.2.10").udp(1, 2).build());
        expect(
                DropReason.MARTIAN_SOURCE,
                new FrameBuilder()
                        .ipv4("255.255.255.255", "192.0.2.10")
                        .udp(1, 2)
                        .build());
        expect(
                DropReason.BAD_FRAGMENT,
                v4().fragment(8189, false)
                        .protocol(17, new byte[0])
                        .payload(100)
                        .build());
    }

    @Test
    void ipv6() {
        byte[] good = v6().tcp(1, 2, SYN).build();
        expect(DropReason.TRUNCATED_IP, Arrays.copyOf(good, 14 + 39));
        expect(DropReason.BAD_IP_VERSION, set(good.clone(), 14, 0x40));
        expect(DropReason.BAD_PAYLOAD_LENGTH, set(good.clone(), 18, 0, 21));
        expect(DropReason.JUMBOGRAM, set(good.clone(), 18, 0, 0));
        expect(DropReason.TTL_ZERO, v6().ttl(0).tcp(1, 2, SYN).build());
        expect(
                DropReason.MARTIAN_SOURCE,
                new FrameBuilder().ipv6("ff02::1", "2001:db8::10").udp(1, 2).build());
        FrameBuilder chain = v6();
        for (int i = 0; i < 9; i++) {
            chain.optionsHeader(60, 0);
        }
        expect(DropReason.TOO_MANY_EXTENSION_HEADERS, chain.udp(1, 2).build());
        expect(
                DropReason.MISPLACED_HOP_BY_HOP,
                v6().optionsHeader(60, 0).optionsHeader(0, 0).udp(1, 2).build());
        // Destination options claiming 16 bytes with only 8 + UDP 8 present... then cut the UDP.
        byte[] ext = v6().optionsHeader(60, 3).protocol(59, new byte[0]).build();
        expect(DropReason.TRUNCATED_EXTENSION_HEADER, set(ext, 14 + 40 + 1, 7));
        byte[] shortExt = v6().protocol(60, new byte[] {59, 0, 0, 0}).build();
        expect(DropReason.TRUNCATED_EXTENSION_HEADER, shortExt);
        expect(
                DropReason.BAD_FRAGMENT,
                v6().ipv6Fragment(8190, false, 1)
                        .protocol(17, new byte[0])
                        .payload(100)
                        .build());
    }

    @Test
    void upperLayer() {
        expect(DropReason.TRUNCATED_TCP, v4().protocol(6, new byte[19]).build());
        byte[] tcp = v4().tcp(1, 2, SYN).build();
        expect(DropReason.BAD_TCP_DATA_OFFSET, set(tcp.clone(), 14 + 20 + 12, 0x40));
        expect(DropReason.BAD_TCP_DATA_OFFSET, set(tcp.clone(), 14 + 20 + 12, 0xF0));
        expect(DropReason.TRUNCATED_UDP, v6().protocol(17, new byte[7]).build());
        byte[] udp = v4().udp(1, 2).payload(4).build();
        expect(DropReason.BAD_UDP_LENGTH, set(udp.clone(), 14 + 20 + 4, 0, 7));
        expect(DropReason.BAD_UDP_LENGTH, set(udp.clone(), 14 + 20 + 4, 0, 13));
        expect(DropReason.TRUNCATED_ICMP, v4().protocol(1, new byte[7]).build());
        expect(DropReason.TRUNCATED_ICMP, v6().protocol(58, new byte[4]).build());
    }

    @Test
    void dropReasonIdsAreStableAndDense() {
        // The ids are an external contract (counter names/indexes): this list only ever grows.
        String[] expected = {
            "NONE",
            "TRUNCATED_ETHERNET",
            "TRUNCATED_VLAN",
            "TOO_MANY_VLAN_TAGS",
            "BAD_ARP",
            "TRUNCATED_IP",
            "BAD_IP_VERSION",
            "BAD_IHL",
            "BAD_TOTAL_LENGTH",
            "BAD_IPV4_CHECKSUM",
            "TTL_ZERO",
            "BAD_FRAGMENT",
            "BAD_PAYLOAD_LENGTH",
            "JUMBOGRAM",
            "TOO_MANY_EXTENSION_HEADERS",
            "TRUNCATED_EXTENSION_HEADER",
            "MISPLACED_HOP_BY_HOP",
            "TRUNCATED_TCP",
            "BAD_TCP_DATA_OFFSET",
            "TRUNCATED_UDP",
            "BAD_UDP_LENGTH",
            "TRUNCATED_ICMP",
            "MARTIAN_SOURCE",
            "BAD_ICMP_INNER",
            "BAD_GRE",
            "ETHERNET_SOURCE_NOT_UNICAST"
        };
        for (int id = 0; id < expected.length; id++) {
            assertEquals(expected[id], DropReason.byId(id).name());
            assertEquals(id, DropReason.valueOf(expected[id]).id());
        }
        Set<Integer> verdictIds = new HashSet<>();
        for (Verdict v : Verdict.values()) {
            assertTrue(verdictIds.add(v.id()));
        }
    }
}
