package io.levitate.perf.packet;

import io.levitate.gre.EncapConfig;
import io.levitate.gre.EncapResult;
import io.levitate.gre.EncapVerdict;
import io.levitate.gre.GreEncapsulator;
import io.levitate.gre.GreTunnel;
import io.levitate.packet.Addresses;
import io.levitate.packet.Checksums;
import io.levitate.packet.Classification;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.Verdict;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-packet work of packet/ and gre/ on the forwarder's hot path: classify a 64-byte TCP
 * frame (60 bytes plus the FCS the NIC strips) and GRE-encapsulate it in place, the way the
 * forwarder addresses memory: one all-of-memory segment, absolute native addresses as offsets,
 * frames in native buffers with 128 bytes of headroom (an mbuf).
 *
 * <p>Encapsulation overwrites the frame's Ethernet header, so every operation first restores the
 * 60-byte frame from a template (what a fresh mbuf from the NIC would hold); {@link #restoreOnly}
 * measures that copy alone, to subtract. 256 frames with different flows rotate so the numbers
 * are not those of one cached line.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -jar perf/target/benchmarks.jar ClassifyEncap -prof gc}.
 * Expect gc.alloc.rate.norm ~0 B/op: nothing on this path allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"
        })
public class ClassifyEncapBenchmark {
    private static final int FRAMES = 256;
    private static final int FRAME_LENGTH = 60;
    /** DPDK's RTE_PKTMBUF_HEADROOM. */
    private static final int HEADROOM = 128;
    /** Room per frame: headroom + frame, rounded to whole cache lines like an mbuf's data room. */
    private static final int SLOT = 256;
    /** The forwarder's view of memory, the very segment the LB worker passes (its accessors' fast path). */
    private static final MemorySegment ALL = io.levitate.packet.NetworkOrder.ALL;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Arena arena;
    private long templates;
    private long buffers;
    private int next;

    private final PacketClassifier classifier = new PacketClassifier();
    private final Classification classification = new Classification();
    private final EncapResult result = new EncapResult();
    private final Classification[] classified = new Classification[FRAMES];
    private GreEncapsulator encapsulator;
    private GreTunnel v4Backend;
    private GreTunnel v6Backend;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        templates = arena.allocate((long) FRAMES * SLOT, 64).address();
        buffers = arena.allocate((long) FRAMES * SLOT, 64).address();
        for (int i = 0; i < FRAMES; i++) {
            writeTcpSyn(templates + (long) i * SLOT + HEADROOM, 0x0A000000 | (i * 7919 & 0xFFFFFF), 1024 + i * 13);
            MemorySegment.copy(ALL, templates + (long) i * SLOT, ALL, buffers + (long) i * SLOT, SLOT);
        }
        EncapConfig config = EncapConfig.builder()
                .portMac(Addresses.mac("02:4c:42:00:00:01"))
                .sourceV4("10.99.0.0", 24)
                .sourceV6("fd00:99::", 64)
                .build();
        encapsulator = new GreEncapsulator(config);
        v4Backend = GreTunnel.ipv4("10.200.0.5", Addresses.mac("02:be:00:00:00:04"));
        v6Backend = GreTunnel.ipv6("fd00:200::5", Addresses.mac("02:be:00:00:00:06"));
        for (int i = 0; i < FRAMES; i++) {
            classified[i] = new Classification();
            classifier.classify(ALL, restore(), FRAME_LENGTH, classified[i]);
        }
        // Fail fast if the path under test is not the one we think.
        long frame = restore();
        if (classifier.classify(ALL, frame, FRAME_LENGTH, classification) != Verdict.VIP_CANDIDATE
                || encapsulator.encapsulate(ALL, frame, FRAME_LENGTH, HEADROOM, classification, v4Backend, 0, result)
                        != EncapVerdict.ENCAPSULATED) {
            throw new IllegalStateException("benchmark frame not encapsulated: " + classification + " " + result);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Copies the next template frame into its buffer; returns the frame's address. */
    private long restore() {
        int i = next;
        next = (i + 1) & (FRAMES - 1);
        long offset = (long) i * SLOT + HEADROOM;
        MemorySegment.copy(ALL, templates + offset, ALL, buffers + offset, FRAME_LENGTH);
        return buffers + offset;
    }

    @Benchmark
    public long restoreOnly() {
        return restore();
    }

    /**
     * The floor to compare {@link #classify} with: the 5-tuple of an untagged IPv4 frame read at
     * fixed offsets, no validation at all (what a parser that trusts its input would cost).
     */
    @Benchmark
    public long bareFiveTuple() {
        long frame = restore();
        if (ALL.get(U16, frame + 12) != 0x0800) {
            return -1;
        }
        long ip = frame + 14;
        int ihl = (ALL.get(ValueLayout.JAVA_BYTE, ip) & 0xF) << 2;
        int protocol = ALL.get(ValueLayout.JAVA_BYTE, ip + 9);
        long src = ALL.get(U32, ip + 12);
        long dst = ALL.get(U32, ip + 16);
        int ports = ALL.get(U32, ip + ihl);
        return (src * 31 + dst) * 31 + ports + protocol;
    }

    @Benchmark
    public Verdict classify() {
        long frame = restore();
        return classifier.classify(ALL, frame, FRAME_LENGTH, classification);
    }

    @Benchmark
    public long classifyAndEncapsulateV4() {
        long frame = restore();
        classifier.classify(ALL, frame, FRAME_LENGTH, classification);
        encapsulator.encapsulate(ALL, frame, FRAME_LENGTH, HEADROOM, classification, v4Backend, 0, result);
        return result.dataOffset;
    }

    @Benchmark
    public long classifyAndEncapsulateV6() {
        long frame = restore();
        classifier.classify(ALL, frame, FRAME_LENGTH, classification);
        encapsulator.encapsulate(ALL, frame, FRAME_LENGTH, HEADROOM, classification, v6Backend, 0, result);
        return result.dataOffset;
    }

    /** The floor for {@link #encapsulateOnlyV4}: 38 bytes of headers written at fixed offsets, no logic. */
    @Benchmark
    public long bareHeaderWrites() {
        long frame = restore();
        long start = frame + 14 - 38;
        ALL.set(U16, start, (short) 0x02be);
        ALL.set(U32, start + 2, 4);
        ALL.set(U16, start + 6, (short) 0x024c);
        ALL.set(U32, start + 8, 0x42000001);
        ALL.set(U16, start + 12, (short) 0x0800);
        ALL.set(U32, start + 14, 0x45000050);
        ALL.set(U32, start + 18, 0x4000);
        ALL.set(U32, start + 22, 0x402f0000);
        ALL.set(U32, start + 26, 0x0a630001);
        ALL.set(U32, start + 30, 0x0ac80005);
        ALL.set(U32, start + 34, 0x0800);
        return start;
    }

    /** Encapsulation alone: each frame's classification was computed at setup. */
    @Benchmark
    public long encapsulateOnlyV4() {
        int i = next;
        long frame = restore();
        encapsulator.encapsulate(ALL, frame, FRAME_LENGTH, HEADROOM, classified[i], v4Backend, 0, result);
        return result.dataOffset;
    }

    /** Ethernet + IPv4 (20) + TCP SYN (20) to 192.0.2.10:80, padded to 60 bytes. */
    private static void writeTcpSyn(long at, int source, int sourcePort) {
        ALL.asSlice(at, FRAME_LENGTH).fill((byte) 0);
        ALL.set(U16, at, (short) 0x024c);
        ALL.set(U32, at + 2, 0x42000001);
        ALL.set(U16, at + 6, (short) 0x0200);
        ALL.set(U32, at + 8, 0x000000fe);
        ALL.set(U16, at + 12, (short) 0x0800);
        long ip = at + 14;
        ALL.set(U16, ip, (short) 0x4500);
        ALL.set(U16, ip + 2, (short) 40);
        ALL.set(U16, ip + 6, (short) 0x4000);
        ALL.set(U16, ip + 8, (short) ((64 << 8) | 6));
        ALL.set(U32, ip + 12, source);
        ALL.set(U32, ip + 16, Addresses.ipv4("192.0.2.10"));
        ALL.set(U16, ip + 10, (short) Checksums.ipv4Header(ALL, ip, 20));
        long tcp = ip + 20;
        ALL.set(U16, tcp, (short) sourcePort);
        ALL.set(U16, tcp + 2, (short) 80);
        ALL.set(U32, tcp + 4, 0x01020304);
        ALL.set(U16, tcp + 12, (short) 0x5002);
        ALL.set(U16, tcp + 14, (short) 65535);
        long pseudo = Checksums.pseudoHeaderV4(source, Addresses.ipv4("192.0.2.10"), 6, 20);
        ALL.set(U16, tcp + 16, (short) Checksums.upperLayer(ALL, tcp, 20, 16, pseudo));
    }
}
