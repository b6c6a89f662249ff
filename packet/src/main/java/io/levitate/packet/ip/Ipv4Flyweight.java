package io.levitate.packet.ip;

import io.levitate.packet.Checksums;
import io.levitate.packet.DropReason;
import io.levitate.packet.HeaderFlyweight;
import io.levitate.packet.NetworkOrder;
import java.lang.foreign.MemorySegment;

/**
 * IPv4 header (RFC 791), options included, fragment fields per RFC 791 section 3.1.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |  DSCP     |ECN|         Total Length          |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |0|D|M|    Fragment Offset      |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |        Header Checksum        |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Options (IHL > 5), padded to 32 bits               | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  D = don't fragment, M = more fragments; offset counts 8-byte units.
 * </pre>
 */
public final class Ipv4Flyweight extends HeaderFlyweight {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    /** Header without options (IHL = 5). */
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int VERSION = 4;
    public static final int MIN_IHL = 5;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
    /** Largest IPv4 datagram: the 16-bit total length. */
    public static final int MAX_DATAGRAM = 65535;
    /** The first byte of a header without options (version 4, IHL 5): the worker's fast-path shape. */
    public static final int VERSION_IHL_NO_OPTIONS = (VERSION << 4) | MIN_IHL;
    /** The top four bits of a multicast address, 224.0.0.0/4 (RFC 5771). */
    public static final int MULTICAST_NIBBLE = 0xE;
    /** 255.255.255.255, the limited broadcast address (RFC 919), as a Java int. */
    public static final int BROADCAST = -1;
    /** The first octet of "this network", 0.0.0.0/8 (RFC 6890). */
    public static final int THIS_NETWORK_OCTET = 0;
    /** The first octet of loopback, 127.0.0.0/8 (RFC 6890). */
    public static final int LOOPBACK_OCTET = 127;

    // ---- static accessors, in the style of Aeron's flyweights: for a caller that reads a header
    // at a raw address of NetworkOrder.ALL (the worker's fast path), or that already holds one of
    // the header's 32-bit words (the classifier and the fast path load three words, not nine
    // fields). Each is a constant offset or a shift and a mask, so the JIT folds it away; the
    // numbers live here once, under the diagram above.

    /** The version/IHL byte of the header at {@code ip}. */
    public static int versionAndIhl(MemorySegment segment, long ip) {
        return NetworkOrder.u8(segment, ip + VERSION_IHL_OFFSET);
    }

    /** The protocol of the header at {@code ip}. */
    public static int protocol(MemorySegment segment, long ip) {
        return NetworkOrder.u8(segment, ip + PROTOCOL_OFFSET);
    }

    public static int source(MemorySegment segment, long ip) {
        return NetworkOrder.i32(segment, ip + SOURCE_OFFSET);
    }

    public static int destination(MemorySegment segment, long ip) {
        return NetworkOrder.i32(segment, ip + DESTINATION_OFFSET);
    }

    /** Header length in bytes (IHL x 4) from word 0 (version, IHL, TOS, total length). */
    public static int headerLengthOf(int word0) {
        return (word0 >>> 22) & 0x3C;
    }

    public static int versionOf(int word0) {
        return word0 >>> 28;
    }

    public static int tosOf(int word0) {
        return (word0 >>> 16) & 0xFF;
    }

    public static int totalLengthOf(int word0) {
        return word0 & 0xFFFF;
    }

    /** From word 1 (identification, flags, fragment offset): any fragment, first, middle or last. */
    public static boolean isFragment(int word1) {
        return (word1 & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public static boolean dontFragment(int word1) {
        return (word1 & FLAG_DONT_FRAGMENT) != 0;
    }

    /** From word 2 (TTL, protocol, header checksum). */
    public static int ttlOf(int word2) {
        return word2 >>> 24;
    }

    public static int protocolOf(int word2) {
        return (word2 >>> 16) & 0xFF;
    }

    /** Multicast (224.0.0.0/4) or the limited broadcast: never a unicast client's address. */
    public static boolean isMulticastOrBroadcast(int address) {
        return (address >>> 28) == MULTICAST_NIBBLE || address == BROADCAST;
    }

    /** This network (0.0.0.0/8) or loopback (127.0.0.0/8): never a source on the wire (RFC 1812 section 5.3.7). */
    public static boolean isThisNetworkOrLoopback(int address) {
        int first = address >>> 24;
        return first == THIS_NETWORK_OCTET || first == LOOPBACK_OCTET;
    }

    @Override
    public Ipv4Flyweight wrap(MemorySegment segment, long offset, int length) {
        super.wrap(segment, offset, length);
        return this;
    }

    /**
     * Checks version, IHL and total length against the bytes present; {@link DropReason#NONE}
     * means every fixed field and the options may be read and {@link #totalLength()} bytes exist.
     */
    public DropReason validate() {
        if (length < MIN_HEADER_LENGTH) {
            return DropReason.TRUNCATED_IP;
        }
        return validate(word0(), length);
    }

    /**
     * The same checks from an already loaded first word (version/IHL/TOS/total length), for a
     * caller that read it anyway and has checked that {@link #MIN_HEADER_LENGTH} bytes exist.
     */
    public static DropReason validate(int word0, int available) {
        if (versionOf(word0) != VERSION) {
            return DropReason.BAD_IP_VERSION;
        }
        int headerLength = headerLengthOf(word0);
        if (headerLength < MIN_HEADER_LENGTH || headerLength > available) {
            return DropReason.BAD_IHL;
        }
        int total = totalLengthOf(word0);
        if (total < headerLength || total > available) {
            return DropReason.BAD_TOTAL_LENGTH;
        }
        return DropReason.NONE;
    }

    public int version() {
        return u8(VERSION_IHL_OFFSET) >>> 4;
    }

    /** Header length in bytes (IHL x 4), options included. */
    public int headerLength() {
        return (u8(VERSION_IHL_OFFSET) & 0xF) << 2;
    }

    public int tos() {
        return u8(TOS_OFFSET);
    }

    public int totalLength() {
        return u16(TOTAL_LENGTH_OFFSET);
    }

    public int identification() {
        return u16(IDENTIFICATION_OFFSET);
    }

    /** Flags and fragment offset word as on the wire. */
    public int flagsAndFragmentOffset() {
        return u16(FLAGS_FRAGMENT_OFFSET);
    }

    public boolean dontFragment() {
        return (u16(FLAGS_FRAGMENT_OFFSET) & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments() {
        return (u16(FLAGS_FRAGMENT_OFFSET) & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in 8-byte units. */
    public int fragmentOffset() {
        return u16(FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK;
    }

    /** True for any fragment: first (MF set, offset 0), middle or last (offset non-zero). */
    public boolean isFragment() {
        return (u16(FLAGS_FRAGMENT_OFFSET) & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return u8(TTL_OFFSET);
    }

    public int protocol() {
        return u8(PROTOCOL_OFFSET);
    }

    public int checksum() {
        return u16(CHECKSUM_OFFSET);
    }

    public int source() {
        return i32(SOURCE_OFFSET);
    }

    public int destination() {
        return i32(DESTINATION_OFFSET);
    }

    /** Bytes of options: they start at {@link #MIN_HEADER_LENGTH} and run to {@link #headerLength()}. */
    public int optionsLength() {
        return headerLength() - MIN_HEADER_LENGTH;
    }

    /**
     * The first three 32-bit words, for callers that want every fixed field at the cost of three
     * loads (the classifier): version/IHL, TOS, total length.
     */
    public int word0() {
        return i32(VERSION_IHL_OFFSET);
    }

    /** Identification, flags, fragment offset. */
    public int word1() {
        return i32(IDENTIFICATION_OFFSET);
    }

    /** TTL, protocol, header checksum. */
    public int word2() {
        return i32(TTL_OFFSET);
    }

    public boolean checksumValid() {
        return Checksums.ipv4HeaderValid(segment, offset, headerLength());
    }

    // ---- writers (for encapsulation and ICMP replies) ----

    /** Writes version 4 and the IHL for a header of {@code headerLength} bytes. */
    public Ipv4Flyweight versionAndHeaderLength(int headerLength) {
        putU8(VERSION_IHL_OFFSET, (VERSION << 4) | (headerLength >>> 2));
        return this;
    }

    public Ipv4Flyweight tos(int tos) {
        putU8(TOS_OFFSET, tos);
        return this;
    }

    public Ipv4Flyweight totalLength(int totalLength) {
        putU16(TOTAL_LENGTH_OFFSET, totalLength);
        return this;
    }

    public Ipv4Flyweight identification(int id) {
        putU16(IDENTIFICATION_OFFSET, id);
        return this;
    }

    public Ipv4Flyweight flagsAndFragmentOffset(int word) {
        putU16(FLAGS_FRAGMENT_OFFSET, word);
        return this;
    }

    public Ipv4Flyweight ttl(int ttl) {
        putU8(TTL_OFFSET, ttl);
        return this;
    }

    public Ipv4Flyweight protocol(int protocol) {
        putU8(PROTOCOL_OFFSET, protocol);
        return this;
    }

    public Ipv4Flyweight checksum(int checksum) {
        putU16(CHECKSUM_OFFSET, checksum);
        return this;
    }

    public Ipv4Flyweight source(int address) {
        putI32(SOURCE_OFFSET, address);
        return this;
    }

    public Ipv4Flyweight destination(int address) {
        putI32(DESTINATION_OFFSET, address);
        return this;
    }

    /**
     * Writes a complete 20-byte header (no options) in five 32-bit stores, the checksum computed
     * from the words in registers rather than by re-reading memory: the encapsulation hot path.
     */
    public Ipv4Flyweight writeHeader(
            int tos,
            int totalLength,
            int identification,
            int flagsAndFragmentOffset,
            int ttl,
            int protocol,
            int source,
            int destination) {
        writeHeader(
                segment,
                offset,
                tos,
                totalLength,
                identification,
                flagsAndFragmentOffset,
                ttl,
                protocol,
                source,
                destination);
        return this;
    }

    /**
     * {@link #writeHeader(int, int, int, int, int, int, int, int)} at {@code at} of {@code segment},
     * without a flyweight: for a caller that passes {@link NetworkOrder#ALL} as the constant it is.
     */
    public static void writeHeader(
            MemorySegment segment,
            long at,
            int tos,
            int totalLength,
            int identification,
            int flagsAndFragmentOffset,
            int ttl,
            int protocol,
            int source,
            int destination) {
        int w0 = (VERSION << 28) | (MIN_IHL << 24) | ((tos & 0xFF) << 16) | (totalLength & 0xFFFF);
        int w1 = (identification << 16) | (flagsAndFragmentOffset & 0xFFFF);
        int w2 = ((ttl & 0xFF) << 24) | ((protocol & 0xFF) << 16);
        NetworkOrder.putI32(segment, at + VERSION_IHL_OFFSET, w0);
        NetworkOrder.putI32(segment, at + IDENTIFICATION_OFFSET, w1);
        NetworkOrder.putI32(segment, at + TTL_OFFSET, w2 | headerChecksum(w0, w1, w2, source, destination));
        NetworkOrder.putI32(segment, at + SOURCE_OFFSET, source);
        NetworkOrder.putI32(segment, at + DESTINATION_OFFSET, destination);
    }

    /**
     * The checksum of a 20-byte header given as its five 32-bit words (the third with a zero
     * checksum field), as {@link #writeHeader} stores it.
     */
    public static int headerChecksum(int w0, int w1, int w2, int source, int destination) {
        return Checksums.finish((w0 & 0xFFFF_FFFFL)
                + (w1 & 0xFFFF_FFFFL)
                + (w2 & 0xFFFF_FFFFL)
                + (source & 0xFFFF_FFFFL)
                + (destination & 0xFFFF_FFFFL));
    }

    /** Computes and stores the header checksum (call after every other field is written). */
    public Ipv4Flyweight updateChecksum() {
        putU16(CHECKSUM_OFFSET, Checksums.ipv4Header(segment, offset, headerLength()));
        return this;
    }
}
