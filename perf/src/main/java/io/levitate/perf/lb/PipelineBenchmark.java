package io.levitate.perf.lb;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

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
import io.levitate.packet.Checksums;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The assembled load-balancing path for one packet (classify, VIP, conntrack hit, encapsulate,
 * counters), as {@code LoadBalancerAgent} runs it, on fake mbufs in ordinary memory (no DPDK): a
 * ring of {@code flows} 64-byte TCP frames, each restored before it is handled again. Compare
 * with the sum of ClassifyEncapBenchmark and ConntrackBenchmark to see what assembling costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"
        })
public class PipelineBenchmark {
    private static final int FRAME = 60;
    private static final int ROOM = 2176;

    @Param({"10000"})
    int flows;

    private Arena arena;
    private long[] mbufs;
    private byte[][] frames;
    private MemorySegment all;
    private LoadBalancerAgent agent;
    private ConntrackTable conntrack;
    private int next;
    private long now;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        final LevitateConfig config = ConfigReader.parse(
                        Files.readString(Path.of("perf/bench/lb.yaml")).replace("capacity: 2097152", "capacity: 65536"),
                        "lb.yaml")
                .config();
        final SnapshotBuilder builder = new SnapshotBuilder();
        final DataPlaneSnapshot snapshot = builder.build(config, Map.of());
        final Neighbours neighbours = new Neighbours(0x0A000102, true, 0, 0, false, 0x0A000101, true, 0, 0, false);
        now = System.nanoTime();
        neighbours.confirmV4(0x0200_0000_0001L, Long.MAX_VALUE / 2);
        conntrack = new ConntrackTable(
                config.conntrack().toConntrackConfig(7).withServices(SnapshotBuilder.MAX_SERVICES, 0));
        final long mac = 0x0270_6361_7001L;
        final GreEncapsulator encap = new GreEncapsulator(
                EncapConfig.builder().portMac(mac).sourceV4("10.0.1.2").build());
        final ControlResponder responder = new ControlResponder(mac, neighbours);
        final CountersManager counters = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024 * 4)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)));
        manualEncap = encap;
        manualSnapshot = snapshot;
        manualConntrack = conntrack;
        agent = new LoadBalancerAgent(WorkerContext.builder()
                .worker(0, 0, 0)
                .burst(32)
                .ports(new int[] {0}, new int[] {0})
                .snapshots(new AtomicReference<>(snapshot))
                .neighbours(neighbours)
                .conntrack(conntrack)
                .perPort(new GreEncapsulator[] {encap}, new ControlResponder[] {responder})
                .reporting(
                        new WorkerStats(SnapshotBuilder.MAX_SERVICES, SnapshotBuilder.MAX_BACKENDS),
                        new WorkerCounters(counters, 0),
                        new WorkerStartup())
                .build());
        arena = Arena.ofShared();
        all = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
        mbufs = new long[flows];
        frames = new byte[flows][];
        for (int i = 0; i < flows; i++) {
            frames[i] = tcp(0x0A000000 | (i + 1), 0xC6120001, 10000 + i % 50000);
            final MemorySegment mbuf = arena.allocate(Mbuf.SIZE + ROOM, 64);
            final long m = mbuf.address();
            all.set(JAVA_LONG, m + Mbuf.BUF_ADDR_OFFSET, m + Mbuf.SIZE);
            all.set(JAVA_SHORT, m + Mbuf.BUF_LEN_OFFSET, (short) ROOM);
            all.set(JAVA_SHORT, m + Mbuf.NB_SEGS_OFFSET, (short) 1);
            mbufs[i] = m;
            restore(i);
            agent.handleOne(m, now); // first packet of each flow: conntrack insert
        }
    }

    private void restore(final int i) {
        final long m = mbufs[i];
        all.set(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET, (short) Mbuf.HEADROOM);
        all.set(JAVA_SHORT, m + Mbuf.DATA_LEN_OFFSET, (short) FRAME);
        all.set(JAVA_INT, m + Mbuf.PKT_LEN_OFFSET, FRAME);
        MemorySegment.copy(MemorySegment.ofArray(frames[i]), 0, all, m + Mbuf.SIZE + Mbuf.HEADROOM, FRAME);
    }

    /** Restore the frame (as an rx would deliver it), then handle it: the conntrack hit path. */
    @Benchmark
    public int restoreAndHandle() {
        final int i = next;
        next = i + 1 == flows ? 0 : i + 1;
        restore(i);
        return agent.handleOne(mbufs[i], now);
    }

    private final io.levitate.packet.PacketClassifier classifier = new io.levitate.packet.PacketClassifier();
    private final io.levitate.packet.Classification c = new io.levitate.packet.Classification();
    private final io.levitate.gre.EncapResult result = new io.levitate.gre.EncapResult();
    private GreEncapsulator manualEncap;
    private DataPlaneSnapshot manualSnapshot;
    private ConntrackTable manualConntrack;

    /** The same parts called directly (no agent): classify, VIP, conntrack, encapsulate. */
    @Benchmark
    public int manualPipeline() {
        final int i = next;
        next = i + 1 == flows ? 0 : i + 1;
        restore(i);
        final long a = mbufs[i] + Mbuf.SIZE + Mbuf.HEADROOM;
        classifier.classify(all, a, FRAME, c);
        final int svc = manualSnapshot.vips.find(c.key);
        final io.levitate.packet.FlowKey k = c.key;
        final int backend = manualConntrack.lookupV4(
                (int) k.srcLo, (int) k.dstLo, k.srcPort, k.dstPort, k.protocol, c.tcpFlags, now / 1_000_000);
        manualEncap.encapsulate(
                all, a, FRAME, Mbuf.HEADROOM, c, manualSnapshot.tunnel(Math.max(0, backend)), now, result);
        return svc + result.dataLength;
    }

    /** The restore alone, to subtract. */
    @Benchmark
    public long restoreOnly() {
        final int i = next;
        next = i + 1 == flows ? 0 : i + 1;
        restore(i);
        return mbufs[i];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        conntrack.close();
        arena.close();
    }

    private static byte[] tcp(final int src, final int dst, final int sport) {
        final ByteBuffer b = ByteBuffer.allocate(FRAME);
        b.put(new byte[] {2, 0x70, 0x63, 0x61, 0x70, 0})
                .put(new byte[] {2, 0, 0, 0, 0, 2})
                .putShort((short) 0x0800);
        b.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) 40)
                .putShort((short) 0)
                .putShort((short) 0x4000)
                .put((byte) 64)
                .put((byte) 6)
                .putShort((short) 0)
                .putInt(src)
                .putInt(dst);
        b.putShort((short) sport)
                .putShort((short) 80)
                .putInt(1)
                .putInt(1)
                .put((byte) 0x50)
                .put((byte) 0x10)
                .putShort((short) 64240)
                .putShort((short) 0)
                .putShort((short) 0);
        final byte[] f = b.array();
        final int sum = Checksums.ipv4Header(MemorySegment.ofArray(f), 14, 20);
        f[24] = (byte) (sum >>> 8);
        f[25] = (byte) sum;
        return f;
    }
}
