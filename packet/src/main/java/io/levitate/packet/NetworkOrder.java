package io.levitate.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.agrona.UnsafeApi;

/**
 * Network-order (big-endian) accessors over a {@link MemorySegment}, the one place the value
 * layouts live.
 *
 * <p>Headers sit at any byte alignment (an Ethernet header is 14 bytes, so the IPv4 header that
 * follows is only 2-byte aligned), hence the {@code *_UNALIGNED} layouts. Every accessor takes an
 * absolute {@code long} offset because the forwarder wraps one all-of-memory segment and passes
 * native addresses as offsets.
 */
public final class NetworkOrder {
    /** One byte; read as unsigned by the helpers below. */
    public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    /** 16 bits, big-endian, any alignment. */
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** 32 bits, big-endian, any alignment. */
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** 64 bits, big-endian, any alignment (IPv6 address halves). */
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /**
     * All of memory, addressed absolutely: what the forwarder passes as the segment of every frame
     * (a frame's offset is then its native address). The helpers below test for this very instance
     * and then access the address directly, unchecked (callers check every length against the
     * frame's before they read); any other segment (tests, tools) takes the ordinary FFM path with
     * all its checks. Creating it needs native access enabled, as the project's JVM flags do.
     */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    // For ALL the helpers read and write through Agrona's UnsafeApi (as Aeron's UnsafeBuffer
    // does): as unchecked as ALL itself and the same instruction once compiled, but about ten C2
    // IR nodes per access where an FFM access takes about 650 before folding, and C2 stops
    // inlining a method at 18 000 nodes (NodeCountInliningCutoff, fixed in product JVMs): with FFM
    // the worker's per-packet method ran out of budget and left its small helpers as calls.

    private NetworkOrder() {}

    public static int u8(MemorySegment s, long offset) {
        return (s == ALL ? UnsafeApi.getByte(offset) : s.get(U8, offset)) & 0xFF;
    }

    public static int u16(MemorySegment s, long offset) {
        return (s == ALL ? UnsafeApi.getShortUnaligned(null, offset, true) : s.get(U16, offset)) & 0xFFFF;
    }

    /** The 32 bits as a Java int (sign carries the top bit; mask with 0xFFFFFFFFL if needed). */
    public static int i32(MemorySegment s, long offset) {
        return s == ALL ? UnsafeApi.getIntUnaligned(null, offset, true) : s.get(U32, offset);
    }

    public static long u32(MemorySegment s, long offset) {
        return (s == ALL ? UnsafeApi.getIntUnaligned(null, offset, true) : s.get(U32, offset)) & 0xFFFF_FFFFL;
    }

    public static long i64(MemorySegment s, long offset) {
        return s == ALL ? UnsafeApi.getLongUnaligned(null, offset, true) : s.get(U64, offset);
    }

    /** A 48-bit MAC address in the low bits of a long, first octet most significant. */
    public static long mac(MemorySegment s, long offset) {
        return ((long) u16(s, offset) << 32) | u32(s, offset + 2);
    }

    public static void putU8(MemorySegment s, long offset, int value) {
        if (s == ALL) {
            UnsafeApi.putByte(offset, (byte) value);
        } else {
            s.set(U8, offset, (byte) value);
        }
    }

    public static void putU16(MemorySegment s, long offset, int value) {
        if (s == ALL) {
            UnsafeApi.putShortUnaligned(null, offset, (short) value, true);
        } else {
            s.set(U16, offset, (short) value);
        }
    }

    public static void putI32(MemorySegment s, long offset, int value) {
        if (s == ALL) {
            UnsafeApi.putIntUnaligned(null, offset, value, true);
        } else {
            s.set(U32, offset, value);
        }
    }

    public static void putI64(MemorySegment s, long offset, long value) {
        if (s == ALL) {
            UnsafeApi.putLongUnaligned(null, offset, value, true);
        } else {
            s.set(U64, offset, value);
        }
    }

    public static void putMac(MemorySegment s, long offset, long mac) {
        putU16(s, offset, (int) (mac >>> 32));
        putI32(s, offset + 2, (int) mac);
    }
}
