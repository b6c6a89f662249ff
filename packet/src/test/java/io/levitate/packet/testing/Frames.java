package io.levitate.packet.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Places test frames in memory the way the forwarder sees them: inside a larger native segment,
 * at a non-zero offset, followed by garbage. Code that reads past {@code length} or assumes
 * offset 0 then gets wrong answers (or assertion failures) instead of passing by luck.
 */
public final class Frames {
    /** Headroom before the frame, as in a DPDK mbuf (RTE_PKTMBUF_HEADROOM). */
    public static final int HEADROOM = 128;

    public static final int TAIL_GARBAGE = 64;

    private Frames() {}

    /** A native segment holding {@code frame} at {@link #HEADROOM}; the rest is 0xAB. */
    public static MemorySegment place(Arena arena, byte[] frame) {
        MemorySegment s = arena.allocate(HEADROOM + frame.length + TAIL_GARBAGE, 64);
        s.fill((byte) 0xAB);
        MemorySegment.copy(frame, 0, s, ValueLayout.JAVA_BYTE, HEADROOM, frame.length);
        return s;
    }

    public static byte[] bytes(MemorySegment s, long offset, int length) {
        byte[] out = new byte[length];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, offset, out, 0, length);
        return out;
    }
}
