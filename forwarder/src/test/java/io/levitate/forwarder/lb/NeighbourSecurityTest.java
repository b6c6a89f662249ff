package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import io.levitate.packet.Addresses;
import io.levitate.packet.testing.FrameBuilder;
import io.levitate.packet.testing.PcapWriter;
import io.levitate.packet.testing.Tshark;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may move the gateways' MACs: forged and invalid ARP and neighbour-discovery frames go
 * through a real worker ({@link LoadBalancerAgent#handleOne}: classifier, responder, counters) on
 * mbufs in ordinary memory. Each refused frame must leave the gateway's MAC as it was, keep the
 * tunnels going to it, and move the counter of its reason (RFC 4861 sections 6.1, 7.1 and 8.1
 * for the ND validity checks). Valid ND still teaches and is still answered. The frames come from
 * {@link FrameBuilder} (its own checksums), and tshark confirms each forged frame is what the test
 * says it is.
 */
class NeighbourSecurityTest {
    private static final long PORT_MAC = 0x0270_6361_7000L;
    private static final long GATEWAY_MAC = 0x0200_0000_0001L;
    private static final long CLIENT_MAC = 0x0200_0000_0002L;
    private static final long ATTACKER_MAC = 0x0266_6666_6666L;
    private static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;
    private static final long IPV4_MULTICAST_MAC = 0x0100_5E00_0001L;
    private static final long IPV6_MULTICAST_MAC = 0x3333_0000_0001L;
    private static final String OUR_V4 = "10.0.1.2";
    private static final String GATEWAY_V4 = "10.0.1.1";
    private static final String OUR_V6 = "fd00:1::2";
    private static final String GATEWAY_V6 = "fd00:1::1";
    private static final String GATEWAY_LINK_LOCAL = "fe80::1";
    private static final int NS = 135;
    private static final int NA = 136;
    private static final int SOLICITED_OVERRIDE = 0x6000_0000;
    private static final int OPTION_SOURCE_LL = 1;
    private static final int OPTION_TARGET_LL = 2;
    private static final long NOW_NANOS = 5_000_000_000L;

    private static final String CONFIG = """
        instance:
          name: neighbours
          ports:
            - device: "net_null0"
          addresses:
            ipv4: 10.0.1.2
            ipv6: "fd00:1::2"
          gateways:
            ipv4: 10.0.1.1
            ipv6: "fd00:1::1"
        hash_seed: 7
        conntrack:
          capacity: 4096
        services:
          - name: web
            vip: 198.18.0.1
            port: 80
            protocol: tcp
            backends: [{address: 10.0.2.1}]
          - name: web6
            vip: "fd00:99::1"
            port: 80
            protocol: tcp
            backends: [{address: "fd00:2::1"}]
        """;

    private final Arena arena = Arena.ofShared();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        arena.close();
    }

    /** A worker with one port, its neighbours, its counters and one mbuf. */
    private final class Rig {
        final Neighbours neighbours;
        final OffPortWorker worker;
        int clientPort = 40000;

        Rig(final Neighbours neighbours) throws Exception {
            this.neighbours = neighbours;
            final LevitateConfig config =
                    ConfigReader.parse(CONFIG, "neighbours.yaml").config();
            worker = new OffPortWorker(
                    arena,
                    0,
                    32,
                    new AtomicReference<>(new SnapshotBuilder().build(config, Map.of())),
                    neighbours,
                    new ConntrackTable(
                            config.conntrack().toConntrackConfig(7).withServices(SnapshotBuilder.MAX_SERVICES, 0)),
                    new GreEncapsulator(EncapConfig.builder()
                            .portMac(PORT_MAC)
                            .mtu(1500)
                            .sourceV4(OUR_V4, 32)
                            .sourceV6(OUR_V6, 128)
                            .build()),
                    PORT_MAC);
        }

        /** The worker's action for {@code frame} (general path): 0 drop, 1 tunnel, 2 reply, 3 kernel. */
        int handle(final byte[] frame) {
            return worker.general(frame, NOW_NANOS);
        }

        /** The frame the mbuf holds now (a reply or a tunnel packet). */
        byte[] output() {
            return worker.frame(0);
        }

        long drops(final ForwardDrop reason) {
            return worker.drops(reason.id());
        }

        /** A new TCP flow to the VIP of {@code family}: tunnelled, and the tunnel's destination MAC. */
        long tunnelMac(final int family) {
            final byte[] syn = family == 4
                    ? new FrameBuilder()
                            .macs(PORT_MAC, CLIENT_MAC)
                            .ipv4("10.9.0.1", "198.18.0.1")
                            .tcp(clientPort++, 80, 0x02)
                            .build()
                    : new FrameBuilder()
                            .macs(PORT_MAC, CLIENT_MAC)
                            .ipv6("2001:db8::1", "fd00:99::1")
                            .tcp(clientPort++, 80, 0x02)
                            .build();
            assertEquals(1, handle(syn), "a VIP packet is tunnelled");
            return ByteBuffer.wrap(output()).getLong() >>> 16;
        }

        long mac(final int family) {
            return neighbours.macAcquire(family, NOW_NANOS / 1_000_000);
        }
    }

    private static Neighbours learning() {
        return new Neighbours(
                v4(OUR_V4),
                true,
                hi(OUR_V6),
                lo(OUR_V6),
                true,
                v4(GATEWAY_V4),
                true,
                hi(GATEWAY_V6),
                lo(GATEWAY_V6),
                true);
    }

    /** A learning rig whose gateways introduced themselves with valid ARP and NA. */
    private Rig resolved() throws Exception {
        final Rig rig = new Rig(learning());
        rig.handle(arp(2, GATEWAY_MAC, GATEWAY_MAC, GATEWAY_V4, OUR_V4));
        rig.handle(na(
                GATEWAY_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                255,
                SOLICITED_OVERRIDE,
                GATEWAY_V6,
                option(OPTION_TARGET_LL, GATEWAY_MAC)));
        assertEquals(GATEWAY_MAC, rig.mac(4), "a valid ARP reply is learnt");
        assertEquals(GATEWAY_MAC, rig.mac(6), "a valid NA (hop limit 255, right checksum) is learnt");
        return rig;
    }

    // ---------------------------------------------------------------- ND validity (RFC 4861)

    @Test
    void naWithHopLimit64IsNotLearnt() throws Exception {
        final byte[] frame = na(
                ATTACKER_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                64,
                SOLICITED_OVERRIDE,
                GATEWAY_V6,
                option(OPTION_TARGET_LL, ATTACKER_MAC));
        assertTshark(frame, "ipv6.hlim", "64");
        assertRefused(frame, 6, ForwardDrop.ND_HOP_LIMIT);
    }

    @Test
    void naWithBadChecksumIsNotLearnt() throws Exception {
        final byte[] frame = na(
                ATTACKER_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                255,
                SOLICITED_OVERRIDE,
                GATEWAY_V6,
                option(OPTION_TARGET_LL, ATTACKER_MAC));
        frame[14 + 40 + 3] ^= 0x5A;
        assertTshark(frame, "icmpv6.checksum.status", "0");
        assertRefused(frame, 6, ForwardDrop.ND_BAD_CHECKSUM);
    }

    @Test
    void naWhoseTargetLinkLayerAddressIsMulticastIsNotLearnt() throws Exception {
        final byte[] frame = na(
                GATEWAY_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                255,
                SOLICITED_OVERRIDE,
                GATEWAY_V6,
                option(OPTION_TARGET_LL, IPV6_MULTICAST_MAC));
        assertTshark(frame, "icmpv6.opt.linkaddr", "33:33:00:00:00:01");
        assertRefused(frame, 6, ForwardDrop.NEIGHBOUR_NOT_UNICAST);
        assertRefused(
                na(
                        GATEWAY_MAC,
                        GATEWAY_LINK_LOCAL,
                        OUR_V6,
                        255,
                        SOLICITED_OVERRIDE,
                        GATEWAY_V6,
                        option(OPTION_TARGET_LL, BROADCAST_MAC)),
                6,
                ForwardDrop.NEIGHBOUR_NOT_UNICAST);
        assertRefused(
                na(
                        GATEWAY_MAC,
                        GATEWAY_LINK_LOCAL,
                        OUR_V6,
                        255,
                        SOLICITED_OVERRIDE,
                        GATEWAY_V6,
                        option(OPTION_TARGET_LL, 0)),
                6,
                ForwardDrop.NEIGHBOUR_NOT_UNICAST);
    }

    @Test
    void naWithZeroLengthOrTruncatedOptionIsNotLearnt() throws Exception {
        // A zero-length option first: the target link-layer option after it must not be believed.
        final byte[] zero = na(
                ATTACKER_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                255,
                SOLICITED_OVERRIDE,
                GATEWAY_V6,
                FrameBuilder.concat(
                        new byte[] {OPTION_TARGET_LL, 0, 0, 0, 0, 0, 0, 0}, option(OPTION_TARGET_LL, ATTACKER_MAC)));
        assertRefused(zero, 6, ForwardDrop.ND_INVALID);
        // An option whose length (2 units, 16 bytes) runs past the message.
        final byte[] option = option(OPTION_TARGET_LL, ATTACKER_MAC);
        option[1] = 2;
        assertRefused(
                na(ATTACKER_MAC, GATEWAY_LINK_LOCAL, OUR_V6, 255, SOLICITED_OVERRIDE, GATEWAY_V6, option),
                6,
                ForwardDrop.ND_INVALID);
        // Trailing bytes too few for an option header.
        assertRefused(
                na(
                        ATTACKER_MAC,
                        GATEWAY_LINK_LOCAL,
                        OUR_V6,
                        255,
                        SOLICITED_OVERRIDE,
                        GATEWAY_V6,
                        FrameBuilder.concat(option(OPTION_TARGET_LL, ATTACKER_MAC), new byte[] {OPTION_TARGET_LL})),
                6,
                ForwardDrop.ND_INVALID);
        // A link-layer option of the wrong size for Ethernet (RFC 4861 section 4.6.1: 1 unit).
        final byte[] wide = FrameBuilder.concat(option(OPTION_TARGET_LL, ATTACKER_MAC), new byte[8]);
        wide[1] = 2;
        assertRefused(
                na(ATTACKER_MAC, GATEWAY_LINK_LOCAL, OUR_V6, 255, SOLICITED_OVERRIDE, GATEWAY_V6, wide),
                6,
                ForwardDrop.ND_INVALID);
    }

    @Test
    void everyNdMessageIsValidatedBeforeAnythingElse() throws Exception {
        final byte[] target = FrameBuilder.address(GATEWAY_V6, 16);
        final List<byte[]> invalid = new ArrayList<>();
        // Code not 0.
        invalid.add(nd(
                NA,
                1,
                ATTACKER_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                255,
                SOLICITED_OVERRIDE,
                FrameBuilder.concat(target, option(OPTION_TARGET_LL, ATTACKER_MAC))));
        // ICMP length below the message's fixed part (NA: 24).
        invalid.add(nd(NA, 0, ATTACKER_MAC, GATEWAY_LINK_LOCAL, OUR_V6, 255, SOLICITED_OVERRIDE, new byte[8]));
        // NA target multicast.
        invalid.add(na(
                ATTACKER_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                255,
                SOLICITED_OVERRIDE,
                "ff02::1",
                option(OPTION_TARGET_LL, ATTACKER_MAC)));
        // NA with the Solicited flag to a multicast destination (section 7.1.2).
        invalid.add(na(
                ATTACKER_MAC,
                GATEWAY_LINK_LOCAL,
                "ff02::1",
                255,
                SOLICITED_OVERRIDE,
                GATEWAY_V6,
                option(OPTION_TARGET_LL, ATTACKER_MAC)));
        // NS with a multicast target.
        invalid.add(nd(
                NS,
                0,
                GATEWAY_MAC,
                GATEWAY_V6,
                OUR_V6,
                255,
                0,
                FrameBuilder.concat(FrameBuilder.address("ff02::1", 16), option(OPTION_SOURCE_LL, GATEWAY_MAC))));
        // NS from the unspecified source (DAD) to a unicast destination, and with a source link-layer option.
        invalid.add(nd(NS, 0, GATEWAY_MAC, "::", OUR_V6, 255, 0, FrameBuilder.address(OUR_V6, 16)));
        invalid.add(nd(
                NS,
                0,
                GATEWAY_MAC,
                "::",
                "ff02::1:ff00:2",
                255,
                0,
                FrameBuilder.concat(FrameBuilder.address(OUR_V6, 16), option(OPTION_SOURCE_LL, GATEWAY_MAC))));
        // Router advertisement shorter than 16 (a router solicitation under 8 is already truncated ICMP).
        invalid.add(nd(134, 0, GATEWAY_MAC, GATEWAY_LINK_LOCAL, "ff02::1", 255, 0, new byte[0]));
        // RA and Redirect from a source that is not link-local (sections 6.1.2, 8.1).
        invalid.add(nd(134, 0, GATEWAY_MAC, GATEWAY_V6, "ff02::1", 255, 0, new byte[8]));
        invalid.add(nd(
                137,
                0,
                GATEWAY_MAC,
                GATEWAY_V6,
                OUR_V6,
                255,
                0,
                FrameBuilder.concat(FrameBuilder.address("fe80::9", 16), FrameBuilder.address("2001:db8::9", 16))));
        // Redirect shorter than 40, and one whose destination is multicast.
        invalid.add(nd(137, 0, GATEWAY_MAC, GATEWAY_LINK_LOCAL, OUR_V6, 255, 0, new byte[16]));
        invalid.add(nd(
                137,
                0,
                GATEWAY_MAC,
                GATEWAY_LINK_LOCAL,
                OUR_V6,
                255,
                0,
                FrameBuilder.concat(FrameBuilder.address("fe80::9", 16), FrameBuilder.address("ff02::9", 16))));
        // Router solicitation from the unspecified source with a source link-layer option (section 6.1.1).
        invalid.add(nd(133, 0, GATEWAY_MAC, "::", "ff02::2", 255, 0, option(OPTION_SOURCE_LL, GATEWAY_MAC)));
        final Rig rig = resolved();
        final long consumed = rig.drops(ForwardDrop.NEIGHBOUR_CONSUMED);
        long refused = 0;
        for (int i = 0; i < invalid.size(); i++) {
            assertEquals(0, rig.handle(invalid.get(i)), "frame " + i + " is dropped, not answered nor handed on");
            refused++;
            assertEquals(refused, rig.drops(ForwardDrop.ND_INVALID), "frame " + i + " counted as nd_invalid");
            assertEquals(GATEWAY_MAC, rig.mac(6), "frame " + i);
        }
        assertEquals(consumed, rig.drops(ForwardDrop.NEIGHBOUR_CONSUMED));
    }

    @Test
    void validNdIsStillLearntAndAnswered(@TempDir final Path out) throws Exception {
        final Rig rig = resolved();
        // The gateway moved to a new NIC: an unsolicited NA (multicast destination, Solicited clear) says so.
        final long moved = 0x0200_0000_0099L;
        assertEquals(
                0,
                rig.handle(na(
                        moved,
                        GATEWAY_LINK_LOCAL,
                        "ff02::1",
                        255,
                        0x2000_0000,
                        GATEWAY_V6,
                        option(OPTION_TARGET_LL, moved))));
        assertEquals(moved, rig.mac(6));
        assertEquals(moved, rig.tunnelMac(6));
        // Without a target link-layer option the Ethernet source speaks for the gateway.
        assertEquals(
                0,
                rig.handle(
                        na(GATEWAY_MAC, GATEWAY_LINK_LOCAL, OUR_V6, 255, SOLICITED_OVERRIDE, GATEWAY_V6, new byte[0])));
        assertEquals(GATEWAY_MAC, rig.mac(6));
        // Duplicate address detection (unspecified source, solicited-node destination): valid, not answered.
        assertEquals(
                0, rig.handle(nd(NS, 0, CLIENT_MAC, "::", "ff02::1:ff00:2", 255, 0, FrameBuilder.address(OUR_V6, 16))));
        // The gateway asks for us: answered with an NA tshark accepts.
        assertEquals(
                2,
                rig.handle(nd(
                        NS,
                        0,
                        GATEWAY_MAC,
                        GATEWAY_V6,
                        "ff02::1:ff00:2",
                        255,
                        0,
                        FrameBuilder.concat(FrameBuilder.address(OUR_V6, 16), option(OPTION_SOURCE_LL, GATEWAY_MAC)))));
        final Path pcap = PcapWriter.write(out.resolve("na.pcap"), List.of(rig.output()));
        final Map<String, String> reply = Tshark.fields(
                        pcap,
                        "eth.dst",
                        "ipv6.hlim",
                        "icmpv6.type",
                        "icmpv6.checksum.status",
                        "icmpv6.nd.na.target_address",
                        "icmpv6.opt.linkaddr")
                .get(0);
        assertEquals(
                Map.of(
                        "eth.dst",
                        "02:00:00:00:00:01",
                        "ipv6.hlim",
                        "255",
                        "icmpv6.type",
                        "136",
                        "icmpv6.checksum.status",
                        "1",
                        "icmpv6.nd.na.target_address",
                        OUR_V6,
                        "icmpv6.opt.linkaddr",
                        "02:70:63:61:70:00"),
                reply);
        assertEquals("", Tshark.complaints(pcap));
        assertEquals(
                0,
                rig.drops(ForwardDrop.ND_INVALID)
                        + rig.drops(ForwardDrop.ND_BAD_CHECKSUM)
                        + rig.drops(ForwardDrop.ND_HOP_LIMIT)
                        + rig.drops(ForwardDrop.NEIGHBOUR_NOT_UNICAST));
    }

    // ---------------------------------------------------------------- ARP

    @Test
    void arpReplyFromTheGatewayWithBroadcastOrMulticastSenderIsNotLearnt() throws Exception {
        final byte[] broadcast = arp(2, CLIENT_MAC, BROADCAST_MAC, GATEWAY_V4, OUR_V4);
        assertTshark(broadcast, "arp.src.hw_mac", "ff:ff:ff:ff:ff:ff");
        assertRefused(broadcast, 4, ForwardDrop.NEIGHBOUR_NOT_UNICAST);
        assertRefused(arp(2, CLIENT_MAC, IPV4_MULTICAST_MAC, GATEWAY_V4, OUR_V4), 4, ForwardDrop.NEIGHBOUR_NOT_UNICAST);
        assertRefused(arp(2, CLIENT_MAC, 0, GATEWAY_V4, OUR_V4), 4, ForwardDrop.NEIGHBOUR_NOT_UNICAST);
    }

    @Test
    void arpRequestWithMulticastSenderIsNeitherLearntNorAnswered() throws Exception {
        // From the gateway's address: not learnt; for our address: no reply to a multicast MAC.
        assertRefused(arp(1, CLIENT_MAC, IPV4_MULTICAST_MAC, GATEWAY_V4, OUR_V4), 4, ForwardDrop.NEIGHBOUR_NOT_UNICAST);
        assertRefused(arp(1, CLIENT_MAC, BROADCAST_MAC, "10.0.1.50", OUR_V4), 4, ForwardDrop.NEIGHBOUR_NOT_UNICAST);
        // A proper request is still answered, to the requester.
        final Rig rig = resolved();
        assertEquals(2, rig.handle(arp(1, CLIENT_MAC, CLIENT_MAC, "10.0.1.50", OUR_V4)));
        assertEquals(CLIENT_MAC, ByteBuffer.wrap(rig.output()).getLong() >>> 16);
    }

    // ---------------------------------------------------------------- static neighbours

    private static Neighbours pinned() {
        return new Neighbours(
                v4(OUR_V4),
                true,
                hi(OUR_V6),
                lo(OUR_V6),
                true,
                v4(GATEWAY_V4),
                true,
                hi(GATEWAY_V6),
                lo(GATEWAY_V6),
                true,
                true,
                GATEWAY_MAC,
                GATEWAY_MAC);
    }

    @Test
    void staticNeighboursIgnoreForgedArpAndNa() throws Exception {
        final Rig rig = new Rig(pinned());
        assertEquals(GATEWAY_MAC, rig.mac(4), "pinned from the start");
        assertEquals(GATEWAY_MAC, rig.mac(6));
        assertFalse(
                rig.neighbours.needsRequest(4, 0) || rig.neighbours.needsRequest(6, 0),
                "no ARP/NS for pinned gateways");
        // Valid on the wire, but contradicting the configuration.
        assertEquals(0, rig.handle(arp(2, ATTACKER_MAC, ATTACKER_MAC, GATEWAY_V4, OUR_V4)));
        assertEquals(
                0,
                rig.handle(na(
                        ATTACKER_MAC,
                        GATEWAY_LINK_LOCAL,
                        OUR_V6,
                        255,
                        SOLICITED_OVERRIDE,
                        GATEWAY_V6,
                        option(OPTION_TARGET_LL, ATTACKER_MAC))));
        assertEquals(
                0,
                rig.handle(na(
                        ATTACKER_MAC, GATEWAY_LINK_LOCAL, OUR_V6, 255, SOLICITED_OVERRIDE, GATEWAY_V6, new byte[0])));
        assertEquals(3, rig.drops(ForwardDrop.NEIGHBOUR_STATIC));
        assertEquals(GATEWAY_MAC, rig.mac(4));
        assertEquals(GATEWAY_MAC, rig.mac(6));
        assertEquals(GATEWAY_MAC, rig.tunnelMac(4));
        assertEquals(GATEWAY_MAC, rig.tunnelMac(6));
        // Pinned MACs never expire.
        assertEquals(GATEWAY_MAC, rig.neighbours.macAcquire(4, NOW_NANOS / 1_000_000 + 10 * Neighbours.EXPIRY_MS));
        // The gateway repeating what we pinned is fine; our own addresses are still answered.
        assertEquals(0, rig.handle(arp(2, GATEWAY_MAC, GATEWAY_MAC, GATEWAY_V4, OUR_V4)));
        assertEquals(1, rig.drops(ForwardDrop.NEIGHBOUR_CONSUMED));
        assertEquals(2, rig.handle(arp(1, CLIENT_MAC, CLIENT_MAC, "10.0.1.50", OUR_V4)));
        assertEquals(
                2,
                rig.handle(nd(
                        NS,
                        0,
                        GATEWAY_MAC,
                        GATEWAY_V6,
                        "ff02::1:ff00:2",
                        255,
                        0,
                        FrameBuilder.concat(FrameBuilder.address(OUR_V6, 16), option(OPTION_SOURCE_LL, GATEWAY_MAC)))));
        assertEquals(3, rig.drops(ForwardDrop.NEIGHBOUR_STATIC));
    }

    // ---------------------------------------------------------------- helpers

    /** A learning rig, resolved; {@code frame} must be dropped under {@code reason} with the gateway's MAC kept. */
    private void assertRefused(final byte[] frame, final int family, final ForwardDrop reason) throws Exception {
        final Rig rig = resolved();
        final long before = rig.drops(reason);
        final long consumed = rig.drops(ForwardDrop.NEIGHBOUR_CONSUMED);
        final int action = rig.handle(frame);
        assertEquals(GATEWAY_MAC, rig.mac(family), "the gateway's MAC is unchanged");
        assertEquals(GATEWAY_MAC, rig.tunnelMac(family), "tunnels still go to the gateway");
        assertEquals(0, action, "dropped, not answered nor handed to the kernel");
        assertEquals(before + 1, rig.drops(reason), reason + " counted");
        assertEquals(consumed, rig.drops(ForwardDrop.NEIGHBOUR_CONSUMED), "not counted as consumed");
    }

    /** tshark reads {@code field} of {@code frame} as {@code expected}. */
    private void assertTshark(final byte[] frame, final String field, final String expected) {
        final Path pcap = PcapWriter.write(dir.resolve(field + ".pcap"), List.of(frame));
        assertEquals(expected, Tshark.fields(pcap, field).get(0).get(field), field);
    }

    private static byte[] arp(
            final int operation,
            final long ethernetSource,
            final long senderMac,
            final String senderIp,
            final String targetIp) {
        final ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) 1)
                .putShort((short) 0x0800)
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) operation);
        b.put(mac(senderMac))
                .put(FrameBuilder.address(senderIp, 4))
                .put(new byte[6])
                .put(FrameBuilder.address(targetIp, 4));
        return new FrameBuilder()
                .macs(operation == 1 ? BROADCAST_MAC : PORT_MAC, ethernetSource)
                .rawL3(0x0806, b.array())
                .padTo(60)
                .build();
    }

    private static byte[] na(
            final long ethernetSource,
            final String source,
            final String destination,
            final int hopLimit,
            final int flags,
            final String target,
            final byte[] options) {
        return nd(
                NA,
                0,
                ethernetSource,
                source,
                destination,
                hopLimit,
                flags,
                FrameBuilder.concat(FrameBuilder.address(target, 16), options));
    }

    /** An ICMPv6 ND message: type, code, the 4-byte word after the checksum, then {@code body}. */
    private static byte[] nd(
            final int type,
            final int code,
            final long ethernetSource,
            final String source,
            final String destination,
            final int hopLimit,
            final int word,
            final byte[] body) {
        final long destinationMac =
                destination.startsWith("ff02") ? 0x3333_0000_0000L | (lo(destination) & 0xFFFF_FFFFL) : PORT_MAC;
        return new FrameBuilder()
                .macs(destinationMac, ethernetSource)
                .ipv6(source, destination)
                .ttl(hopLimit)
                .icmpv6(type, code, word)
                .payload(body)
                .build();
    }

    private static byte[] option(final int type, final long mac) {
        final byte[] o = new byte[8];
        o[0] = (byte) type;
        o[1] = 1;
        FrameBuilder.putMac(o, 2, mac);
        return o;
    }

    private static byte[] mac(final long mac) {
        final byte[] b = new byte[6];
        FrameBuilder.putMac(b, 0, mac);
        return b;
    }

    private static int v4(final String literal) {
        return Addresses.ipv4(literal);
    }

    private static long hi(final String literal) {
        return Addresses.ipv6(literal)[0];
    }

    private static long lo(final String literal) {
        return Addresses.ipv6(literal)[1];
    }
}
