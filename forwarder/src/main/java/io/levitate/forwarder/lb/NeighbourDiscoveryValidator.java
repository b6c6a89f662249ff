package io.levitate.forwarder.lb;

import static io.levitate.packet.NetworkOrder.i32;
import static io.levitate.packet.NetworkOrder.i64;
import static io.levitate.packet.NetworkOrder.mac;
import static io.levitate.packet.NetworkOrder.u8;

import io.levitate.packet.Checksums;
import io.levitate.packet.Classification;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.ip.Ipv6Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * The validity checks RFC 4861 makes a node apply to every neighbour-discovery message before it
 * looks at anything else in it (section 6.1.1 router solicitation, 6.1.2 router advertisement,
 * 7.1.1 neighbour solicitation, 7.1.2 neighbour advertisement, 8.1 redirect): a message that
 * fails one is "silently discarded", so it neither teaches us a MAC nor gets an answer nor reaches
 * the kernel. The hop limit of 255 is what makes ND safe from off-link senders (a router would
 * have decremented it), and the checksum is the only integrity check an NA has.
 *
 * <p>While walking the options it keeps the message's link-layer address option (the source's
 * for solicitations and advertisements by routers, the target's for neighbour advertisements and
 * redirects), so the responder need not walk them again. One instance per responder; nothing
 * allocates.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|S|O|  flags / reserved / hop limit + flags + lifetime (RA)   |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  NS, NA, redirect: target address (16); RA: timers (8)        |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  redirect: destination address (16)                          | 24
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  options: type (8), length in 8-byte units (8), value ...     |
 * </pre>
 */
public final class NeighbourDiscoveryValidator {
    static final int ROUTER_SOLICITATION = 133;
    static final int ROUTER_ADVERTISEMENT = 134;
    static final int NEIGHBOUR_SOLICITATION = 135;
    static final int NEIGHBOUR_ADVERTISEMENT = 136;
    static final int REDIRECT = 137;
    /** Hop limit every ND message carries: sent with 255, it arrives with 255 only from on-link (RFC 4861 section 3.1). */
    static final int HOP_LIMIT = 255;

    static final int OPTION_SOURCE_LL = 1;
    static final int OPTION_TARGET_LL = 2;
    /** Option length unit (RFC 4861 section 4.6). */
    static final int OPTION_UNIT = 8;
    /** A link-layer address option on Ethernet is one unit: type, length, 6-byte MAC (RFC 2464 section 8). */
    static final int LL_OPTION_UNITS = 1;

    static final int OFFSET_CODE = 1;
    static final int OFFSET_FLAGS = 4;
    static final int OFFSET_TARGET = 8;
    static final int OFFSET_REDIRECT_DESTINATION = 24;
    /** Within an option: its length in units, and (link-layer address options) the MAC. */
    static final int OPTION_LENGTH_OFFSET = 1;

    static final int OPTION_LL_ADDRESS_OFFSET = 2;
    /** NA Solicited flag, in the word at offset 4 (RFC 4861 section 4.4). */
    static final int NA_SOLICITED = 0x4000_0000;
    /** Fixed parts, where the options start (sections 4.1 to 4.5): the "ICMP length is 8 or more" rules. */
    static final int RS_LENGTH = 8;

    static final int RA_LENGTH = 16;
    static final int NS_LENGTH = 24;
    static final int NA_LENGTH = 24;
    static final int REDIRECT_LENGTH = 40;
    /** ff02::1:ff00:0/104, the solicited-node multicast prefix (RFC 4291 section 2.7.1). */
    static final long SOLICITED_NODE_HI = 0xFF02_0000_0000_0000L;

    static final long SOLICITED_NODE_LO_MASK = 0xFFFF_FFFF_FF00_0000L;
    static final long SOLICITED_NODE_LO = 0x0000_0001_FF00_0000L;

    /** The message's relevant link-layer address option after a successful {@link #validate}, or 0 when absent. */
    long linkLayerAddress;

    /**
     * Checks the ND message {@code c} describes (its ICMPv6 type is one of 133..137).
     *
     * @return 0 when valid, else the {@link ForwardDrop} id of the first check it fails
     */
    int validate(final MemorySegment s, final Classification c) {
        linkLayerAddress = 0;
        final long ip = c.l3Offset;
        final long l4 = c.l4Offset;
        final int length = c.l4Length;
        if (l4 < 0) {
            return ForwardDrop.ND_INVALID.id();
        }
        if (c.ttl != HOP_LIMIT) {
            return ForwardDrop.ND_HOP_LIMIT.id();
        }
        final int type = u8(s, l4);
        final int fixed = fixedLength(type);
        if (fixed == 0 || u8(s, l4 + OFFSET_CODE) != 0 || length < fixed) {
            return ForwardDrop.ND_INVALID.id();
        }
        // Sums to 0xFFFF (minus zero) with the pseudo-header when the checksum field is right.
        final long pseudo = Checksums.pseudoHeaderV6(s, ip + Ipv6Flyweight.SOURCE_OFFSET, IpProtocols.ICMPV6, length);
        if (Checksums.fold(Checksums.add(s, l4, length, pseudo)) != 0xFFFF) {
            return ForwardDrop.ND_BAD_CHECKSUM.id();
        }
        final long srcHi = i64(s, ip + Ipv6Flyweight.SOURCE_OFFSET);
        final long srcLo = i64(s, ip + Ipv6Flyweight.SOURCE_LO_OFFSET);
        final boolean unspecifiedSource = srcHi == 0 && srcLo == 0;
        final int header = headerChecks(
                s,
                type,
                l4,
                i64(s, ip + Ipv6Flyweight.DESTINATION_OFFSET),
                i64(s, ip + Ipv6Flyweight.DESTINATION_LO_OFFSET),
                srcHi,
                unspecifiedSource);
        if (header != 0) {
            return header;
        }
        final int wanted = type == NEIGHBOUR_ADVERTISEMENT || type == REDIRECT ? OPTION_TARGET_LL : OPTION_SOURCE_LL;
        final int options = options(s, l4, fixed, length, wanted);
        if (options != 0) {
            return options;
        }
        // Sections 6.1.1 and 7.1.1: a sender without an address has no link-layer address to advertise.
        if (unspecifiedSource
                && linkLayerAddress != 0
                && (type == ROUTER_SOLICITATION || type == NEIGHBOUR_SOLICITATION)) {
            linkLayerAddress = 0;
            return ForwardDrop.ND_INVALID.id();
        }
        return 0;
    }

    /** The fixed length of an ND message of this type, 0 for other types. */
    private static int fixedLength(final int type) {
        switch (type) {
            case ROUTER_SOLICITATION:
                return RS_LENGTH;
            case ROUTER_ADVERTISEMENT:
                return RA_LENGTH;
            case NEIGHBOUR_SOLICITATION:
                return NS_LENGTH;
            case NEIGHBOUR_ADVERTISEMENT:
                return NA_LENGTH;
            case REDIRECT:
                return REDIRECT_LENGTH;
            default:
                return 0;
        }
    }

    /** The checks on addresses and flags, per type. */
    private static int headerChecks(
            final MemorySegment s,
            final int type,
            final long l4,
            final long dstHi,
            final long dstLo,
            final long srcHi,
            final boolean unspecifiedSource) {
        switch (type) {
            case ROUTER_ADVERTISEMENT:
                // Section 6.1.2: routers speak from their link-local address.
                return isLinkLocal(srcHi) ? 0 : ForwardDrop.ND_INVALID.id();
            case NEIGHBOUR_SOLICITATION:
                // Section 7.1.1: the target is never multicast; duplicate address detection (from ::)
                // goes to the target's solicited-node group.
                if (isMulticast(i64(s, l4 + OFFSET_TARGET))) {
                    return ForwardDrop.ND_INVALID.id();
                }
                return !unspecifiedSource
                                || (dstHi == SOLICITED_NODE_HI && (dstLo & SOLICITED_NODE_LO_MASK) == SOLICITED_NODE_LO)
                        ? 0
                        : ForwardDrop.ND_INVALID.id();
            case NEIGHBOUR_ADVERTISEMENT:
                // Section 7.1.2: the target is never multicast; an answer to a solicitation (S set) is
                // unicast to the solicitor, so S with a multicast destination is a forgery or a bug.
                if (isMulticast(i64(s, l4 + OFFSET_TARGET))) {
                    return ForwardDrop.ND_INVALID.id();
                }
                return isMulticast(dstHi) && (i32(s, l4 + OFFSET_FLAGS) & NA_SOLICITED) != 0
                        ? ForwardDrop.ND_INVALID.id()
                        : 0;
            case REDIRECT: {
                // Section 8.1: from a router's link-local address; the destination is never multicast;
                // the better first hop is a link-local router or the destination itself (on-link).
                if (!isLinkLocal(srcHi) || isMulticast(i64(s, l4 + OFFSET_REDIRECT_DESTINATION))) {
                    return ForwardDrop.ND_INVALID.id();
                }
                final long targetHi = i64(s, l4 + OFFSET_TARGET);
                final boolean onLink = targetHi == i64(s, l4 + OFFSET_REDIRECT_DESTINATION)
                        && i64(s, l4 + OFFSET_TARGET + Ipv6Flyweight.LOW_HALF)
                                == i64(s, l4 + OFFSET_REDIRECT_DESTINATION + Ipv6Flyweight.LOW_HALF);
                return isLinkLocal(targetHi) || onLink ? 0 : ForwardDrop.ND_INVALID.id();
            }
            default:
                return 0;
        }
    }

    /**
     * Every option has a length above zero and lies within the message (sections 6.1 to 8.1:
     * "all included options have a length that is greater than zero"; a walk past the end would
     * read another packet's bytes). Link-layer address options are one unit on Ethernet and name
     * a unicast MAC: a group address is never a neighbour's. Unknown options are skipped (section 4.6).
     */
    private int options(final MemorySegment s, final long l4, final int start, final int length, final int wanted) {
        int at = start;
        while (at < length) {
            if (length - at < 2) {
                return ForwardDrop.ND_INVALID.id();
            }
            final int type = u8(s, l4 + at);
            final int units = u8(s, l4 + at + OPTION_LENGTH_OFFSET);
            if (units == 0 || units * OPTION_UNIT > length - at) {
                return ForwardDrop.ND_INVALID.id();
            }
            if (type == OPTION_SOURCE_LL || type == OPTION_TARGET_LL) {
                if (units != LL_OPTION_UNITS) {
                    return ForwardDrop.ND_INVALID.id();
                }
                final long mac = mac(s, l4 + at + OPTION_LL_ADDRESS_OFFSET);
                if (!Neighbours.isUnicast(mac)) {
                    linkLayerAddress = 0;
                    return ForwardDrop.NEIGHBOUR_NOT_UNICAST.id();
                }
                if (type == wanted && linkLayerAddress == 0) {
                    linkLayerAddress = mac;
                }
            }
            at += units * OPTION_UNIT;
        }
        return 0;
    }

    private static boolean isMulticast(final long hi) {
        return Ipv6Flyweight.isMulticast(hi);
    }

    private static boolean isLinkLocal(final long hi) {
        return Ipv6Flyweight.isLinkLocal(hi);
    }
}
