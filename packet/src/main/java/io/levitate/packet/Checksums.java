package io.levitate.packet;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071) and its uses: the IPv4 header checksum (RFC 791), TCP/UDP
 * checksums over the IPv4 (RFC 793/768) and IPv6 (RFC 8200 section 8.1) pseudo-headers, ICMP
 * (RFC 792) and ICMPv6 (RFC 4443, which includes the IPv6 pseudo-header), and the incremental
 * update of RFC 1624.
 *
 * <p>Sums are accumulated in a {@code long} of 32-bit big-endian words: carries pile up in the
 * upper bits and are folded once at the end, which is equivalent to end-around carry at every add
 * (RFC 1071 section 2(B)) and needs no branch per word. A long cannot overflow before 2^32 words,
 * far beyond any packet.
 */
public final class Checksums {
    private Checksums() {}

    /** Adds {@code len} bytes at {@code offset} to a running sum; an odd tail byte is padded with zero. */
    public static long add(MemorySegment s, long offset, int len, long sum) {
        long end4 = offset + (len & ~3);
        long p = offset;
        for (; p < end4; p += 4) {
            sum += NetworkOrder.u32(s, p);
        }
        if ((len & 2) != 0) {
            sum += NetworkOrder.u16(s, p);
            p += 2;
        }
        if ((len & 1) != 0) {
            sum += NetworkOrder.u8(s, p) << 8;
        }
        return sum;
    }

    /** Folds a running sum to 16 bits with end-around carry. */
    public static int fold(long sum) {
        sum = (sum & 0xFFFF_FFFFL) + (sum >>> 32);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) ((sum & 0xFFFF) + (sum >>> 16));
    }

    /** The value to store in a checksum field: the one's complement of the folded sum. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /**
     * The IPv4 header checksum over {@code headerLength} bytes, computed as if the checksum field
     * were zero (its current contents are subtracted out), so it can be called before or after
     * the field is cleared.
     */
    public static int ipv4Header(MemorySegment s, long ipOffset, int headerLength) {
        long sum = add(s, ipOffset, headerLength, 0);
        // The field sits at byte 10; adding its complement cancels it (x + ~x = 0xFFFF = -0).
        sum += ~NetworkOrder.u16(s, ipOffset + 10) & 0xFFFF;
        return finish(sum);
    }

    /** True when the header, checksum field included, sums to 0xFFFF (RFC 1071 verification). */
    public static boolean ipv4HeaderValid(MemorySegment s, long ipOffset, int headerLength) {
        return fold(add(s, ipOffset, headerLength, 0)) == 0xFFFF;
    }

    /** Sum of the IPv4 pseudo-header: source, destination, zero, protocol, upper-layer length. */
    public static long pseudoHeaderV4(int src, int dst, int protocol, int l4Length) {
        return (src & 0xFFFF_FFFFL) + (dst & 0xFFFF_FFFFL) + protocol + l4Length;
    }

    /**
     * Sum of the IPv6 pseudo-header, reading the two addresses from the packet (32 bytes from
     * {@code addressesOffset}: source then destination, as laid out in the IPv6 header).
     */
    public static long pseudoHeaderV6(MemorySegment s, long addressesOffset, int nextHeader, long l4Length) {
        return add(s, addressesOffset, 32, 0) + nextHeader + (l4Length >>> 16) + (l4Length & 0xFFFF);
    }

    /** Sum of the IPv6 pseudo-header from addresses held as longs. */
    public static long pseudoHeaderV6(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, long l4Length) {
        return words(srcHi)
                + words(srcLo)
                + words(dstHi)
                + words(dstLo)
                + nextHeader
                + (l4Length >>> 16)
                + (l4Length & 0xFFFF);
    }

    /**
     * The checksum of an upper-layer message (TCP, UDP, ICMPv6) given its pseudo-header sum, as if
     * the message's own checksum field (at {@code checksumField} bytes into it) were zero.
     */
    public static int upperLayer(MemorySegment s, long l4Offset, int l4Length, int checksumField, long pseudoSum) {
        long sum = add(s, l4Offset, l4Length, pseudoSum);
        sum += ~NetworkOrder.u16(s, l4Offset + checksumField) & 0xFFFF;
        return finish(sum);
    }

    /** ICMPv4 checksum: the message alone, no pseudo-header (RFC 792). Field at byte 2. */
    public static int icmpV4(MemorySegment s, long icmpOffset, int icmpLength) {
        return upperLayer(s, icmpOffset, icmpLength, 2, 0);
    }

    /** UDP sends a computed 0 as 0xFFFF, because 0 means "no checksum" over IPv4 (RFC 768). */
    public static int udpOnWire(int checksum) {
        return checksum == 0 ? 0xFFFF : checksum;
    }

    /**
     * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changes from
     * {@code oldWord} to {@code newWord}: {@code HC' = ~(~HC + ~m + m')}. Unlike eqn. 2 it never
     * produces the 0xFFFF/0x0000 ambiguity of RFC 1141.
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    /** {@link #update16} for a 32-bit field (an IPv4 address: NAT-style rewrites). */
    public static int update32(int checksum, int oldValue, int newValue) {
        long sum = (~checksum & 0xFFFF)
                + (~(oldValue >>> 16) & 0xFFFF)
                + (~oldValue & 0xFFFF)
                + ((newValue >>> 16) & 0xFFFF)
                + (newValue & 0xFFFF);
        return ~fold(sum) & 0xFFFF;
    }

    private static long words(long v) {
        return (v >>> 32) + (v & 0xFFFF_FFFFL);
    }
}
