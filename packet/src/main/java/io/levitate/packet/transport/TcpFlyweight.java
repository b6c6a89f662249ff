package io.levitate.packet.transport;

import io.levitate.packet.DropReason;
import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.NetworkOrder;
import java.lang.foreign.MemorySegment;

/**
 * TCP header (RFC 9293 section 3.1; flags CWR/ECE from RFC 3168).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Options (data offset > 5) ...                    | 20
 * </pre>
 */
public final class TcpFlyweight extends HeaderFlyweight {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    // ---- static accessors (as Ipv4Flyweight's): a raw address of NetworkOrder.ALL, or a loaded word.

    /** Both ports of the TCP or UDP header at {@code l4} (the same two offsets in both): source high, destination low. */
    public static int ports(MemorySegment segment, long l4) {
        return NetworkOrder.i32(segment, l4 + SOURCE_PORT_OFFSET);
    }

    public static int sourcePort(MemorySegment segment, long l4) {
        return NetworkOrder.u16(segment, l4 + SOURCE_PORT_OFFSET);
    }

    public static int destinationPort(MemorySegment segment, long l4) {
        return NetworkOrder.u16(segment, l4 + DESTINATION_PORT_OFFSET);
    }

    /** The data offset, reserved bits and flags of the header at {@code tcp}, as one 16-bit word. */
    public static int dataOffsetAndFlags(MemorySegment segment, long tcp) {
        return NetworkOrder.u16(segment, tcp + DATA_OFFSET_OFFSET);
    }

    /** Header length in bytes (data offset x 4) from {@link #dataOffsetAndFlags()}'s word. */
    public static int headerLengthOf(int dataOffsetAndFlags) {
        return (dataOffsetAndFlags >>> 10) & 0x3C;
    }

    /** The eight flag bits CWR..FIN from {@link #dataOffsetAndFlags()}'s word. */
    public static int flagsOf(int dataOffsetAndFlags) {
        return dataOffsetAndFlags & 0xFF;
    }

    @Override
    public TcpFlyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    /** {@code length} must be the segment length (IP payload), so the data offset can be checked. */
    public DropReason validate() {
        if (length < MIN_HEADER_LENGTH) {
            return DropReason.TRUNCATED_TCP;
        }
        int header = headerLength();
        if (header < MIN_HEADER_LENGTH || header > length) {
            return DropReason.BAD_TCP_DATA_OFFSET;
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

    public long sequence() {
        return i32(SEQUENCE_OFFSET) & 0xFFFF_FFFFL;
    }

    public long acknowledgment() {
        return i32(ACKNOWLEDGMENT_OFFSET) & 0xFFFF_FFFFL;
    }

    /** Data offset in 32-bit words. */
    public int dataOffset() {
        return u8(DATA_OFFSET_OFFSET) >>> 4;
    }

    /** Header length in bytes, options included. */
    public int headerLength() {
        return (u8(DATA_OFFSET_OFFSET) >>> 4) << 2;
    }

    /** Data offset, reserved bits and flags as one 16-bit word (data offset in the top 4 bits). */
    public int dataOffsetAndFlags() {
        return u16(DATA_OFFSET_OFFSET);
    }

    /** The eight flag bits CWR..FIN. */
    public int flags() {
        return u8(FLAGS_OFFSET);
    }

    public int window() {
        return u16(WINDOW_OFFSET);
    }

    public int checksum() {
        return u16(CHECKSUM_OFFSET);
    }

    public int urgentPointer() {
        return u16(URGENT_POINTER_OFFSET);
    }

    public TcpFlyweight sourcePort(int port) {
        putU16(SOURCE_PORT_OFFSET, port);
        return this;
    }

    public TcpFlyweight destinationPort(int port) {
        putU16(DESTINATION_PORT_OFFSET, port);
        return this;
    }

    public TcpFlyweight checksum(int checksum) {
        putU16(CHECKSUM_OFFSET, checksum);
        return this;
    }
}
