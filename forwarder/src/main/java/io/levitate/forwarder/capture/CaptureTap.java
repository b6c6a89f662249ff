package io.levitate.forwarder.capture;

import io.levitate.dpdk.Mbuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * One worker's end of a running capture: the compiled {@link CaptureFilter} and a single-producer
 * single-consumer ring (Agrona {@link OneToOneRingBuffer} over direct memory) the worker copies
 * matching frames into and the capture thread drains. The worker never waits: a frame that does
 * not fit is counted ({@link #ringFull}) and the worker moves on. Nothing here allocates.
 *
 * <p>Per packet the worker calls {@link #before} on the frame as received (which tests the
 * address/port stage and, for the rx point, claims a record and copies the frame before the paths
 * alter it) and {@link #after} once the packet was handled (which tests the verdict stage,
 * commits or aborts the rx record, and copies the frame as sent (a tunnel packet after
 * encapsulation, or a reply) or as dropped).
 *
 * <p>Record layout: type = point (1 rx, 2 tx, 4 drop); then {@link #HEADER} bytes of metadata
 * (nanoTime, original length, worker, verdict, reason, service, backend, captured length) and the
 * captured bytes. The ring's memory is a direct buffer freed by the GC only once neither the worker
 * nor the capture thread can reach it, so removing a tap mid-burst is safe.
 */
public final class CaptureTap {
    /** {@link #before}: the frame does not match; the packet needs no {@link #after} work. */
    public static final int NO_MATCH = -2;
    /** {@link #before}: the frame matches, but no rx record was claimed (rx not asked for, or the ring was full). */
    public static final int MATCH = -1;

    public static final int TIME = 0;
    public static final int ORIGINAL_LENGTH = 8;
    public static final int WORKER = 12;
    public static final int VERDICT = 16;
    public static final int REASON = 20;
    public static final int SERVICE = 24;
    public static final int BACKEND = 28;
    public static final int CAPTURED_LENGTH = 32;
    public static final int HEADER = 40;

    private static final VarHandle FULL;
    private static final VarHandle COPIED;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            FULL = lookup.findVarHandle(CaptureTap.class, "ringFull", long.class);
            COPIED = lookup.findVarHandle(CaptureTap.class, "copied", long.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int worker;
    private final CaptureFilter filter;
    private final int snaplen;
    private final OneToOneRingBuffer ring;
    private final UnsafeBuffer buffer;
    /** Re-pointed at each frame copied: a view of native memory, never allocated per packet. */
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);

    /** Worker-written (opaque), read by the capture thread: frames that did not fit, frames copied. */
    @SuppressWarnings("unused")
    private long ringFull;

    @SuppressWarnings("unused")
    private long copied;

    /**
     * @param ringBytes the ring's capacity, a power of two (records need {@link #HEADER} + snaplen + 8 bytes each)
     */
    public CaptureTap(final int worker, final CaptureFilter filter, final int snaplen, final int ringBytes) {
        this.worker = worker;
        this.filter = filter;
        this.snaplen = snaplen;
        final ByteBuffer memory = ByteBuffer.allocateDirect(ringBytes + RingBufferDescriptor.TRAILER_LENGTH);
        this.buffer = new UnsafeBuffer(memory);
        this.ring = new OneToOneRingBuffer(buffer);
    }

    /**
     * The capture thread: hands up to {@code limit} committed records to {@code handler} (type: the
     * point; offset: the metadata, then the frame at {@link #HEADER}) and frees their space.
     */
    public int drain(final MessageHandler handler, final int limit) {
        return ring.read(handler, limit);
    }

    public int worker() {
        return worker;
    }

    /** Frames that matched but found the ring full (capture thread: any time). */
    public long ringFull() {
        return (long) FULL.getOpaque(this);
    }

    /** Frames committed to the ring. */
    public long copied() {
        return (long) COPIED.getOpaque(this);
    }

    /**
     * Worker thread, before the packet is handled: tests the frame as received and, when it matches
     * and the rx point is asked for, claims a record and copies the frame into it.
     *
     * @return {@link #NO_MATCH}, {@link #MATCH}, or the claimed record's index (to pass to {@link #after})
     */
    public int before(final long mbuf, final long nowNanos) {
        final long data = Mbuf.dataAddress(mbuf);
        final int length = Mbuf.dataLength(mbuf);
        if (!filter.matchesFrame(data, length)) {
            return NO_MATCH;
        }
        if ((filter.points & CaptureFilter.RX) == 0) {
            return MATCH;
        }
        final int claimed = claim(CaptureFilter.RX, data, length, nowNanos);
        return claimed < 0 ? MATCH : claimed;
    }

    /**
     * Worker thread, after the packet was handled with {@code verdict}: completes or abandons the
     * rx record {@code state} ({@link #before}'s result) and copies the frame as sent (forwarded
     * packets: after encapsulation) or as dropped, when those points are asked for.
     */
    public void after(
            final int state,
            final long mbuf,
            final int verdict,
            final int reason,
            final int service,
            final int backend,
            final long nowNanos) {
        if (state == NO_MATCH) {
            return;
        }
        final int why = verdict == CaptureFilter.VERDICT_DROP ? reason : -1;
        if (state >= 0) {
            if (filter.matchesVerdict(CaptureFilter.RX, verdict, why, service, backend)) {
                complete(state, verdict, why, service, backend);
            } else {
                ring.abort(state);
            }
        }
        final int point = verdict == CaptureFilter.VERDICT_DROP
                ? CaptureFilter.DROP
                : verdict == CaptureFilter.VERDICT_FORWARD || verdict == CaptureFilter.VERDICT_REPLY
                        ? CaptureFilter.TX
                        : 0;
        if (point != 0 && filter.matchesVerdict(point, verdict, why, service, backend)) {
            final int claimed = claim(point, Mbuf.dataAddress(mbuf), Mbuf.dataLength(mbuf), nowNanos);
            if (claimed >= 0) {
                complete(claimed, verdict, why, service, backend);
            }
        }
    }

    private int claim(final int point, final long data, final int length, final long nowNanos) {
        final int captured = Math.min(length, snaplen);
        final int index = ring.tryClaim(point, HEADER + captured);
        if (index <= 0) {
            FULL.setOpaque(this, (long) FULL.getOpaque(this) + 1);
            return -1;
        }
        buffer.putLong(index + TIME, nowNanos);
        buffer.putInt(index + ORIGINAL_LENGTH, length);
        buffer.putInt(index + WORKER, worker);
        buffer.putInt(index + CAPTURED_LENGTH, captured);
        frame.wrap(data, captured);
        buffer.putBytes(index + HEADER, frame, 0, captured);
        return index;
    }

    private void complete(final int index, final int verdict, final int reason, final int service, final int backend) {
        buffer.putInt(index + VERDICT, verdict);
        buffer.putInt(index + REASON, reason);
        buffer.putInt(index + SERVICE, service);
        buffer.putInt(index + BACKEND, backend);
        ring.commit(index);
        COPIED.setOpaque(this, (long) COPIED.getOpaque(this) + 1);
    }
}
