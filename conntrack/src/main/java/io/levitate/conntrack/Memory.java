package io.levitate.conntrack;

import org.agrona.UnsafeApi;

/**
 * The table's memory accesses, by absolute address, through Agrona's {@link UnsafeApi} (as
 * Aeron's {@code UnsafeBuffer} does).
 *
 * <p>Why not an all-of-memory {@code MemorySegment}, whose accesses are as unchecked once the
 * JIT has folded them: C2 builds about 650 IR nodes for each FFM access before it folds them,
 * and it stops inlining a compilation at 18 000 nodes ({@code NodeCountInliningCutoff}, fixed in
 * product JVMs). A lookup's dozen accesses alone took 11 000 nodes of the worker's per-packet
 * method, so the small methods after it (encapsulation, the mbuf update) were left as calls. An
 * access here costs about ten nodes and compiles to the same single load or store.
 *
 * <p>Header fields are little-endian on every platform (so tag k is lane k of a word); records
 * are native order.
 */
final class Memory {
    private Memory() {}

    static byte getByte(final long address) {
        return UnsafeApi.getByte(address);
    }

    static int getInt(final long address) {
        return UnsafeApi.getInt(address);
    }

    static long getLong(final long address) {
        return UnsafeApi.getLong(address);
    }

    static long getLongLE(final long address) {
        return UnsafeApi.getLongUnaligned(null, address, false);
    }

    static short getShortLE(final long address) {
        return UnsafeApi.getShortUnaligned(null, address, false);
    }

    static void putByte(final long address, final byte value) {
        UnsafeApi.putByte(address, value);
    }

    static void putInt(final long address, final int value) {
        UnsafeApi.putInt(address, value);
    }

    static void putLong(final long address, final long value) {
        UnsafeApi.putLong(address, value);
    }

    static void putShortLE(final long address, final short value) {
        UnsafeApi.putShortUnaligned(null, address, value, false);
    }
}
