package io.levitate.forwarder.lb;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.dpdk.Mbuf;
import io.levitate.forwarder.capture.CaptureSlot;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.worker.WorkerStartup;
import io.levitate.gre.GreEncapsulator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

/**
 * A real load-balancing worker without DPDK ports: its mbufs live in ordinary memory (laid out as
 * DPDK's, {@link Mbuf}), tests write frames into them and hand them over as an rx burst would
 * ({@link LoadBalancerAgent#handleReceived}: fast path first) or one at a time through the general
 * path ({@link LoadBalancerAgent#handleOne}), then read back what the worker made of them. Only rx
 * and tx are left out; one port, no exception path.
 */
final class OffPortWorker {
    /** DPDK's default data room (RTE_MBUF_DEFAULT_BUF_SIZE): 128 bytes of headroom and 2048 of data. */
    static final int ROOM = 2176;
    /** RTE_PKTMBUF_HEADROOM: where a received frame starts. */
    static final int HEADROOM = 128;

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    final WorkerStats stats = new WorkerStats(SnapshotBuilder.MAX_SERVICES, SnapshotBuilder.BACKEND_IDS);
    /** Where a test installs a capture tap. */
    final CaptureSlot capture = new CaptureSlot();

    final LoadBalancerAgent agent;
    final ConntrackTable conntrack;
    final long[] mbufs;
    /** Off-heap array of the mbuf pointers, as rx_burst fills one. */
    final long array;

    final int[] actions;

    /**
     * @param worker the worker's index (worker 0 asks for the gateways' MACs in housekeeping, which
     *               needs DPDK: tests that run housekeeping use another)
     * @param burst  mbufs, and the largest burst
     */
    OffPortWorker(
            final Arena arena,
            final int worker,
            final int burst,
            final AtomicReference<DataPlaneSnapshot> published,
            final Neighbours neighbours,
            final ConntrackTable conntrack,
            final GreEncapsulator encapsulator,
            final long portMac) {
        this(arena, worker, burst, published, neighbours, conntrack, encapsulator, portMac, 0, 0);
    }

    /** As above, with a health prefix: sources {@code healthBase ..} + {@code healthSize} are probes. */
    OffPortWorker(
            final Arena arena,
            final int worker,
            final int burst,
            final AtomicReference<DataPlaneSnapshot> published,
            final Neighbours neighbours,
            final ConntrackTable conntrack,
            final GreEncapsulator encapsulator,
            final long portMac,
            final int healthBase,
            final int healthSize) {
        this.conntrack = conntrack;
        final CountersManager counters = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024 * 4)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)));
        agent = new LoadBalancerAgent(WorkerContext.builder()
                .worker(worker, 0, 0)
                .burst(burst)
                .ports(new int[] {0}, new int[] {0})
                .snapshots(published)
                .neighbours(neighbours)
                .conntrack(conntrack)
                .perPort(
                        new GreEncapsulator[] {encapsulator},
                        new ControlResponder[] {new ControlResponder(portMac, neighbours)})
                .reporting(stats, new WorkerCounters(counters, worker), new WorkerStartup())
                .healthPrefix(healthBase, healthSize, true)
                .capture(capture)
                .build());
        mbufs = new long[burst];
        actions = new int[burst];
        array = arena.allocate(8L * burst, 8).address();
        for (int i = 0; i < burst; i++) {
            final long m = arena.allocate(Mbuf.SIZE + ROOM, 64).address();
            ALL.set(JAVA_LONG, m + Mbuf.BUF_ADDR_OFFSET, m + Mbuf.SIZE);
            ALL.set(JAVA_SHORT, m + Mbuf.BUF_LEN_OFFSET, (short) ROOM);
            mbufs[i] = m;
            ALL.set(JAVA_LONG, array + 8L * i, m);
        }
    }

    /** Puts {@code frame} into mbuf {@code i} as a driver would: at the default headroom, one segment. */
    void load(final int i, final byte[] frame) {
        load(i, frame, HEADROOM, 1);
    }

    /** Puts {@code frame} into mbuf {@code i} at {@code headroom}, claiming {@code segments} segments. */
    void load(final int i, final byte[] frame, final int headroom, final int segments) {
        final long m = mbufs[i];
        ALL.set(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET, (short) headroom);
        ALL.set(JAVA_SHORT, m + Mbuf.NB_SEGS_OFFSET, (short) segments);
        ALL.set(JAVA_SHORT, m + Mbuf.DATA_LEN_OFFSET, (short) frame.length);
        ALL.set(JAVA_INT, m + Mbuf.PKT_LEN_OFFSET, frame.length);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, ALL, m + Mbuf.SIZE + headroom, frame.length);
    }

    /** The first {@code count} mbufs as one rx burst; their actions (0 drop, 1 tunnel, 2 reply, 3 kernel). */
    int[] receive(final int count, final long nowNanos) {
        agent.handleReceived(array, count, nowNanos, actions);
        return actions;
    }

    /** {@code frame} as a burst of one; its action. */
    int receive(final byte[] frame, final long nowNanos) {
        load(0, frame);
        return receive(1, nowNanos)[0];
    }

    /** {@code frame} through the general path alone; its action. */
    int general(final byte[] frame, final long nowNanos) {
        load(0, frame);
        return agent.handleOne(mbufs[0], nowNanos);
    }

    /** {@code frame} as the kernel wrote it to a TAP: the health-probe check; 0 drop, 1 tunnel, -1 not a probe. */
    int fromKernel(final byte[] frame, final long nowNanos) {
        load(0, frame);
        return agent.healthProbeOne(mbufs[0], nowNanos);
    }

    /** The frame mbuf {@code i} holds now (a tunnel packet, a reply, or what was received). */
    byte[] frame(final int i) {
        final long m = mbufs[i];
        final int offset = Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET));
        final int length = Short.toUnsignedInt(ALL.get(JAVA_SHORT, m + Mbuf.DATA_LEN_OFFSET));
        final byte[] out = new byte[length];
        MemorySegment.copy(ALL, JAVA_BYTE, m + Mbuf.SIZE + offset, out, 0, length);
        return out;
    }

    /** Mbuf {@code i}'s data offset, data length, packet length and segment count, then its frame. */
    byte[] mbufAndFrame(final int i) {
        final long m = mbufs[i];
        final byte[] frame = frame(i);
        final byte[] out = new byte[frame.length + 10];
        ByteBuffer.wrap(out)
                .putShort(ALL.get(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET))
                .putShort(ALL.get(JAVA_SHORT, m + Mbuf.DATA_LEN_OFFSET))
                .putInt(ALL.get(JAVA_INT, m + Mbuf.PKT_LEN_OFFSET))
                .putShort(ALL.get(JAVA_SHORT, m + Mbuf.NB_SEGS_OFFSET))
                .put(frame);
        return out;
    }

    long drops(final int reasonId) {
        return stats.drops[reasonId];
    }
}
