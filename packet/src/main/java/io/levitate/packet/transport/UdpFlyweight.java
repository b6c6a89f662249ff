package io.levitate.packet.transport;

import io.levitate.packet.DropReason;
import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.NetworkOrder;
import java.lang.foreign.MemorySegment;

/**
 * UDP header (RFC 768).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Length             |           Checksum            |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class UdpFlyweight extends HeaderFlyweight {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int HEADER_LENGTH = 8;

    /** The UDP length field of the header at {@code udp} (a raw address of NetworkOrder.ALL; see Ipv4Flyweight's static accessors). */
    public static int udpLength(MemorySegment segment, long udp) {
        return NetworkOrder.u16(segment, udp + LENGTH_OFFSET);
    }

    @Override
    public UdpFlyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    /** {@code length} must be the IP payload length; the UDP length must fit inside it. */
    public DropReason validate() {
        if (length < HEADER_LENGTH) {
            return DropReason.TRUNCATED_UDP;
        }
        int udpLength = u16(LENGTH_OFFSET);
        if (udpLength < HEADER_LENGTH || udpLength > length) {
            return DropReason.BAD_UDP_LENGTH;
        }
        return DropReason.NONE;
    }

    /** Both ports in one load: source in the high 16 bits, destination in the low 16. */
    public int ports() {
        return i32(SOURCE_PORT_OFFSET);
    }

    public int sourcePort() {
        return u16(SOURCE_PORT_OFFSET);
    }

    public int destinationPort() {
        return u16(DESTINATION_PORT_OFFSET);
    }

    public int udpLength() {
        return u16(LENGTH_OFFSET);
    }

    public int checksum() {
        return u16(CHECKSUM_OFFSET);
    }

    public UdpFlyweight checksum(int checksum) {
        putU16(CHECKSUM_OFFSET, checksum);
        return this;
    }
}
