package io.levitate.packet.transport;

import io.levitate.packet.Checksums;
import io.levitate.packet.DropReason;
import io.levitate.packet.HeaderFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * ICMP for IPv4 (RFC 792; "fragmentation needed" next-hop MTU from RFC 1191).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  rest of header: echo id + seq | unused + next-hop MTU (3/4)  |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  errors: the offending IP header + at least 64 bits of data   |  8
 * </pre>
 */
public final class IcmpFlyweight extends HeaderFlyweight {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OFFSET = 4;
    /** Next-hop MTU in a type 3 code 4 message (RFC 1191 section 4). */
    public static final int NEXT_HOP_MTU_OFFSET = 6;

    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;
    public static final int TYPE_SOURCE_QUENCH = 4;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;

    @Override
    public IcmpFlyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    public DropReason validate() {
        return length < HEADER_LENGTH ? DropReason.TRUNCATED_ICMP : DropReason.NONE;
    }

    /** Error types quote the packet that caused them, which steering can follow. */
    public static boolean isError(int type) {
        return type == TYPE_DESTINATION_UNREACHABLE
                || type == TYPE_TIME_EXCEEDED
                || type == TYPE_PARAMETER_PROBLEM
                || type == TYPE_SOURCE_QUENCH;
    }

    public int type() {
        return u8(TYPE_OFFSET);
    }

    public int code() {
        return u8(CODE_OFFSET);
    }

    public int checksum() {
        return u16(CHECKSUM_OFFSET);
    }

    public int nextHopMtu() {
        return u16(NEXT_HOP_MTU_OFFSET);
    }

    public IcmpFlyweight type(int type) {
        putU8(TYPE_OFFSET, type);
        return this;
    }

    public IcmpFlyweight code(int code) {
        putU8(CODE_OFFSET, code);
        return this;
    }

    public IcmpFlyweight rest(int word) {
        putI32(REST_OFFSET, word);
        return this;
    }

    /** Checksum over the whole message, which must span {@link #length()} bytes. */
    public IcmpFlyweight updateChecksum() {
        putU16(CHECKSUM_OFFSET, Checksums.icmpV4(segment, offset, length));
        return this;
    }
}
