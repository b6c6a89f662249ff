package io.levitate.packet.ip;

import io.levitate.packet.DropReason;
import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.NetworkOrder;
import java.lang.foreign.MemorySegment;

/**
 * IPv6 fixed header (RFC 8200 section 3). Extension headers are walked by
 * {@link Ipv6ExtensionHeaderFlyweight}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Source Address (128 bits)                   |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Destination Address (128 bits)                | 24
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv6Flyweight extends HeaderFlyweight {
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;
    public static final int VERSION = 6;
    public static final int FLOW_LABEL_MASK = 0xFFFFF;
    /** Where an address's low 64 bits start within it (the flow key holds an address as two halves). */
    public static final int LOW_HALF = 8;

    public static final int SOURCE_LO_OFFSET = SOURCE_OFFSET + LOW_HALF;
    public static final int DESTINATION_LO_OFFSET = DESTINATION_OFFSET + LOW_HALF;
    /** The first word of a header with traffic class 0 and no flow label: version 6 alone. */
    public static final int PLAIN_VERSION_WORD = VERSION << 28;

    // ---- static accessors (as Ipv4Flyweight's): for a caller that reads a header at a raw address
    // of NetworkOrder.ALL (the worker's IPv6 fast path), or that already holds one of its first two
    // 32-bit words. Each is a constant offset or a shift and a mask; the numbers live here once.

    /** The first word (version, traffic class, flow label) of the header at {@code ip}. */
    public static int word0(MemorySegment segment, long ip) {
        return NetworkOrder.i32(segment, ip + VERSION_CLASS_FLOW_OFFSET);
    }

    /** The second word (payload length, next header, hop limit) of the header at {@code ip}. */
    public static int word1(MemorySegment segment, long ip) {
        return NetworkOrder.i32(segment, ip + PAYLOAD_LENGTH_OFFSET);
    }

    /** The next header of the header at {@code ip}. */
    public static int nextHeader(MemorySegment segment, long ip) {
        return NetworkOrder.u8(segment, ip + NEXT_HEADER_OFFSET);
    }

    /** The source address's high 64 bits, of the header at {@code ip}. */
    public static long sourceHi(MemorySegment segment, long ip) {
        return NetworkOrder.i64(segment, ip + SOURCE_OFFSET);
    }

    public static long sourceLo(MemorySegment segment, long ip) {
        return NetworkOrder.i64(segment, ip + SOURCE_LO_OFFSET);
    }

    public static long destinationHi(MemorySegment segment, long ip) {
        return NetworkOrder.i64(segment, ip + DESTINATION_OFFSET);
    }

    public static long destinationLo(MemorySegment segment, long ip) {
        return NetworkOrder.i64(segment, ip + DESTINATION_LO_OFFSET);
    }

    /** From word 0: the version. */
    public static int versionOf(int word0) {
        return word0 >>> 28;
    }

    /** From word 0: the traffic class. */
    public static int trafficClassOf(int word0) {
        return (word0 >>> 20) & 0xFF;
    }

    /** From word 1: the payload length (extension headers included). */
    public static int payloadLengthOf(int word1) {
        return word1 >>> 16;
    }

    /** From word 1: the next header. */
    public static int nextHeaderOf(int word1) {
        return (word1 >>> 8) & 0xFF;
    }

    /** From word 1: the hop limit. */
    public static int hopLimitOf(int word1) {
        return word1 & 0xFF;
    }

    // ---- address classes, on an address's high and low 64 bits as the flow key holds them.

    /** ff00::/8 (RFC 4291 section 2.7): never a source. */
    public static boolean isMulticast(long hi) {
        return (hi >>> 56) == 0xFF;
    }

    /** fe80::/10 (RFC 4291 section 2.5.6). */
    public static boolean isLinkLocal(long hi) {
        return (hi >>> 54) == 0x3FA;
    }

    /** The unspecified address {@code ::} or loopback {@code ::1} (RFC 4291 section 2.5.2, 2.5.3). */
    public static boolean isUnspecifiedOrLoopback(long hi, long lo) {
        return hi == 0 && (lo == 0 || lo == 1);
    }

    /** ::ffff:0:0/96, IPv4-mapped (RFC 4291 section 2.5.5.2): never on the wire. */
    public static boolean isIpv4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xFFFF;
    }

    @Override
    public Ipv6Flyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    /** Checks version and payload length; jumbograms (payload length 0) are refused. */
    public DropReason validate() {
        if (length < HEADER_LENGTH) {
            return DropReason.TRUNCATED_IP;
        }
        if ((u8(VERSION_CLASS_FLOW_OFFSET) >>> 4) != VERSION) {
            return DropReason.BAD_IP_VERSION;
        }
        int payload = u16(PAYLOAD_LENGTH_OFFSET);
        if (payload == 0) {
            // RFC 2675 jumbograms need a hop-by-hop option and > 64 KiB frames: not on our links.
            // A zero-length payload is otherwise only "no next header" padding, also not ours.
            return DropReason.JUMBOGRAM;
        }
        if (HEADER_LENGTH + payload > length) {
            return DropReason.BAD_PAYLOAD_LENGTH;
        }
        return DropReason.NONE;
    }

    public int version() {
        return u8(VERSION_CLASS_FLOW_OFFSET) >>> 4;
    }

    public int trafficClass() {
        return (i32(VERSION_CLASS_FLOW_OFFSET) >>> 20) & 0xFF;
    }

    public int flowLabel() {
        return i32(VERSION_CLASS_FLOW_OFFSET) & FLOW_LABEL_MASK;
    }

    public int payloadLength() {
        return u16(PAYLOAD_LENGTH_OFFSET);
    }

    public int nextHeader() {
        return u8(NEXT_HEADER_OFFSET);
    }

    public int hopLimit() {
        return u8(HOP_LIMIT_OFFSET);
    }

    public long sourceHi() {
        return i64(SOURCE_OFFSET);
    }

    public long sourceLo() {
        return i64(SOURCE_LO_OFFSET);
    }

    public long destinationHi() {
        return i64(DESTINATION_OFFSET);
    }

    public long destinationLo() {
        return i64(DESTINATION_LO_OFFSET);
    }

    // ---- writers ----

    /** Writes version 6, the traffic class and the flow label in one word. */
    public Ipv6Flyweight versionClassFlow(int trafficClass, int flowLabel) {
        putI32(
                VERSION_CLASS_FLOW_OFFSET,
                (VERSION << 28) | ((trafficClass & 0xFF) << 20) | (flowLabel & FLOW_LABEL_MASK));
        return this;
    }

    public Ipv6Flyweight payloadLength(int payloadLength) {
        putU16(PAYLOAD_LENGTH_OFFSET, payloadLength);
        return this;
    }

    public Ipv6Flyweight nextHeader(int nextHeader) {
        putU8(NEXT_HEADER_OFFSET, nextHeader);
        return this;
    }

    public Ipv6Flyweight hopLimit(int hopLimit) {
        putU8(HOP_LIMIT_OFFSET, hopLimit);
        return this;
    }

    public Ipv6Flyweight source(long hi, long lo) {
        putI64(SOURCE_OFFSET, hi);
        putI64(SOURCE_OFFSET + 8, lo);
        return this;
    }

    public Ipv6Flyweight destination(long hi, long lo) {
        putI64(DESTINATION_OFFSET, hi);
        putI64(DESTINATION_OFFSET + 8, lo);
        return this;
    }
}
