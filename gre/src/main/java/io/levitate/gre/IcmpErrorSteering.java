package io.levitate.gre;

import io.levitate.packet.Classification;
import io.levitate.packet.DropReason;
import io.levitate.packet.FlowKey;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.NetworkOrder;
import io.levitate.packet.Verdict;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6ExtensionHeaderFlyweight;
import io.levitate.packet.ip.Ipv6Flyweight;
import io.levitate.packet.transport.IcmpFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * Finds which flow an ICMP/ICMPv6 error is about, so it can be sent to the backend that owns the
 * flow (as Katran and GLB do). With DSR, the backend sent the offending packet (VIP to client);
 * a router on the way answers, e.g. "packet too big", to the VIP, and the LB receives it. Only
 * that backend can act on it (lower its MSS/PMTU for the connection).
 *
 * <p>The error quotes the offending packet's IP header and at least 8 bytes beyond it (RFC 792;
 * RFC 4443 quotes more). That packet went VIP:port to client:port, so its key reversed is the
 * client-to-VIP key the LB's tables hold. Fragments give the 3-tuple, like the classifier.
 *
 * <p>One instance per worker; allocation-free; bad quotes give {@link DropReason#BAD_ICMP_INNER}.
 */
public final class IcmpErrorSteering {
    /** Extension headers walked inside a quote; a quote is short, so the classifier's bound is plenty. */
    private static final int MAX_EXTENSION_HEADERS = 8;
    /** Ports are the first 4 bytes of TCP and UDP headers. */
    private static final int PORTS_LENGTH = 4;

    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final Ipv6ExtensionHeaderFlyweight extension = new Ipv6ExtensionHeaderFlyweight();

    /**
     * Fills {@code out} with the steering key of the error classified in {@code c}.
     *
     * @return {@link DropReason#NONE}, or why the quote is unusable
     */
    public DropReason steer(MemorySegment segment, Classification c, FlowKey out) {
        out.clear();
        if (c.verdictId() != Verdict.ICMP_ERROR.id() || c.l4Length < IcmpFlyweight.HEADER_LENGTH) {
            return DropReason.BAD_ICMP_INNER;
        }
        long quote = c.l4Offset + IcmpFlyweight.HEADER_LENGTH;
        int quoteLength = c.l4Length - IcmpFlyweight.HEADER_LENGTH;
        DropReason r = c.key.family == FlowKey.FAMILY_IPV4
                ? quotedIpv4(segment, quote, quoteLength, out)
                : quotedIpv6(segment, quote, quoteLength, out);
        if (r != DropReason.NONE) {
            out.clear();
            return r;
        }
        out.reverse();
        return DropReason.NONE;
    }

    private DropReason quotedIpv4(MemorySegment segment, long quote, int quoteLength, FlowKey out) {
        Ipv4Flyweight ip = ipv4.wrap(segment, quote, quoteLength);
        if (quoteLength < Ipv4Flyweight.MIN_HEADER_LENGTH || ip.version() != Ipv4Flyweight.VERSION) {
            return DropReason.BAD_ICMP_INNER;
        }
        int headerLength = ip.headerLength();
        if (headerLength < Ipv4Flyweight.MIN_HEADER_LENGTH || headerLength > quoteLength) {
            return DropReason.BAD_ICMP_INNER;
        }
        out.family = FlowKey.FAMILY_IPV4;
        out.protocol = ip.protocol();
        out.srcLo = ip.source() & 0xFFFF_FFFFL;
        out.dstLo = ip.destination() & 0xFFFF_FFFFL;
        if (ip.isFragment()) {
            out.fragment = true;
            return DropReason.NONE;
        }
        return ports(segment, quote + headerLength, quoteLength - headerLength, out);
    }

    private DropReason quotedIpv6(MemorySegment segment, long quote, int quoteLength, FlowKey out) {
        Ipv6Flyweight ip = ipv6.wrap(segment, quote, quoteLength);
        if (quoteLength < Ipv6Flyweight.HEADER_LENGTH || ip.version() != Ipv6Flyweight.VERSION) {
            return DropReason.BAD_ICMP_INNER;
        }
        out.family = FlowKey.FAMILY_IPV6;
        out.srcHi = ip.sourceHi();
        out.srcLo = ip.sourceLo();
        out.dstHi = ip.destinationHi();
        out.dstLo = ip.destinationLo();
        int position = Ipv6Flyweight.HEADER_LENGTH;
        int nextHeader = ip.nextHeader();
        for (int n = 0; Ipv6ExtensionHeaderFlyweight.isExtension(nextHeader); n++) {
            Ipv6ExtensionHeaderFlyweight ext = extension.wrap(segment, quote + position, quoteLength - position);
            if (n == MAX_EXTENSION_HEADERS || !ext.fitsMinimum()) {
                return DropReason.BAD_ICMP_INNER;
            }
            int headerLength = ext.headerLength(nextHeader);
            if (nextHeader == IpProtocols.IPV6_FRAGMENT) {
                out.protocol = ext.nextHeader();
                out.fragment = true;
                return DropReason.NONE;
            }
            nextHeader = ext.nextHeader();
            position += headerLength;
            if (position > quoteLength) {
                return DropReason.BAD_ICMP_INNER;
            }
        }
        out.protocol = nextHeader;
        return ports(segment, quote + position, quoteLength - position, out);
    }

    /** TCP/UDP: the ports must be in the quote. Other protocols steer on addresses alone. */
    private static DropReason ports(MemorySegment segment, long l4, int available, FlowKey out) {
        if (out.protocol != IpProtocols.TCP && out.protocol != IpProtocols.UDP) {
            return DropReason.NONE;
        }
        if (available < PORTS_LENGTH) {
            return DropReason.BAD_ICMP_INNER;
        }
        out.srcPort = NetworkOrder.u16(segment, l4);
        out.dstPort = NetworkOrder.u16(segment, l4 + 2);
        return DropReason.NONE;
    }
}
