package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.testing.FrameBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forged neighbour messages against the real forwarder on net_pcap: a capture in which the
 * gateways introduce themselves, VIP traffic flows, then ARP replies and neighbour advertisements
 * claim the gateways' addresses for other MACs (broadcast and multicast ARP senders, an NA from
 * off-link, one with a bad checksum, one with a multicast target link-layer address, one with a
 * zero-length option), then more VIP traffic. tshark reads the output: every tunnel packet, before
 * and after the forgeries, goes to the real gateway's MAC. The same with {@code instance.neighbours:
 * static}, where even well-formed ARP and NA for another MAC are refused and no request goes out.
 */
class NeighbourSecurityIT {
    private static final String VIP = "198.18.0.10";
    private static final String VIP6 = "fd00:99::10";
    private static final String GATEWAY_MAC = "02:00:00:00:00:01";
    private static final byte[] ATTACKER_MAC = {0x02, 0x66, 0x66, 0x66, 0x66, 0x66};
    private static final byte[] BROADCAST_MAC = {-1, -1, -1, -1, -1, -1};
    private static final byte[] IPV4_MULTICAST_MAC = {0x01, 0x00, 0x5E, 0x00, 0x00, 0x01};
    private static final byte[] IPV6_MULTICAST_MAC = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

    @TempDir
    Path dir;

    private int vipPackets;

    private void vipTraffic(final List<byte[]> frames, final int base) {
        for (int f = 0; f < 10; f++) {
            frames.add(TestFrames.l4("10.9.0." + (base + f), VIP, 6, 40000 + f, 80, 0x02));
            frames.add(TestFrames.l4("2001:db8::" + Integer.toHexString(base + f), VIP6, 6, 30000 + f, 80, 0x02));
            vipPackets += 2;
        }
    }

    /** A neighbour advertisement for {@code target} from fe80::1, with the given options, hop limit and flags. */
    private static byte[] na(final String target, final byte[] options, final int hopLimit) {
        final ByteBuffer na = ByteBuffer.allocate(24 + options.length)
                .put((byte) 136)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(0x6000_0000)
                .put(TestFrames.ip(target))
                .put(options);
        return TestFrames.ethernet(
                0x86DD,
                TestFrames.ipPacket(TestFrames.ip("fe80::1"), TestFrames.ip("fd00:1::2"), 58, na.array(), 2, hopLimit));
    }

    private static byte[] targetLl(final byte[] mac) {
        return ByteBuffer.allocate(8).put((byte) 2).put((byte) 1).put(mac).array();
    }

    private static byte[] arpReply(final byte[] senderMac) {
        return arp(2, senderMac, "10.0.1.1");
    }

    /**
     * An ARP frame to our address whose sender hardware address is {@code senderMac}, from a
     * unicast Ethernet source (the forgery is in the ARP body, not in the Ethernet header).
     */
    private static byte[] arp(final int operation, final byte[] senderMac, final String senderIp) {
        final byte[] frame = TestFrames.arp(operation, TestFrames.CLIENT_MAC, senderIp, new byte[6], "10.0.1.2");
        System.arraycopy(senderMac, 0, frame, 14 + 8, 6);
        return frame;
    }

    private Path config(final Path in, final Path out, final boolean pinned) throws IOException {
        final String yaml = """
            instance:
              name: nd-it-%d-%s
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
            %s
            hash_seed: 42
            conntrack:
              capacity: 4096
            services:
              - name: web
                vip: %s
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.11}, {address: 10.0.2.12}]
              - name: web6
                vip: "%s"
                port: 80
                protocol: tcp
                backends: [{address: "fd00:2::11"}]
            control:
              socket: "%s"
            """.formatted(
                        ProcessHandle.current().pid(),
                        pinned ? "static" : "learn",
                        dir.resolve("counters"),
                        in,
                        out,
                        pinned
                                ? "    ipv4_mac: \"" + GATEWAY_MAC + "\"\n    ipv6_mac: \"" + GATEWAY_MAC
                                        + "\"\n  neighbours: static"
                                : "",
                        VIP,
                        VIP6,
                        dir.resolve("ctl-" + out.getFileName() + ".sock"));
        final Path file = dir.resolve("nd-" + out.getFileName() + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private String run(final List<byte[]> frames, final boolean pinned, final Path out) throws Exception {
        final Path in = dir.resolve("in-" + out.getFileName());
        PcapFile.write(in, frames);
        try (LevitateProcess levitate = LevitateProcess.start(
                "run",
                "--config",
                config(in, out, pinned).toString(),
                "--stats-interval",
                "0.2",
                "--metrics",
                "127.0.0.1:0")) {
            levitate.awaitLine(l -> l.contains("w0 rx " + frames.size() + " "), Duration.ofSeconds(60));
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stderr()));
            return String.join("\n", levitate.stdout());
        }
    }

    /** Every GRE packet of {@code out}, per tshark, leaves for the real gateway; returns how many there are. */
    private static int assertTunnelsGoToTheGateway(final Path out) throws Exception {
        final List<String[]> tunnels = TsharkFields.read(out, "gre", "f", "eth.dst", "frame.number");
        for (final String[] t : tunnels) {
            assertEquals(GATEWAY_MAC, t[0], "tunnel packet in frame " + t[1]);
        }
        return tunnels.size();
    }

    @Test
    void forgedAndInvalidNeighbourMessagesDoNotMoveTheGateways() throws Exception {
        vipPackets = 0;
        final List<byte[]> frames = new ArrayList<>();
        frames.add(arpReply(TestFrames.GATEWAY_MAC));
        frames.add(na("fd00:1::1", targetLl(TestFrames.GATEWAY_MAC), 255));
        vipTraffic(frames, 1);
        // The forgeries, each of which moved a gateway before.
        frames.add(arpReply(BROADCAST_MAC));
        frames.add(arpReply(IPV4_MULTICAST_MAC));
        frames.add(arp(1, IPV4_MULTICAST_MAC, "10.0.1.1"));
        frames.add(na("fd00:1::1", targetLl(ATTACKER_MAC), 64));
        final byte[] badChecksum = na("fd00:1::1", targetLl(ATTACKER_MAC), 255);
        badChecksum[14 + 40 + 2] ^= 0x11;
        frames.add(badChecksum);
        frames.add(na("fd00:1::1", targetLl(IPV6_MULTICAST_MAC), 255));
        frames.add(
                na("fd00:1::1", FrameBuilder.concat(new byte[] {2, 0, 0, 0, 0, 0, 0, 0}, targetLl(ATTACKER_MAC)), 255));
        vipTraffic(frames, 101);

        final Path out = dir.resolve("learn.pcap");
        final String summary = run(frames, false, out);
        assertEquals(vipPackets, assertTunnelsGoToTheGateway(out), summary);
        for (final String reason : new String[] {
            "neighbour_not_unicast=4", "nd_hop_limit=1", "nd_bad_checksum=1", "nd_invalid=1", "neighbour_consumed=2"
        }) {
            assertTrue(summary.contains(reason), reason + " in\n" + summary);
        }
        // The gateways were learnt once and never changed.
        assertEquals(
                1,
                summary.lines()
                        .filter(l -> l.startsWith("levitate: IPv4 gateway "))
                        .count(),
                summary);
        assertEquals(
                1,
                summary.lines()
                        .filter(l -> l.startsWith("levitate: IPv6 gateway "))
                        .count(),
                summary);
        assertTrue(summary.contains("levitate: IPv6 gateway resolved to " + GATEWAY_MAC), summary);
    }

    @Test
    void staticNeighboursIgnoreEvenWellFormedClaimsAndSendNoRequests() throws Exception {
        vipPackets = 0;
        final List<byte[]> frames = new ArrayList<>();
        // Pinned: the first VIP packets are tunnelled before the gateway has said anything.
        vipTraffic(frames, 1);
        frames.add(arpReply(ATTACKER_MAC));
        frames.add(na("fd00:1::1", targetLl(ATTACKER_MAC), 255));
        // The real gateway agreeing with the configuration, and a client asking for us: answered.
        frames.add(arpReply(TestFrames.GATEWAY_MAC));
        frames.add(TestFrames.arp(1, TestFrames.CLIENT_MAC, "10.0.1.50", new byte[6], "10.0.1.2"));
        vipTraffic(frames, 101);

        final Path out = dir.resolve("static.pcap");
        final String summary = run(frames, true, out);
        assertEquals(vipPackets, assertTunnelsGoToTheGateway(out), summary);
        assertTrue(summary.contains("neighbour_static=2"), summary);
        assertTrue(summary.contains("levitate: IPv4 gateway pinned to " + GATEWAY_MAC), summary);
        // No ARP request nor neighbour solicitation left for the pinned gateways; the client got its reply.
        assertEquals(List.of(), TsharkFields.read(out, "arp.opcode == 1 || icmpv6.type == 135", "f", "frame.number"));
        assertEquals(
                1,
                TsharkFields.read(out, "arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.1.2", "f", "frame.number")
                        .size());
    }
}
