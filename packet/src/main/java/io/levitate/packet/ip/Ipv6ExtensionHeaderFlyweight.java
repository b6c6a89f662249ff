package io.levitate.packet.ip;

import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.IpProtocols;
import java.lang.foreign.MemorySegment;

/**
 * One IPv6 extension header (RFC 8200 section 4): hop-by-hop options (4.3), routing (4.4),
 * fragment (4.5), destination options (4.6); authentication header (RFC 4302) is sized too so a
 * walk can step over it.
 *
 * <pre>
 * Generic (hop-by-hop, routing, destination options):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |  Hdr Ext Len  |  type-specific data ...       |  length = (Hdr Ext Len + 1) x 8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Fragment (fixed 8 bytes):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Identification                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * AH: same first two bytes, length = (Payload Len + 2) x 4.
 * </pre>
 */
public final class Ipv6ExtensionHeaderFlyweight extends HeaderFlyweight {
    public static final int NEXT_HEADER_OFFSET = 0;
    public static final int LENGTH_OFFSET = 1;
    public static final int FRAGMENT_OFFSET_OFFSET = 2;
    public static final int FRAGMENT_IDENTIFICATION_OFFSET = 4;
    /** Every extension header is at least 8 bytes (fragment: exactly 8). */
    public static final int MIN_LENGTH = 8;

    public static final int FRAGMENT_MORE_FLAG = 0x1;
    public static final int FRAGMENT_OFFSET_SHIFT = 3;

    @Override
    public Ipv6ExtensionHeaderFlyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    /** True for the next-header values the walk steps over. */
    public static boolean isExtension(int nextHeader) {
        return nextHeader == IpProtocols.HOP_BY_HOP
                || nextHeader == IpProtocols.IPV6_ROUTING
                || nextHeader == IpProtocols.IPV6_FRAGMENT
                || nextHeader == IpProtocols.IPV6_DESTINATION_OPTIONS
                || nextHeader == IpProtocols.AH;
    }

    /** Whether the first {@link #MIN_LENGTH} bytes are present (caller checks before reading). */
    public boolean fitsMinimum() {
        return length >= MIN_LENGTH;
    }

    public int nextHeader() {
        return u8(NEXT_HEADER_OFFSET);
    }

    /** Length in bytes of this header, given the type it was announced as. */
    public int headerLength(int type) {
        if (type == IpProtocols.IPV6_FRAGMENT) {
            return MIN_LENGTH;
        }
        if (type == IpProtocols.AH) {
            return (u8(LENGTH_OFFSET) + 2) << 2;
        }
        return (u8(LENGTH_OFFSET) + 1) << 3;
    }

    /** Fragment header: offset in 8-byte units. */
    public int fragmentOffset() {
        return u16(FRAGMENT_OFFSET_OFFSET) >>> FRAGMENT_OFFSET_SHIFT;
    }

    /** Fragment header: the M flag. */
    public boolean moreFragments() {
        return (u16(FRAGMENT_OFFSET_OFFSET) & FRAGMENT_MORE_FLAG) != 0;
    }

    public int fragmentIdentification() {
        return i32(FRAGMENT_IDENTIFICATION_OFFSET);
    }
}
