package io.levitate.forwarder.capture;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.dpdk.Mbuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

/**
 * The frames a worker's ring had no room for reach the counters file ("worker N: capture ring
 * full"), while a capture runs and summed over captures: a full ring is otherwise visible only in
 * the closing statistics of the capture that lost them.
 */
class CaptureSlotTest {
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Test
    void ringFullFramesReachTheCountersFileAcrossCaptures() {
        final CountersManager manager = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(4 * 1024)));
        final AtomicCounter counter = manager.newCounter("worker 0: capture ring full", 1009);
        final CaptureSlot slot = new CaptureSlot();
        slot.countRingFullIn(counter);
        try (Arena arena = Arena.ofConfined()) {
            final long m = mbuf(arena, PcapngWriterTest.udp(80, 0));
            final CaptureTap first = fill(slot, m);
            slot.publishRingFull(first);
            assertTrue(first.ringFull() > 0, "the small ring filled");
            assertEquals(first.ringFull(), counter.get(), "published while the capture runs");
            feed(first, m, 3);
            slot.publishRingFull(first);
            assertEquals(first.ringFull(), counter.get(), "kept up to date");
            slot.remove();
            slot.retire(first);
            final long afterFirst = counter.get();
            assertEquals(first.ringFull(), afterFirst);

            final CaptureTap second = fill(slot, m);
            slot.publishRingFull(second);
            assertEquals(afterFirst + second.ringFull(), counter.get(), "a later capture adds to the earlier ones");
        }
    }

    /** A tap with a ring of 1 KiB, installed, fed until frames no longer fit. */
    private static CaptureTap fill(final CaptureSlot slot, final long m) {
        final CaptureTap tap =
                new CaptureTap(0, CaptureRequest.parse("", n -> -1, t -> -1).filter(), 256, 1024);
        slot.install(tap);
        feed(tap, m, 40);
        return tap;
    }

    private static void feed(final CaptureTap tap, final long m, final int frames) {
        for (int i = 0; i < frames; i++) {
            tap.after(tap.before(m, i), m, CaptureFilter.VERDICT_FORWARD, -1, 0, 0, i);
        }
    }

    private static long mbuf(final Arena arena, final byte[] frame) {
        final long m = arena.allocate(Mbuf.SIZE + 2176, 64).address();
        ALL.set(JAVA_LONG, m + Mbuf.BUF_ADDR_OFFSET, m + Mbuf.SIZE);
        ALL.set(JAVA_SHORT, m + Mbuf.DATA_OFF_OFFSET, (short) 128);
        ALL.set(JAVA_SHORT, m + Mbuf.DATA_LEN_OFFSET, (short) frame.length);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, ALL, m + Mbuf.SIZE + 128, frame.length);
        return m;
    }
}
