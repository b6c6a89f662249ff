package io.levitate.dpdk;

import java.lang.foreign.MemorySegment;
import org.agrona.UnsafeApi;

/**
 * One segment spanning the whole address space, read and written with absolute addresses.
 *
 * <p>Packets live in DPDK's memory, not in any Java-allocated segment. Making a segment per mbuf
 * would be allocation-free only while escape analysis removes it; this segment is created once,
 * so the hot path allocates nothing whatever the JIT decides (with escape analysis off, a segment
 * per packet allocated gigabytes in seconds). The two styles measured no different in speed. Bounds are the caller's job: every header read is
 * length-checked against the mbuf's data length before it happens.
 */
public final class NativeMemory {
    /** Every address; offsets into it are native addresses. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory() {}

    // Native-order accesses by absolute address for the per-packet path (mbuf fields, arrays of
    // mbuf pointers), through Agrona's UnsafeApi as Aeron's UnsafeBuffer does. As unchecked as
    // ALL, and the same single load or store once compiled; but C2 builds about 650 IR nodes per
    // FFM access before folding them and stops inlining a method at 18 000 (NodeCountInliningCutoff,
    // fixed in product JVMs), where one of these costs about ten.

    public static byte getByte(final long address) {
        return UnsafeApi.getByte(address);
    }

    public static short getShort(final long address) {
        return UnsafeApi.getShort(address);
    }

    public static int getInt(final long address) {
        return UnsafeApi.getInt(address);
    }

    public static long getLong(final long address) {
        return UnsafeApi.getLong(address);
    }

    public static void putShort(final long address, final short value) {
        UnsafeApi.putShort(address, value);
    }

    public static void putInt(final long address, final int value) {
        UnsafeApi.putInt(address, value);
    }

    public static void putLong(final long address, final long value) {
        UnsafeApi.putLong(address, value);
    }
}
