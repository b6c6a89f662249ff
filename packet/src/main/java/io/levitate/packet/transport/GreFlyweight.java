package io.levitate.packet.transport;

import io.levitate.packet.DropReason;
import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.NetworkOrder;
import java.lang.foreign.MemorySegment;

/**
 * GRE header (RFC 2784) with the key and sequence number extensions (RFC 2890).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C| |K|S|    Reserved0    | Ver |         Protocol Type         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Checksum (if C)          |       Reserved1 (if C)        |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Key (if K)                            |  4/8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Sequence Number (if S)                      |  ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Optional fields appear in the order C, K, S, each 4 bytes; version must be 0.
 */
public final class GreFlyweight extends HeaderFlyweight {
    public static final int FLAGS_VERSION_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int OPTIONAL_OFFSET = 4;
    public static final int BASE_LENGTH = 4;
    public static final int OPTION_LENGTH = 4;
    public static final int FLAG_CHECKSUM = 0x8000;
    public static final int FLAG_KEY = 0x2000;
    public static final int FLAG_SEQUENCE = 0x1000;
    public static final int VERSION_MASK = 0x0007;

    @Override
    public GreFlyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    /** Version 0 and every announced optional field present. */
    public DropReason validate() {
        if (length < BASE_LENGTH || (u16(FLAGS_VERSION_OFFSET) & VERSION_MASK) != 0 || headerLength() > length) {
            return DropReason.BAD_GRE;
        }
        return DropReason.NONE;
    }

    /** Header length for the given flags word. */
    public static int headerLength(int flags) {
        int n = BASE_LENGTH;
        if ((flags & FLAG_CHECKSUM) != 0) {
            n += OPTION_LENGTH;
        }
        if ((flags & FLAG_KEY) != 0) {
            n += OPTION_LENGTH;
        }
        if ((flags & FLAG_SEQUENCE) != 0) {
            n += OPTION_LENGTH;
        }
        return n;
    }

    public int flagsAndVersion() {
        return u16(FLAGS_VERSION_OFFSET);
    }

    public int headerLength() {
        return headerLength(u16(FLAGS_VERSION_OFFSET));
    }

    public boolean hasChecksum() {
        return (u16(FLAGS_VERSION_OFFSET) & FLAG_CHECKSUM) != 0;
    }

    public boolean hasKey() {
        return (u16(FLAGS_VERSION_OFFSET) & FLAG_KEY) != 0;
    }

    public boolean hasSequence() {
        return (u16(FLAGS_VERSION_OFFSET) & FLAG_SEQUENCE) != 0;
    }

    public int version() {
        return u16(FLAGS_VERSION_OFFSET) & VERSION_MASK;
    }

    /** EtherType of the payload (0x0800 IPv4, 0x86DD IPv6). */
    public int protocolType() {
        return u16(PROTOCOL_TYPE_OFFSET);
    }

    /** The key (only if {@link #hasKey()}). */
    public int key() {
        return i32(OPTIONAL_OFFSET + (hasChecksum() ? OPTION_LENGTH : 0));
    }

    /** The sequence number (only if {@link #hasSequence()}). */
    public int sequence() {
        int at = OPTIONAL_OFFSET + (hasChecksum() ? OPTION_LENGTH : 0) + (hasKey() ? OPTION_LENGTH : 0);
        return i32(at);
    }

    /**
     * Writes a header with no checksum and no sequence number: 4 bytes, or 8 with a key.
     * Returns the bytes written.
     */
    public int write(int protocolType, boolean withKey, int key) {
        return write(segment, offset, protocolType, withKey, key);
    }

    /** {@link #write(int, boolean, int)} at {@code at} of {@code segment}, without a flyweight. */
    public static int write(MemorySegment segment, long at, int protocolType, boolean withKey, int key) {
        if (withKey) {
            NetworkOrder.putI32(segment, at + FLAGS_VERSION_OFFSET, FLAG_KEY << 16 | (protocolType & 0xFFFF));
            NetworkOrder.putI32(segment, at + OPTIONAL_OFFSET, key);
            return BASE_LENGTH + OPTION_LENGTH;
        }
        NetworkOrder.putI32(segment, at + FLAGS_VERSION_OFFSET, protocolType & 0xFFFF);
        return BASE_LENGTH;
    }
}
