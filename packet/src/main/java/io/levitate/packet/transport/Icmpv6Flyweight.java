package io.levitate.packet.transport;

import io.levitate.packet.Checksums;
import io.levitate.packet.DropReason;
import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.IpProtocols;
import java.lang.foreign.MemorySegment;

/**
 * ICMPv6 (RFC 4443; neighbour discovery types from RFC 4861).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  message body: MTU (packet too big), pointer, id + seq, ...   |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  errors: as much of the offending packet as fits in 1280      |  8
 * </pre>
 * The checksum covers the IPv6 pseudo-header (RFC 8200 section 8.1) with next header 58.
 */
public final class Icmpv6Flyweight extends HeaderFlyweight {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    /** MTU field of a packet-too-big message (32 bits). */
    public static final int MTU_OFFSET = 4;

    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_DESTINATION_UNREACHABLE = 1;
    public static final int TYPE_PACKET_TOO_BIG = 2;
    public static final int TYPE_TIME_EXCEEDED = 3;
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    public static final int TYPE_ROUTER_SOLICITATION = 133;
    public static final int TYPE_REDIRECT = 137;

    @Override
    public Icmpv6Flyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    public DropReason validate() {
        return length < HEADER_LENGTH ? DropReason.TRUNCATED_ICMP : DropReason.NONE;
    }

    /** Error messages are types 0-127 (RFC 4443 section 2.1); 1-4 are the defined ones. */
    public static boolean isError(int type) {
        return type >= TYPE_DESTINATION_UNREACHABLE && type <= TYPE_PARAMETER_PROBLEM;
    }

    /** Router/neighbour solicitation/advertisement and redirect (RFC 4861 section 4). */
    public static boolean isNeighbourDiscovery(int type) {
        return type >= TYPE_ROUTER_SOLICITATION && type <= TYPE_REDIRECT;
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

    public long mtu() {
        return i32(MTU_OFFSET) & 0xFFFF_FFFFL;
    }

    public Icmpv6Flyweight type(int type) {
        putU8(TYPE_OFFSET, type);
        return this;
    }

    public Icmpv6Flyweight code(int code) {
        putU8(CODE_OFFSET, code);
        return this;
    }

    public Icmpv6Flyweight body(int word) {
        putI32(MTU_OFFSET, word);
        return this;
    }

    /**
     * Checksum over the message ({@link #length()} bytes) and the pseudo-header made from the
     * 32 address bytes at {@code addressesOffset} (the enclosing IPv6 header's source+destination).
     */
    public Icmpv6Flyweight updateChecksum(long addressesOffset) {
        long pseudo = Checksums.pseudoHeaderV6(segment, addressesOffset, IpProtocols.ICMPV6, length);
        putU16(CHECKSUM_OFFSET, Checksums.upperLayer(segment, offset, length, CHECKSUM_OFFSET, pseudo));
        return this;
    }
}
