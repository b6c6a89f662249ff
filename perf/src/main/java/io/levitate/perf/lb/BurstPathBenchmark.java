package io.levitate.perf.lb;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.levitate.conntrack.ConntrackCounters;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.dpdk.Mbuf;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.lb.ControlResponder;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.LoadBalancerAgent;
import io.levitate.forwarder.lb.Neighbours;
import io.levitate.forwarder.lb.SnapshotBuilder;
import io.levitate.forwarder.lb.WorkerContext;
import io.levitate.forwarder.lb.WorkerStats;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.worker.WorkerStartup;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import io.levitate.perf.bench.FlowKeys;
import io.levitate.perf.bench.TcpFrameBuilder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A worker's burst path per address family: {@link LoadBalancerAgent#handleReceived}, which is what
 * the duty cycle does with an rx burst short of rx and tx (flow hashes, the prefetch stages, the
 * IPv4 or IPv6 fast path, the conntrack hit, the GRE header written in place). Bursts of
 * {@value #BURST} established TCP flows (ACK segments, 64-byte frames for IPv4 and 78-byte ones for
 * IPv6, counting the FCS as the bench does) to a VIP of {@code perf/bench/lb.yaml} whose ten backends
 * have the same family; {@code flows} flows, round robin, every one in conntrack before timing
 * starts. Scores are per packet ({@link OperationsPerInvocation}).
 *
 * <p>The mbufs are {@value #BURST} DPDK-shaped structures in ordinary memory, reused by every burst
 * as a pool's per-core cache hands the same mbufs back; the path rewrites a frame in place, so each
 * is restored (its flow's bytes and the mbuf's offset and lengths) before its burst: {@link
 * #restoreOnly} times that part alone, to subtract. The frames are the bench's (perf's {@code
 * TcpFrameBuilder}, client addresses and ports from {@code FlowKeys} with the generator's default
 * seed), so this times the per-packet work {@code scripts/bench.sh --scenario lb [--ipv6]} runs.
 *
 * <p>{@link #setUp} refuses to measure anything but forwarding by the fast path ({@link
 * #checkForwarded}): a benchmark of drops or of the general path would look faster or slower for
 * the wrong reason.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(BurstPathBenchmark.BURST)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"
        })
public class BurstPathBenchmark {
    /** The worker's default rx burst. */
    static final int BURST = 32;
    /** Action of a packet tunnelled to its backend ({@link LoadBalancerAgent#handleReceived}). */
    static final int FORWARD = 1;
    /**
     * Least share of the packets the fast path must take. Not all: {@code VipTable}'s filter of
     * possible VIP sources (512 bits, one per VIP of the family) sends about 1 client address in
     * 512 to the general path, which looks the source up; so does the worker with the same flows.
     */
    static final double FAST_SHARE = 0.99;

    /**
     * perf/bench/lb.yaml's services, addresses and conntrack settings (the bench's configuration),
     * inline so that the benchmark runs from any directory and an older build reads the same.
     */
    static final String CONFIG = """
        instance:
          name: bench-lb
          ports:
            - device: "net_null0"
          addresses:
            ipv4: 10.0.1.2
            ipv6: "2001:db8:1::2"
          gateways:
            ipv4: 10.0.1.1
            ipv6: "2001:db8:1::1"
        hash_seed: 0x6c657669746174
        conntrack:
          capacity: 2097152
          flood_guard_new_flows_per_second: 0
        services:
          - name: bench
            vip: 198.18.0.1
            port: 80
            protocol: tcp
            backends:
              - {address: 10.0.2.1}
              - {address: 10.0.2.2}
              - {address: 10.0.2.3}
              - {address: 10.0.2.4}
              - {address: 10.0.2.5}
              - {address: 10.0.2.6}
              - {address: 10.0.2.7}
              - {address: 10.0.2.8}
              - {address: 10.0.2.9}
              - {address: 10.0.2.10}
          - name: bench6
            vip: "2001:db8::ffff:0:1"
            port: 80
            protocol: tcp
            backends:
              - {address: "2001:db8:2::1"}
              - {address: "2001:db8:2::2"}
              - {address: "2001:db8:2::3"}
              - {address: "2001:db8:2::4"}
              - {address: "2001:db8:2::5"}
              - {address: "2001:db8:2::6"}
              - {address: "2001:db8:2::7"}
              - {address: "2001:db8:2::8"}
              - {address: "2001:db8:2::9"}
              - {address: "2001:db8:2::a"}
        """;

    /** The bench's clients: 10.0.0.0/8 and 2001:db8::/64, host numbers from {@link FlowKeys}. */
    private static final int CLIENT_NET_V4 = 0x0A00_0000;

    private static final long PREFIX_HIGH_V6 = 0x2001_0DB8_0000_0000L;
    /** The VIPs above: 198.18.0.1 and 2001:db8::ffff:0:1, port 80. */
    private static final int VIP_V4 = 0xC612_0001;

    private static final long VIP_V6_LOW = 0x0000_FFFF_0000_0001L;
    private static final int VIP_PORT = 80;
    /** PcapGenerator's default --seed: the same client addresses and ports as the bench's pcap. */
    private static final long FLOW_SEED = 1;

    private static final long PORT_MAC = 0x0270_6361_7001L;
    private static final long GATEWAY_MAC = 0x0200_0000_0001L;
    /** DPDK's default data room (RTE_MBUF_DEFAULT_BUF_SIZE): {@link Mbuf#HEADROOM} and 2048 bytes. */
    private static final int ROOM = Mbuf.DEFAULT_BUF_SIZE;
    /** Bytes each flow's frame takes in {@link #frames}: the longest frame (IPv6's 74) in whole words. */
    static final int SLOT = 80;

    private static final long POINTER = 8;
    private static final int ETHER_TYPE = 12;
    private static final int IP = 14;
    private static final int IPV4_PROTOCOL = 9;
    private static final int IPV6_NEXT_HEADER = 6;
    private static final int ETHER_IPV4 = 0x0800;
    private static final int ETHER_IPV6 = 0x86DD;
    /** Protocol (IPv4, byte 9) or next header (IPv6, byte 6) of a GRE tunnel's outer header. */
    private static final int GRE = 47;

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfShort NETWORK_SHORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Param({"ipv4", "ipv6"})
    String family;

    @Param({"10000", "1000000"})
    int flows;

    private Arena arena;
    /** Off-heap: flow i's frame at {@code i * SLOT}, as received. */
    long frames;

    private int frameLength;
    private long[] mbufs;
    /** Off-heap array of the burst's mbuf pointers, as rx_burst fills one. */
    private long array;

    private final int[] actions = new int[BURST];
    private LoadBalancerAgent agent;
    private ConntrackTable conntrack;
    private long now;
    /** The flow the next burst starts with. */
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        final boolean ipv6 = switch (family) {
            case "ipv4" -> false;
            case "ipv6" -> true;
            default -> throw new IllegalArgumentException("family must be ipv4 or ipv6, not " + family);
        };
        final LevitateConfig config = ConfigReader.parse(CONFIG, "lb.yaml").config();
        now = System.nanoTime();
        final InetAddress ours4 = InetAddress.getByName("10.0.1.2");
        final InetAddress ours6 = InetAddress.getByName("2001:db8:1::2");
        final InetAddress gateway4 = InetAddress.getByName("10.0.1.1");
        final InetAddress gateway6 = InetAddress.getByName("2001:db8:1::1");
        final Neighbours neighbours = new Neighbours(
                SnapshotBuilder.v4(ours4),
                true,
                SnapshotBuilder.hi(ours6),
                SnapshotBuilder.lo(ours6),
                true,
                SnapshotBuilder.v4(gateway4),
                true,
                SnapshotBuilder.hi(gateway6),
                SnapshotBuilder.lo(gateway6),
                true);
        // As if learnt from the wire at the benchmark's clock, which stands still: never stale.
        neighbours.confirmV4(GATEWAY_MAC, now / 1_000_000);
        neighbours.confirmV6(GATEWAY_MAC, now / 1_000_000);
        // Worker 0's table, as DataPlane makes it.
        conntrack = new ConntrackTable(
                config.conntrack().toConntrackConfig(config.hashSeed()).withServices(SnapshotBuilder.MAX_SERVICES, 0));
        final GreEncapsulator encapsulator = new GreEncapsulator(EncapConfig.builder()
                .portMac(PORT_MAC)
                .sourceV4("10.0.1.2")
                .sourceV6("2001:db8:1::2")
                .build());
        final CountersManager counters = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024 * 4)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)));
        final DataPlaneSnapshot snapshot = new SnapshotBuilder().build(config, Map.of());
        agent = new LoadBalancerAgent(WorkerContext.builder()
                .worker(0, 0, 0)
                .burst(BURST)
                .ports(new int[] {0}, new int[] {0})
                .snapshots(new AtomicReference<>(snapshot))
                .neighbours(neighbours)
                .conntrack(conntrack)
                .perPort(
                        new GreEncapsulator[] {encapsulator},
                        new ControlResponder[] {new ControlResponder(PORT_MAC, neighbours)})
                .reporting(
                        new WorkerStats(SnapshotBuilder.MAX_SERVICES, SnapshotBuilder.BACKEND_IDS),
                        new WorkerCounters(counters, 0),
                        new WorkerStartup())
                .build());

        arena = Arena.ofShared();
        final TcpFrameBuilder builder =
                new TcpFrameBuilder(ipv6, ipv6 ? TcpFrameBuilder.MIN_FRAME_IPV6 : TcpFrameBuilder.MIN_FRAME_IPV4);
        frameLength = builder.capturedLength();
        frames = arena.allocate((long) SLOT * flows, 64).address();
        final FlowKeys keys = new FlowKeys(FLOW_SEED);
        for (int i = 0; i < flows; i++) {
            final long key = keys.key(i);
            if (ipv6) {
                builder.build(
                        PREFIX_HIGH_V6,
                        FlowKeys.host(key),
                        VIP_V6_LOW,
                        FlowKeys.port(key),
                        VIP_PORT,
                        TcpFrameBuilder.TCP_FLAG_ACK,
                        i,
                        1,
                        0);
            } else {
                builder.build(
                        0,
                        CLIENT_NET_V4 | FlowKeys.host(key),
                        VIP_V4,
                        FlowKeys.port(key),
                        VIP_PORT,
                        TcpFrameBuilder.TCP_FLAG_ACK,
                        i,
                        1,
                        i);
            }
            MemorySegment.copy(MemorySegment.ofArray(builder.frame()), 0, ALL, frames + (long) SLOT * i, frameLength);
        }
        mbufs = new long[BURST];
        array = arena.allocate(POINTER * BURST, 64).address();
        for (int i = 0; i < BURST; i++) {
            final long m = arena.allocate(Mbuf.SIZE + ROOM, 64).address();
            ALL.set(JAVA_LONG, m + Mbuf.BUF_ADDR_OFFSET, m + Mbuf.SIZE);
            ALL.set(JAVA_SHORT, m + Mbuf.BUF_LEN_OFFSET, (short) ROOM);
            ALL.set(JAVA_SHORT, m + Mbuf.NB_SEGS_OFFSET, (short) 1);
            mbufs[i] = m;
            ALL.set(JAVA_LONG, array + POINTER * i, m);
        }

        // Every flow's first packet: a conntrack miss, Maglev's choice inserted.
        final int bursts = (flows + BURST - 1) / BURST;
        for (int b = 0; b < bursts; b++) {
            burst();
        }
        final ConntrackCounters c = conntrack.counters();
        if (c.getAcquire(ConntrackCounters.INSERTS) != flows || conntrack.occupancy() != flows) {
            throw new IllegalStateException(family + ", " + flows + " flows: conntrack holds " + conntrack.occupancy()
                    + " entries after " + c.getAcquire(ConntrackCounters.INSERTS) + " inserts");
        }
        // Then every flow once more, as the benchmark will see them: hits, by the fast path.
        next = 0;
        final long fast = checkForwarded(bursts);
        System.out.printf(
                "BurstPathBenchmark %s, %d flows: %d of %d packets forwarded by the fast path, the rest by the general"
                        + " path (a source the VIP filter cannot rule out)%n",
                family, flows, fast, (long) bursts * BURST);
        next = 0;
    }

    /**
     * Runs {@code bursts} bursts and throws unless each of their packets was forwarded (action 1)
     * on a conntrack hit into a GRE tunnel of the flow's family, at least {@link #FAST_SHARE} of
     * them by a fast path. The tests call it too.
     *
     * @return the packets the fast paths took
     */
    long checkForwarded(final int bursts) {
        final ConntrackCounters c = conntrack.counters();
        final long hits = c.getAcquire(ConntrackCounters.HITS);
        final long misses = c.getAcquire(ConntrackCounters.MISSES);
        final long fast = agent.fastPathPackets();
        final int outerType = family.equals("ipv6") ? ETHER_IPV6 : ETHER_IPV4;
        long packets = 0;
        for (int b = 0; b < bursts; b++) {
            burst();
            for (int i = 0; i < BURST; i++) {
                if (actions[i] != FORWARD) {
                    throw new IllegalStateException(
                            family + ": packet " + i + " of a burst got action " + actions[i] + ", not 1 (forward)");
                }
                final long m = mbufs[i];
                final long data = m + Mbuf.SIZE + Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET));
                final int etherType = Short.toUnsignedInt(ALL.get(NETWORK_SHORT, data + ETHER_TYPE));
                final int protocol =
                        ALL.get(JAVA_BYTE, data + IP + (etherType == ETHER_IPV6 ? IPV6_NEXT_HEADER : IPV4_PROTOCOL));
                if (etherType != outerType || protocol != GRE) {
                    throw new IllegalStateException(family + ": packet " + i + " left as EtherType 0x"
                            + Integer.toHexString(etherType) + " protocol " + protocol + ", not GRE over " + family);
                }
            }
            packets += BURST;
        }
        final long gotHits = c.getAcquire(ConntrackCounters.HITS) - hits;
        final long gotMisses = c.getAcquire(ConntrackCounters.MISSES) - misses;
        final long gotFast = agent.fastPathPackets() - fast;
        if (gotHits != packets || gotMisses != 0 || gotFast < FAST_SHARE * packets) {
            throw new IllegalStateException(family + ": of " + packets + " packets, " + gotHits + " conntrack hits, "
                    + gotMisses + " misses, " + gotFast + " by the fast path");
        }
        return gotFast;
    }

    /** Restores the next {@value #BURST} flows' frames into the mbufs, then handles them as one rx burst. */
    @Benchmark
    public int burst() {
        restoreBurst();
        agent.handleReceived(array, BURST, now, actions);
        return actions[BURST - 1];
    }

    /** {@link #burst}'s restore alone, to subtract. */
    @Benchmark
    public long restoreOnly() {
        restoreBurst();
        return ALL.get(JAVA_LONG, mbufs[BURST - 1] + Mbuf.SIZE + Mbuf.HEADROOM);
    }

    /** Each mbuf back as a driver delivers it: one segment at the default headroom, the flow's frame. */
    private void restoreBurst() {
        int flow = next;
        for (int i = 0; i < BURST; i++) {
            final long m = mbufs[i];
            ALL.set(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET, (short) Mbuf.HEADROOM);
            ALL.set(JAVA_SHORT, m + Mbuf.DATA_LEN_OFFSET, (short) frameLength);
            ALL.set(JAVA_INT, m + Mbuf.PKT_LEN_OFFSET, frameLength);
            // Whole words: the slot's bytes past the frame land in the data room, unread.
            final long from = frames + (long) SLOT * flow;
            final long to = m + Mbuf.SIZE + Mbuf.HEADROOM;
            for (int w = 0; w < SLOT; w += 8) {
                ALL.set(JAVA_LONG, to + w, ALL.get(JAVA_LONG, from + w));
            }
            flow = flow + 1 == flows ? 0 : flow + 1;
        }
        next = flow;
    }

    /** The last burst's actions (tests). */
    int[] actions() {
        return actions.clone();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        conntrack.close();
        arena.close();
    }
}
