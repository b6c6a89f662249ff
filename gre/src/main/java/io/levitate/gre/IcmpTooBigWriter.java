package io.levitate.gre;

import io.levitate.packet.Classification;
import io.levitate.packet.FlowKey;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.NetworkOrder;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6Flyweight;
import io.levitate.packet.transport.IcmpFlyweight;
import io.levitate.packet.transport.Icmpv6Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * Rewrites a too-big client packet, in place, into the ICMP error that tells the client to send
 * smaller packets. No copying of the quoted packet: the new IP + ICMP headers go in front of the
 * client's IP header (into the headroom), and the frame is cut where the quote ends.
 *
 * <pre>
 * before:            [Ethernet (+tags)][client IP packet ..................]
 * after:  [Ethernet (+tags)][IP][ICMP][client IP packet, truncated]
 * </pre>
 * The reply keeps the client frame's VLAN tags, goes back to the MAC it came from, and comes from
 * the VIP (the client's PMTUD accepts it from any address; using the VIP keeps it within the flow
 * that firewalls already allow). Quote length: as much as fits in 576 bytes of IPv4 (RFC 1812
 * section 4.3.2.3) or 1280 bytes of IPv6 (RFC 4443 section 2.4(c)), so the client can match it
 * to its connection.
 */
final class IcmpTooBigWriter {
    /** ICMPv4 error datagrams stay within the minimum reassembly size (RFC 1812 4.3.2.3). */
    static final int MAX_ICMPV4_DATAGRAM = 576;
    /** ICMPv6 errors stay within the IPv6 minimum MTU (RFC 4443 2.4(c)). */
    static final int MAX_ICMPV6_PACKET = 1280;
    /** TTL of our own ICMP messages: the Linux default. */
    static final int TTL = 64;

    static final int V4_HEADERS = Ipv4Flyweight.MIN_HEADER_LENGTH + IcmpFlyweight.HEADER_LENGTH;
    static final int V6_HEADERS = Ipv6Flyweight.HEADER_LENGTH + Icmpv6Flyweight.HEADER_LENGTH;

    private final long portMac;
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final Icmpv6Flyweight icmpv6 = new Icmpv6Flyweight();
    private int identification;

    IcmpTooBigWriter(long portMac) {
        this.portMac = portMac;
    }

    private static int headers(Classification c) {
        return c.key.family == FlowKey.FAMILY_IPV4 ? V4_HEADERS : V6_HEADERS;
    }

    boolean fits(Classification c, long dataOffset, int headroom) {
        return c.l3Offset - headers(c) - c.l2Length >= dataOffset - headroom;
    }

    /** Writes the reply; {@code mtu} is what the client should use (path MTU minus tunnel overhead). */
    void write(MemorySegment s, Classification c, int mtu, EncapResult out) {
        int headers = headers(c);
        long l3 = c.l3Offset - headers;
        long start = l3 - c.l2Length;
        // Ethernet header (with its tags) moves down by `headers` bytes; copy handles the overlap.
        MemorySegment.copy(s, c.frameOffset, s, start, c.l2Length);
        long clientMac = NetworkOrder.mac(s, start + EthernetFlyweight.SOURCE_OFFSET);
        NetworkOrder.putMac(s, start + EthernetFlyweight.DESTINATION_OFFSET, clientMac);
        NetworkOrder.putMac(s, start + EthernetFlyweight.SOURCE_OFFSET, portMac);
        int ipLength = c.key.family == FlowKey.FAMILY_IPV4 ? writeV4(s, l3, c, mtu) : writeV6(s, l3, c, mtu);
        out.dataOffset = start;
        out.dataLength = c.l2Length + ipLength;
    }

    private int writeV4(MemorySegment s, long l3, Classification c, int mtu) {
        int quote = Math.min(c.l3Length, MAX_ICMPV4_DATAGRAM - V4_HEADERS);
        int total = V4_HEADERS + quote;
        ipv4.wrap(s, l3, Ipv4Flyweight.MIN_HEADER_LENGTH)
                .writeHeader(
                        0, total, identification++ & 0xFFFF, 0, TTL, IpProtocols.ICMP, c.key.dstV4(), c.key.srcV4());
        icmp.wrap(s, l3 + Ipv4Flyweight.MIN_HEADER_LENGTH, IcmpFlyweight.HEADER_LENGTH + quote)
                .type(IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE)
                .code(IcmpFlyweight.CODE_FRAGMENTATION_NEEDED)
                .rest(mtu & 0xFFFF) // RFC 1191: unused (16 bits) then next-hop MTU (16 bits)
                .updateChecksum();
        return total;
    }

    private int writeV6(MemorySegment s, long l3, Classification c, int mtu) {
        int quote = Math.min(c.l3Length, MAX_ICMPV6_PACKET - V6_HEADERS);
        ipv6.wrap(s, l3, Ipv6Flyweight.HEADER_LENGTH)
                .versionClassFlow(0, 0)
                .payloadLength(Icmpv6Flyweight.HEADER_LENGTH + quote)
                .nextHeader(IpProtocols.ICMPV6)
                .hopLimit(TTL)
                .source(c.key.dstHi, c.key.dstLo)
                .destination(c.key.srcHi, c.key.srcLo);
        icmpv6.wrap(s, l3 + Ipv6Flyweight.HEADER_LENGTH, Icmpv6Flyweight.HEADER_LENGTH + quote)
                .type(Icmpv6Flyweight.TYPE_PACKET_TOO_BIG)
                .code(0)
                .body(mtu)
                .updateChecksum(l3 + Ipv6Flyweight.SOURCE_OFFSET);
        return V6_HEADERS + quote;
    }
}
