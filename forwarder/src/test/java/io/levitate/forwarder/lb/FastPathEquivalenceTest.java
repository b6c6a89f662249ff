package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.conntrack.ConntrackCounters;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.gre.DfPolicy;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.EncapVerdict;
import io.levitate.gre.GreEncapsulator;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The worker's fast path (untagged IPv4 TCP/UDP to a VIP) against its general path: two agents
 * with the same configuration see the same frames, one through {@link LoadBalancerAgent#handleReceived}
 * (hashes and prefetches, fast path, general path for what the fast path leaves) and one through
 * {@link LoadBalancerAgent#handleOne} (general path only). Every frame's action, its bytes and
 * the mbuf's data offset and lengths must agree, and so must every counter at the end.
 *
 * <p>The frames are valid TCP and UDP packets to the VIPs and other addresses, and the same with
 * one field broken at a time at each check the fast path makes (TTL 0, multicast, broadcast,
 * loopback, this-network or VIP source, group Ethernet source, fragments, lengths, TCP data offset, UDP length, IP options, VLAN tags, too big for the
 * MTU, no headroom, chained mbufs, padding, other protocols), over flows that repeat (conntrack
 * hits), with TCP flags that open, close and reopen flows, and with a backend going down half-way
 * (conntrack's resolve path). Some backends are IPv6 (IPv6 outer headers); some of their tunnels
 * and one IPv4 backend's are keyed (RFC 2890). Lengths are tried at the edges: total lengths around the MTU limits of the
 * fast path (any tunnel) and of the general path (this tunnel), headroom just under and at what
 * the largest tunnel needs, frames just under and at flowHash's minimum. With
 * {@link DfPolicy#CLEAR} the IPv6 gateway is left unresolved, so those flows are {@code no_neighbour}.
 */
class FastPathEquivalenceTest {
    private static final int BURST = 32;
    private static final long PORT_MAC = 0x0270_6361_7000L;
    private static final long GATEWAY_MAC = 0x0200_0000_0001L;
    private static final int VIP_TCP = 0xC612_0001; // 198.18.0.1: tcp/80
    private static final int VIP_UDP = 0xC612_0002; // 198.18.0.2: udp, any port
    private static final int OTHER = 0xC612_0009; // not a VIP

    private static final String CONFIG = """
        instance:
          name: equivalence
          ports:
            - device: "net_null0"
          addresses:
            ipv4: 10.0.1.2
            ipv6: "fd00:1::2"
          gateways:
            ipv4: 10.0.1.1
            ipv6: "fd00:1::1"
        hash_seed: 0x6c657669746174
        conntrack:
          capacity: 4096
          flood_guard_new_flows_per_second: 0
        services:
          - name: web
            vip: 198.18.0.1
            port: 80
            protocol: tcp
            mixed_families: true
            backends:
              - {address: 10.0.2.1}
              - {address: 10.0.2.2, state: STATE2}
              - {address: 10.0.2.3, weight: 50}
              - {address: "fd00:2::4"}
          - name: dns
            vip: 198.18.0.2
            port: any
            protocol: udp
            mixed_families: true
            backends:
              - {address: 10.0.3.1}
              - {address: "fd00:3::3"}
              - {address: 172.16.3.9}
          - name: web6
            vip: "fd00:99::1"
            port: 80
            protocol: tcp
            mixed_families: true
            backends:
              - {address: "fd00:2::61"}
              - {address: "fd00:2::62", state: STATE2}
              - {address: "fd00:2::63", weight: 50}
              - {address: 10.0.2.64}
          - name: dns6
            vip: "fd00:99::2"
            port: any
            protocol: udp
            backends:
              - {address: "fd00:3::61"}
              - {address: "fd00:3::62"}
          - name: lonely6
            vip: "fd00:99::3"
            port: 443
            protocol: tcp
            backends:
              - {address: "fd00:3::63", state: STATE2}
        """;

    private final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        arena.close();
    }

    /** One agent and everything it owns. */
    private final class Side {
        final AtomicReference<DataPlaneSnapshot> published = new AtomicReference<>();
        final ConntrackTable conntrack;
        final GreEncapsulator encapsulator;
        final WorkerStats stats;
        final LoadBalancerAgent agent;
        final OffPortWorker worker;

        Side(final LevitateConfig config, final DataPlaneSnapshot snapshot, final DfPolicy df, final int v4Prefix) {
            published.set(snapshot);
            final Neighbours neighbours = new Neighbours(
                    0x0A00_0102,
                    true,
                    0xFD00_0001_0000_0000L,
                    2,
                    true,
                    0x0A00_0101,
                    true,
                    0xFD00_0001_0000_0000L,
                    1,
                    true);
            neighbours.confirmV4(GATEWAY_MAC, Long.MAX_VALUE / 2);
            if (df != DfPolicy.CLEAR) {
                neighbours.confirmV6(GATEWAY_MAC + 1, Long.MAX_VALUE / 2);
            }
            conntrack = new ConntrackTable(
                    config.conntrack().toConntrackConfig(7).withServices(SnapshotBuilder.MAX_SERVICES, 0));
            // MTU 1400, per-flow outer sources from prefixes (IPv4: a /24, or a single /32 address, which
            // the fast path writes without a flow hash; that one, a backend (172.16.3.9) and the TTL have
            // their top bit set, so a sign extended into a neighbour field shows): the fast path must
            // write what the general path does.
            encapsulator = new GreEncapsulator(EncapConfig.builder()
                    .portMac(PORT_MAC)
                    .mtu(1400)
                    .ttl(v4Prefix == 32 ? 200 : EncapConfig.DEFAULT_TTL)
                    .sourceV4(v4Prefix == 32 ? "200.0.9.7" : "10.0.9.0", v4Prefix)
                    .sourceV6("fd00:9::", 64)
                    .dfPolicy(df)
                    .build());
            worker = new OffPortWorker(arena, 0, BURST, published, neighbours, conntrack, encapsulator, PORT_MAC);
            agent = worker.agent;
            stats = worker.stats;
        }

        void load(final int i, final Frame f) {
            worker.load(i, f.bytes, f.headroom, f.segments);
        }

        /** Data offset, data length, packet length and the frame's bytes of mbuf {@code i}. */
        byte[] frame(final int i) {
            return worker.mbufAndFrame(i);
        }
    }

    record Frame(byte[] bytes, int headroom, int segments) {}

    /** Every DF policy, with a /24 outer IPv4 source prefix; and one with a single source address. */
    static Stream<Arguments> policies() {
        return Stream.concat(
                Arrays.stream(DfPolicy.values()).map(df -> Arguments.of(df, 24)),
                Stream.of(Arguments.of(DfPolicy.COPY_INNER, 32)));
    }

    /** Both agents after a run, and what went through them. */
    private record Run(Side fast, Side general, int forwarded, int frames) {}

    @ParameterizedTest
    @MethodSource("policies")
    void theFastPathWritesAndCountsWhatTheGeneralPathDoes(final DfPolicy df, final int v4Prefix) throws Exception {
        final Run run = run(df, v4Prefix, FastPathEquivalenceTest::frame);
        final Side fast = run.fast();
        final int forwarded = run.forwarded();
        final int frames = run.frames();
        assertTrue(
                fast.agent.fastPathPackets() > forwarded / 2,
                "the fast path took " + fast.agent.fastPathPackets() + " of " + forwarded + " tunnelled packets");
        assertTrue(fast.agent.fastPathPackets() < frames / 2, "many frames took the general path");
        assertTrue(
                fast.stats.drops[ForwardDrop.NO_SERVICE.id()] > 0
                        && fast.encapsulator.count(EncapVerdict.TOO_BIG_ICMP_SENT) > 0,
                "the general path's outcomes were exercised");
        assertTrue(
                fast.conntrack.counters().getAcquire(ConntrackCounters.REBINDS) > 0,
                "flows were re-resolved after the backend went down");
        if (df == DfPolicy.CLEAR) {
            assertTrue(
                    fast.stats.drops[ForwardDrop.NO_NEIGHBOUR.id()] > 0, "flows to IPv6 backends found no neighbour");
        } else {
            // IPv6 outer headers need 44 bytes of headroom beyond the client's Ethernet header.
            assertTrue(fast.encapsulator.count(EncapVerdict.NO_HEADROOM) > 0, "the headroom edge was reached");
        }
    }

    /**
     * {@link Ipv6FastPath} against the general path, as the IPv4 test above: IPv6 TCP and UDP to
     * VIPs (IPv6 and IPv4 backends, keyed and not) and elsewhere, valid and broken one field at a
     * time at each check the fast path makes or leaves to the general path: hop limit 0 and 1,
     * extension headers (hop-by-hop, destination options, routing, an atomic fragment and a real
     * one), short frames, payload lengths 0, beyond the frame and short of it (padding), version 4,
     * TCP data offsets, UDP lengths, sources that are multicast, unspecified, loopback,
     * IPv4-mapped, link-local or a VIP, group Ethernet source, VLAN tag, ICMPv6, MTU and headroom
     * edges, chained mbufs; flows repeat (conntrack hits), and half-way a backend goes down (resolve)
     * and one service loses its only backend (no_backend).
     */
    @ParameterizedTest
    @MethodSource("policies")
    void theIpv6FastPathWritesAndCountsWhatTheGeneralPathDoes(final DfPolicy df, final int v4Prefix) throws Exception {
        final Run run = run(df, v4Prefix, FastPathEquivalenceTest::frame6);
        final Side fast = run.fast();
        final long hits = fast.conntrack.counters().getAcquire(ConntrackCounters.HITS);
        assertTrue(
                fast.agent.fastPathPackets() > run.forwarded() / 2,
                "the fast path took " + fast.agent.fastPathPackets() + " of " + run.forwarded() + " tunnelled packets");
        assertTrue(fast.agent.fastPathPackets() < run.frames() / 2, "many frames took the general path");
        assertTrue(hits > fast.conntrack.counters().getAcquire(ConntrackCounters.MISSES), "mostly conntrack hits");
        assertTrue(
                fast.stats.drops[ForwardDrop.NO_SERVICE.id()] > 0
                        && fast.stats.drops[ForwardDrop.NO_BACKEND.id()] > 0
                        && fast.stats.drops[io.levitate.packet.DropReason.MARTIAN_SOURCE.id()] > 0
                        && fast.stats.drops[io.levitate.packet.DropReason.TTL_ZERO.id()] > 0
                        && fast.encapsulator.count(EncapVerdict.TOO_BIG_ICMP_SENT) > 0,
                "the general path's outcomes were exercised");
        assertTrue(
                fast.conntrack.counters().getAcquire(ConntrackCounters.REBINDS) > 0,
                "flows were re-resolved after the backend went down");
        if (df == DfPolicy.CLEAR) {
            assertTrue(
                    fast.stats.drops[ForwardDrop.NO_NEIGHBOUR.id()] > 0, "flows to IPv6 backends found no neighbour");
        } else {
            assertTrue(fast.encapsulator.count(EncapVerdict.NO_HEADROOM) > 0, "the headroom edge was reached");
        }
    }

    private Run run(final DfPolicy df, final int v4Prefix, final Function<SplittableRandom, Frame> frames)
            throws Exception {
        final LevitateConfig up = parse("active");
        final LevitateConfig down = parse("down");
        final SnapshotBuilder builder = new SnapshotBuilder();
        final DataPlaneSnapshot before = keyed(builder.build(up, Map.of()));
        final Side fast = new Side(up, before, df, v4Prefix);
        final Side general = new Side(up, before, df, v4Prefix);
        final SplittableRandom random = new SplittableRandom(42);
        final int[] actions = new int[BURST];
        final int bursts = 3000;
        final long nowNanos = 5_000_000_000L;
        int forwarded = 0;
        int sent = 0;
        for (int b = 0; b < bursts; b++) {
            if (b == bursts / 2) {
                final DataPlaneSnapshot after = keyed(builder.build(down, Map.of()));
                fast.published.set(after);
                general.published.set(after);
            }
            final int count = 1 + random.nextInt(BURST);
            sent += count;
            final long now = nowNanos + b * 1_000_000L;
            for (int i = 0; i < count; i++) {
                final Frame f = frames.apply(random);
                fast.load(i, f);
                general.load(i, f);
            }
            final long givenBefore = fast.agent.prefetchStages()[0];
            fast.agent.handleReceived(fast.worker.array, count, now, actions);
            // Every packet of the burst went through the tag-line and the record stage, once.
            final long[] stages = fast.agent.prefetchStages();
            assertEquals(count, stages[0] - givenBefore, "packets handed to the burst " + b);
            assertEquals(stages[0], stages[1], "packets whose tag lines were prefetched, burst " + b + " of " + count);
            assertEquals(stages[0], stages[2], "packets whose records were prefetched, burst " + b + " of " + count);
            for (int i = 0; i < count; i++) {
                final int expected = general.agent.handleOne(general.worker.mbufs[i], now);
                assertEquals(expected, actions[i], "action of frame " + i + " of burst " + b);
                assertArrayEquals(general.frame(i), fast.frame(i), "frame " + i + " of burst " + b);
                forwarded += expected == 1 ? 1 : 0;
            }
        }
        assertCountersEqual(general, fast);
        return new Run(fast, general, forwarded, sent);
    }

    /**
     * The same snapshot with backend 0's tunnel and the IPv6 tunnels to odd addresses keyed (the
     * largest overhead: 48 bytes; the others, fd00:2::4 and fd00:x::62, take the encapsulator's wide
     * IPv6 writer); the test shares it between both agents.
     */
    static DataPlaneSnapshot keyed(final DataPlaneSnapshot snapshot) {
        for (int i = 0; i < snapshot.tunnels.length; i++) {
            if (snapshot.tunnels[i] != null
                    && (i == 0
                            || (snapshot.tunnels[i].family() == 6
                                    && (snapshot.tunnels[i].destinationV6Lo() & 1) == 1))) {
                snapshot.tunnels[i] = snapshot.tunnels[i].withKey(0x5EED + i);
            }
        }
        return snapshot;
    }

    static LevitateConfig parse(final String state) throws Exception {
        return ConfigReader.parse(CONFIG.replace("STATE2", state), "equivalence.yaml")
                .config();
    }

    private static void assertCountersEqual(final Side expected, final Side actual) {
        final WorkerStats e = expected.stats;
        final WorkerStats a = actual.stats;
        assertArrayEquals(e.drops, a.drops, "drops by reason");
        assertEquals(e.encapsulated, a.encapsulated, "encapsulated");
        assertEquals(e.replies, a.replies, "replies");
        assertArrayEquals(e.servicePackets, a.servicePackets, "service packets");
        assertArrayEquals(e.serviceBytes, a.serviceBytes, "service bytes");
        assertArrayEquals(e.serviceNewFlows, a.serviceNewFlows, "service new flows");
        assertArrayEquals(e.backendPackets, a.backendPackets, "backend packets");
        assertArrayEquals(e.backendBytes, a.backendBytes, "backend bytes");
        assertArrayEquals(e.backendNewFlows, a.backendNewFlows, "backend new flows");
        for (final EncapVerdict v : EncapVerdict.values()) {
            assertEquals(expected.encapsulator.count(v), actual.encapsulator.count(v), "encapsulator " + v);
        }
        for (int i = 0; i < ConntrackCounters.COUNT; i++) {
            assertEquals(
                    expected.conntrack.counters().getAcquire(i),
                    actual.conntrack.counters().getAcquire(i),
                    "conntrack counter " + i);
        }
        assertEquals(expected.conntrack.occupancy(), actual.conntrack.occupancy(), "conntrack occupancy");
    }

    // ---------------------------------------------------------------- frames

    /** A TCP or UDP frame to a VIP (or another address), most of them valid, some broken in one field. */
    static Frame frame(final SplittableRandom random) {
        final boolean udp = random.nextInt(4) == 0;
        final int flow = random.nextInt(600);
        final int src = 0x0A64_0000 | flow;
        final int dst = random.nextInt(20) == 0 ? OTHER : udp ? VIP_UDP : VIP_TCP;
        final int srcPort = 1024 + flow;
        final int dstPort = udp ? 53 + random.nextInt(3) : random.nextInt(30) == 0 ? 81 : 80;
        final int l4 = udp ? 8 : 20;
        // MTU 1400: the fast path takes up to 1352 (any tunnel: 48 bytes), the general path tunnels
        // up to 1376 through an unkeyed IPv4 tunnel (24) and answers too-big beyond.
        final int[] edges = {1352, 1353, 1356, 1372, 1376, 1377, 1400};
        final int total = switch (random.nextInt(10)) {
            case 0 -> 1340 + random.nextInt(80);
            case 1 -> edges[random.nextInt(edges.length)];
            default -> 20 + l4 + random.nextInt(64);
        };
        final int payload = total - 20 - l4;
        final int flags = new int[] {0x10, 0x10, 0x18, 0x10, 0x02, 0x12, 0x11, 0x04, 0x19}[random.nextInt(9)];
        final ByteBuffer f = ByteBuffer.allocate(14 + total + (random.nextInt(8) == 0 ? random.nextInt(20) : 0));
        f.putShort((short) 0x0270)
                .putInt(0x6361_7000)
                .putShort((short) 0x0200)
                .putInt(0x0000_0002)
                .putShort((short) 0x0800);
        f.put((byte) 0x45)
                .put((byte) (random.nextInt(4) == 0 ? 0xB8 : 0))
                .putShort((short) total)
                .putShort((short) random.nextInt(65536))
                .putShort((short) (random.nextBoolean() ? 0x4000 : 0))
                .put((byte) 64)
                .put((byte) (udp ? 17 : 6))
                .putShort((short) 0)
                .putInt(src)
                .putInt(dst);
        f.putShort((short) srcPort).putShort((short) dstPort);
        if (udp) {
            f.putShort((short) (8 + payload)).putShort((short) 0);
        } else {
            f.putInt(random.nextInt())
                    .putInt(random.nextInt())
                    .putShort((short) (0x5000 | flags))
                    .putShort((short) 65535)
                    .putInt(0);
        }
        for (int i = 0; i < payload; i++) {
            f.put((byte) random.nextInt(256));
        }
        final byte[] bytes = f.array();
        int headroom = 128;
        int segments = 1;
        switch (random.nextInt(40)) {
            case 0 -> bytes[22] = 0; // TTL 0
            case 1 -> putInt(bytes, 26, 0xE000_0001); // multicast source
            case 2 -> putInt(bytes, 26, -1); // broadcast source
            case 3 -> bytes[20] |= 0x20; // more fragments
            case 4 -> bytes[21] = 7; // fragment offset
            case 5 -> putShort(bytes, 16, total + 1 + random.nextInt(30)); // longer than the frame
            case 6 -> putShort(bytes, 16, random.nextInt(20 + l4)); // shorter than the headers
            case 7 ->
                bytes[udp ? 38 : 46] =
                        (byte) (udp ? 0x7F : random.nextBoolean() ? 0x40 : 0xF0); // data offset / UDP length
            case 8 -> putShort(bytes, 38, udp ? random.nextInt(8) : 0); // UDP length too small
            case 9 -> putShort(bytes, 38, udp ? total : 0); // UDP length too large
            case 10 -> bytes[14] = 0x46; // IP options (IHL 6)
            case 11 -> bytes[23] = 1; // ICMP
            case 12 -> bytes[23] = 47; // GRE
            case 13 -> headroom = new int[] {40, 43, 44, 47, 48}[random.nextInt(5)]; // little headroom
            case 14 -> segments = 2; // chained mbuf
            case 15 -> bytes[14] = 0x65; // version 6
            case 19 -> bytes[26] = 0; // source in 0.0.0.0/8
            case 20 -> bytes[26] = 127; // loopback source
            case 21 -> putInt(bytes, 26, random.nextBoolean() ? VIP_TCP : VIP_UDP); // a VIP as source
            case 22 -> bytes[6] |= 1; // group Ethernet source
            case 16 -> {
                return new Frame(vlanTagged(bytes), headroom, segments); // 802.1Q
            }
            case 17 -> {
                return new Frame(Arrays.copyOf(bytes, 14 + 20 + random.nextInt(l4)), headroom, segments); // truncated
            }
            case 18 -> {
                return new Frame(
                        Arrays.copyOf(bytes, 37 + random.nextInt(2)), headroom, segments); // at flowHash's minimum
            }
            default -> {}
        }
        return new Frame(bytes, headroom, segments);
    }

    private static final long VIP6_HI = 0xFD00_0099_0000_0000L;
    private static final long CLIENT6_HI = 0xFD00_0064_0000_0000L;

    /**
     * An IPv6 TCP or UDP frame to an IPv6 VIP (or another address), most of them valid, some broken
     * in one field, some with an extension header.
     */
    static Frame frame6(final SplittableRandom random) {
        final boolean udp = random.nextInt(4) == 0;
        final int flow = random.nextInt(600);
        final long dstLo = random.nextInt(20) == 0 ? 9 : udp ? 2 : random.nextInt(10) == 0 ? 3 : 1;
        final int srcPort = 1024 + flow;
        final int dstPort = udp ? 53 + random.nextInt(3) : dstLo == 3 ? 443 : random.nextInt(30) == 0 ? 81 : 80;
        final int l4 = udp ? 8 : 20;
        // An extension header before the transport: hop-by-hop (0), routing (43), an atomic fragment
        // or a first fragment (44), destination options (60). The general path walks it; the fast path never takes it.
        final int extension = random.nextInt(25) == 0 ? new int[] {0, 43, 44, 44, 60}[random.nextInt(5)] : -1;
        final boolean realFragment = extension == 44 && random.nextBoolean();
        final int extLength = extension < 0 ? 0 : 8;
        // MTU 1400: the fast path takes payloads up to 1312 (1352 with the header: any tunnel), the
        // general path up to 1336 through an unkeyed IPv4 tunnel (24) and answers too-big beyond.
        final int[] edges = {1352, 1353, 1356, 1372, 1376, 1377, 1400};
        final int total = switch (random.nextInt(10)) {
            case 0 -> 1340 + random.nextInt(80);
            case 1 -> edges[random.nextInt(edges.length)];
            default -> 40 + extLength + l4 + random.nextInt(64);
        };
        final int payload = total - 40 - extLength - l4;
        final int flags = new int[] {0x10, 0x10, 0x18, 0x10, 0x02, 0x12, 0x11, 0x04, 0x19}[random.nextInt(9)];
        final int protocol = udp ? 17 : 6;
        final ByteBuffer f = ByteBuffer.allocate(14 + total + (random.nextInt(8) == 0 ? random.nextInt(20) : 0));
        f.putShort((short) 0x0270)
                .putInt(0x6361_7000)
                .putShort((short) 0x0200)
                .putInt(0x0000_0002)
                .putShort((short) 0x86DD);
        final int trafficClass = random.nextInt(4) == 0 ? 0xB8 : 0;
        f.putInt(6 << 28 | trafficClass << 20 | random.nextInt(1 << 20))
                .putShort((short) (total - 40))
                .put((byte) (extension < 0 ? protocol : extension))
                .put((byte) (random.nextInt(10) == 0 ? 1 : 64))
                .putLong(CLIENT6_HI)
                .putLong(flow)
                .putLong(VIP6_HI)
                .putLong(dstLo);
        if (extension == 44) {
            // Fragment header: next header, reserved, offset 0 and M (a first fragment) or neither (atomic), id.
            f.put((byte) protocol)
                    .put((byte) 0)
                    .putShort((short) (realFragment ? 1 : 0))
                    .putInt(random.nextInt());
        } else if (extension == 43) {
            // Routing header type 4 (segment routing), segments left 0: skipped by a node that is not the destination.
            f.put((byte) protocol).put((byte) 0).put((byte) 4).put((byte) 0).putInt(0);
        } else if (extension >= 0) {
            // Hop-by-hop or destination options: one PadN option filling the 8 bytes.
            f.put((byte) protocol).put((byte) 0).put((byte) 1).put((byte) 4).putInt(0);
        }
        f.putShort((short) srcPort).putShort((short) dstPort);
        if (udp) {
            f.putShort((short) (8 + payload)).putShort((short) 0);
        } else {
            f.putInt(random.nextInt())
                    .putInt(random.nextInt())
                    .putShort((short) (0x5000 | flags))
                    .putShort((short) 65535)
                    .putInt(0);
        }
        for (int i = 0; i < payload; i++) {
            f.put((byte) random.nextInt(256));
        }
        final byte[] bytes = f.array();
        final int ip = 14;
        final int transport = ip + 40 + extLength;
        int headroom = 128;
        int segments = 1;
        switch (random.nextInt(44)) {
            case 0 -> bytes[ip + 7] = 0; // hop limit 0
            case 1 -> bytes[ip + 8] = (byte) 0xFF; // multicast source
            case 2 -> putLong(bytes, ip + 8, 0, random.nextBoolean() ? 0 : 1); // unspecified or loopback source
            case 3 -> putLong(bytes, ip + 8, 0, 0xFFFF_0A00_0001L); // IPv4-mapped source
            case 4 -> putLong(bytes, ip + 8, VIP6_HI, 1 + random.nextInt(3)); // a VIP as source
            case 5 -> putShort(bytes, ip + 4, 0); // payload length 0 (jumbogram)
            case 6 -> putShort(bytes, ip + 4, total - 40 + 1 + random.nextInt(30)); // beyond the frame
            case 7 -> putShort(bytes, ip + 4, random.nextInt(extLength + l4)); // shorter than the headers
            case 8 ->
                bytes[transport + (udp ? 4 : 12)] =
                        (byte) (udp ? 0x7F : random.nextBoolean() ? 0x40 : 0xF0); // data offset / UDP length
            case 9 -> putShort(bytes, transport + 4, udp ? random.nextInt(8) : 0); // UDP length too small
            case 10 -> putShort(bytes, transport + 4, udp ? total : 0); // UDP length too large
            case 11 -> bytes[ip] = 0x45; // version 4 in an IPv6 EtherType
            case 12 -> bytes[ip + 6] = 58; // ICMPv6
            case 13 -> bytes[ip + 6] = 47; // GRE
            case 14 -> headroom = new int[] {40, 43, 44, 47, 48}[random.nextInt(5)]; // little headroom
            case 15 -> segments = 2; // chained mbuf
            case 16 -> bytes[6] |= 1; // group Ethernet source
            case 17 -> putLong(bytes, ip + 8, 0xFE80_0000_0000_0000L, flow); // link-local source: forwarded
            case 18 -> bytes[ip + 7] = 1; // hop limit 1: forwarded
            case 19 -> {
                return new Frame(vlanTagged(bytes), headroom, segments); // 802.1Q
            }
            case 20 -> {
                return new Frame(Arrays.copyOf(bytes, ip + 40 + random.nextInt(extLength + l4)), headroom, segments);
            }
            case 21 -> {
                return new Frame(
                        Arrays.copyOf(bytes, ip + 40 + 3 + random.nextInt(2)),
                        headroom,
                        segments); // flowHash's minimum
            }
            case 22 -> {
                return new Frame(
                        Arrays.copyOf(bytes, ip + 20 + random.nextInt(20)), headroom, segments); // short of the header
            }
            default -> {}
        }
        return new Frame(bytes, headroom, segments);
    }

    private static void putLong(final byte[] b, final int at, final long hi, final long lo) {
        putInt(b, at, (int) (hi >>> 32));
        putInt(b, at + 4, (int) hi);
        putInt(b, at + 8, (int) (lo >>> 32));
        putInt(b, at + 12, (int) lo);
    }

    private static byte[] vlanTagged(final byte[] untagged) {
        final byte[] tagged = new byte[untagged.length + 4];
        System.arraycopy(untagged, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81;
        tagged[13] = 0;
        tagged[15] = 7;
        System.arraycopy(untagged, 12, tagged, 16, untagged.length - 12);
        return tagged;
    }

    private static void putShort(final byte[] b, final int at, final int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static void putInt(final byte[] b, final int at, final int v) {
        putShort(b, at, v >>> 16);
        putShort(b, at + 2, v);
    }
}
