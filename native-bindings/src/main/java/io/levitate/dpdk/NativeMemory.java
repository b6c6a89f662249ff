package io.levitate.dpdk;

import java.lang.foreign.MemorySegment;

/**
 * One segment spanning the whole address space, read and written with absolute addresses.
 *
 * <p>Packets live in DPDK's memory, not in any Java-allocated segment. Making a segment per mbuf
 * would be allocation-free only while escape analysis removes it; this segment is created once,
 * so the hot path allocates nothing whatever the JIT decides (notes/dpdk-ffm.md measured no speed
 * difference between the two styles). Bounds are the caller's job: every header read is
 * length-checked against the mbuf's data length before it happens.
 */
public final class NativeMemory
{
    /** Every address; offsets into it are native addresses. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory()
    {
    }
}
