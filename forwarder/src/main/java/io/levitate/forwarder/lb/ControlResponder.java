package io.levitate.forwarder.lb;

import io.levitate.packet.Checksums;
import io.levitate.packet.Classification;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.ethernet.ArpFlyweight;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.transport.IcmpFlyweight;
import io.levitate.packet.transport.Icmpv6Flyweight;

import java.lang.foreign.MemorySegment;

import static io.levitate.packet.NetworkOrder.i64;
import static io.levitate.packet.NetworkOrder.mac;
import static io.levitate.packet.NetworkOrder.putI32;
import static io.levitate.packet.NetworkOrder.putI64;
import static io.levitate.packet.NetworkOrder.putMac;
import static io.levitate.packet.NetworkOrder.putU16;
import static io.levitate.packet.NetworkOrder.putU8;
import static io.levitate.packet.NetworkOrder.u16;
import static io.levitate.packet.NetworkOrder.u8;

/**
 * What a one-armed load balancer must answer on its data port itself: ARP and IPv6 neighbour
 * solicitations for our own addresses (RFC 826, RFC 4861 section 7), ICMP echo to our addresses
 * and to the VIPs (operators ping VIPs), and the requests that resolve the gateways. Replies are
 * built in place in the received frame; requests in an mbuf the caller allocates. One instance
 * per worker; nothing allocates.
 *
 * <p>Every method returns the length of the frame to transmit, or a negative {@link ForwardDrop}
 * id (negated) when the frame is consumed or not ours.
 */
public final class ControlResponder
{
    /** Hop limit ND messages must carry (RFC 4861 section 7.1: receivers drop anything else). */
    static final int ND_HOP_LIMIT = 255;
    static final int ND_NEIGHBOUR_SOLICITATION = 135;
    static final int ND_NEIGHBOUR_ADVERTISEMENT = 136;
    static final int ND_OPTION_SOURCE_LL = 1;
    static final int ND_OPTION_TARGET_LL = 2;
    /** NA flags: Solicited and Override (we are not a router, R stays clear). */
    static final int NA_FLAGS_SOLICITED_OVERRIDE = 0x60000000;
    /** Echo replies leave with a fresh TTL, not the request's remaining one. */
    static final int REPLY_TTL = 64;
    static final int IPV6_HEADER = 40;
    /** ICMPv6 ND body: type, code, checksum, 4 bytes flags/reserved, 16-byte target. */
    static final int ND_BODY = 24;
    static final int ND_OPTION_LL = 8;
    static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

    private final long portMac;
    private final Neighbours neighbours;
    private final ArpFlyweight arp = new ArpFlyweight();
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();

    public ControlResponder(final long portMac, final Neighbours neighbours)
    {
        this.portMac = portMac;
        this.neighbours = neighbours;
    }

    /**
     * An ARP frame: learn the gateway's MAC from anything it says, and answer requests for our
     * IPv4 address in place.
     */
    public int arp(final MemorySegment s, final Classification c, final long nowMs)
    {
        final ArpFlyweight a = arp.wrap(s, c.l3Offset, ArpFlyweight.LENGTH);
        if (neighbours.hasGatewayV4 && a.senderIp() == neighbours.gatewayV4 && a.senderMac() != 0)
        {
            neighbours.confirmV4(a.senderMac(), nowMs);
        }
        if (a.operation() != ArpFlyweight.OPERATION_REQUEST || !neighbours.hasV4 || a.targetIp() != neighbours.ourV4)
        {
            return -ForwardDrop.NEIGHBOUR_CONSUMED.id();
        }
        final long requesterMac = a.senderMac();
        final int requesterIp = a.senderIp();
        a.write(ArpFlyweight.OPERATION_REPLY, portMac, neighbours.ourV4, requesterMac, requesterIp);
        ethernet.wrap(s, c.frameOffset, c.frameLength).destination(requesterMac).source(portMac);
        return c.frameLength;
    }

    /** An ICMPv6 ND frame: learn the gateway; answer solicitations for our IPv6 address. */
    public int neighbourDiscovery(final MemorySegment s, final Classification c, final long room, final long nowMs)
    {
        final long ip = c.l3Offset;
        final long l4 = c.l4Offset;
        if (l4 < 0 || c.l4Length < ND_BODY)
        {
            return -ForwardDrop.NEIGHBOUR_CONSUMED.id();
        }
        final int type = u8(s, l4);
        final long srcHi = i64(s, ip + 8);
        final long srcLo = i64(s, ip + 16);
        learnFromNd(s, c, type, srcHi, srcLo, nowMs);
        if (type != ND_NEIGHBOUR_SOLICITATION || !neighbours.hasV6
            || i64(s, l4 + 8) != neighbours.ourV6Hi || i64(s, l4 + 16) != neighbours.ourV6Lo
            || (srcHi == 0 && srcLo == 0))
        {
            // Not for us, or duplicate address detection from an unspecified source: stay silent.
            return -ForwardDrop.NEIGHBOUR_CONSUMED.id();
        }
        final int frameLength = (int)(ip - c.frameOffset) + IPV6_HEADER + ND_BODY + ND_OPTION_LL;
        if (c.frameOffset + frameLength > room)
        {
            return -ForwardDrop.NEIGHBOUR_CONSUMED.id();
        }
        final long requesterMac = mac(s, c.frameOffset + EthernetFlyweight.SOURCE_OFFSET);
        // IPv6 header: reply to the solicitor from our address, payload = NA + target LL option.
        putI32(s, ip, 0x6000_0000);
        putU16(s, ip + 4, ND_BODY + ND_OPTION_LL);
        putU8(s, ip + 6, IpProtocols.ICMPV6);
        putU8(s, ip + 7, ND_HOP_LIMIT);
        putI64(s, ip + 24, srcHi);
        putI64(s, ip + 32, srcLo);
        putI64(s, ip + 8, neighbours.ourV6Hi);
        putI64(s, ip + 16, neighbours.ourV6Lo);
        putU8(s, l4, ND_NEIGHBOUR_ADVERTISEMENT);
        putU8(s, l4 + 1, 0);
        putU16(s, l4 + 2, 0);
        putI32(s, l4 + 4, NA_FLAGS_SOLICITED_OVERRIDE);
        // Target stays (it is our address); the option becomes "target link-layer address".
        putU8(s, l4 + ND_BODY, ND_OPTION_TARGET_LL);
        putU8(s, l4 + ND_BODY + 1, 1);
        putMac(s, l4 + ND_BODY + 2, portMac);
        putU16(s, l4 + 2, Checksums.upperLayer(s, l4, ND_BODY + ND_OPTION_LL, 2,
            Checksums.pseudoHeaderV6(s, ip + 8, IpProtocols.ICMPV6, ND_BODY + ND_OPTION_LL)));
        ethernet.wrap(s, c.frameOffset, frameLength).destination(requesterMac).source(portMac);
        return frameLength;
    }

    private void learnFromNd(final MemorySegment s, final Classification c, final int type, final long srcHi,
        final long srcLo, final long nowMs)
    {
        if (!neighbours.hasGatewayV6)
        {
            return;
        }
        final long l4 = c.l4Offset;
        if (type == ND_NEIGHBOUR_ADVERTISEMENT && i64(s, l4 + 8) == neighbours.gatewayV6Hi
            && i64(s, l4 + 16) == neighbours.gatewayV6Lo)
        {
            final long mac = llOption(s, l4, c.l4Length, ND_OPTION_TARGET_LL);
            neighbours.confirmV6(mac != 0 ? mac : mac(s, c.frameOffset + EthernetFlyweight.SOURCE_OFFSET), nowMs);
        }
        else if (type == ND_NEIGHBOUR_SOLICITATION && srcHi == neighbours.gatewayV6Hi && srcLo == neighbours.gatewayV6Lo)
        {
            final long mac = llOption(s, l4, c.l4Length, ND_OPTION_SOURCE_LL);
            if (mac != 0)
            {
                neighbours.confirmV6(mac, nowMs);
            }
        }
    }

    /** The MAC of the first link-layer option of this type, or 0; options are length-checked. */
    private static long llOption(final MemorySegment s, final long l4, final int l4Length, final int optionType)
    {
        int at = ND_BODY;
        while (at + 2 <= l4Length)
        {
            final int type = u8(s, l4 + at);
            final int units = u8(s, l4 + at + 1);
            if (units == 0 || at + units * 8 > l4Length)
            {
                return 0;
            }
            if (type == optionType && units == 1)
            {
                return mac(s, l4 + at + 2);
            }
            at += units * 8;
        }
        return 0;
    }

    /**
     * ICMP or ICMPv6 echo request to one of our addresses or to a VIP: turned into the reply in
     * place (addresses and MACs swapped, type changed, checksum updated incrementally).
     */
    public int echo(final MemorySegment s, final Classification c, final VipTable vips)
    {
        if (c.l4Offset < 0)
        {
            return -ForwardDrop.NOT_HANDLED.id();
        }
        final long ip = c.l3Offset;
        final long l4 = c.l4Offset;
        final boolean v4 = c.key.family == 4;
        if (v4 ? c.icmpType != IcmpFlyweight.TYPE_ECHO_REQUEST : c.icmpType != Icmpv6Flyweight.TYPE_ECHO_REQUEST)
        {
            return -ForwardDrop.NOT_HANDLED.id();
        }
        if (!isOursOrVip(c, vips) || c.l4Length < IcmpFlyweight.HEADER_LENGTH)
        {
            return -ForwardDrop.NOT_HANDLED.id();
        }
        if (v4)
        {
            final Ipv4Flyweight h = ipv4.wrap(s, ip, c.ipHeaderLength);
            final int src = h.source();
            h.source(h.destination()).destination(src).ttl(REPLY_TTL).checksum(0);
            h.checksum(Checksums.ipv4Header(s, ip, c.ipHeaderLength));
            final IcmpFlyweight m = icmp.wrap(s, l4, c.l4Length);
            final int oldWord = u16(s, l4);
            m.type(IcmpFlyweight.TYPE_ECHO_REPLY);
            putU16(s, l4 + 2, Checksums.update16(m.checksum(), oldWord, u16(s, l4)));
        }
        else
        {
            // Swapping source and destination leaves the pseudo-header sum unchanged.
            final long srcHi = i64(s, ip + 8);
            final long srcLo = i64(s, ip + 16);
            putI64(s, ip + 8, i64(s, ip + 24));
            putI64(s, ip + 16, i64(s, ip + 32));
            putI64(s, ip + 24, srcHi);
            putI64(s, ip + 32, srcLo);
            putU8(s, ip + 7, REPLY_TTL);
            final int oldWord = u16(s, l4);
            putU8(s, l4, Icmpv6Flyweight.TYPE_ECHO_REPLY);
            putU16(s, l4 + 2, Checksums.update16(u16(s, l4 + 2), oldWord, u16(s, l4)));
        }
        final EthernetFlyweight eth = ethernet.wrap(s, c.frameOffset, c.frameLength);
        final long requester = eth.source();
        eth.destination(requester).source(portMac);
        return c.frameLength;
    }

    private boolean isOursOrVip(final Classification c, final VipTable vips)
    {
        final boolean ours = c.key.family == 4
            ? neighbours.hasV4 && (int)c.key.dstLo == neighbours.ourV4
            : neighbours.hasV6 && c.key.dstHi == neighbours.ourV6Hi && c.key.dstLo == neighbours.ourV6Lo;
        return ours || vips.isVip(c.key.family, c.key.dstHi, c.key.dstLo);
    }

    /** Writes a broadcast ARP request for the IPv4 gateway at {@code frame}; returns its length (60). */
    public int arpRequest(final MemorySegment s, final long frame)
    {
        ethernet.wrap(s, frame, EthernetFlyweight.HEADER_LENGTH).destination(BROADCAST_MAC).source(portMac)
            .outerEtherType(EtherTypes.ARP);
        arp.wrap(s, frame + EthernetFlyweight.HEADER_LENGTH, ArpFlyweight.LENGTH)
            .write(ArpFlyweight.OPERATION_REQUEST, portMac, neighbours.ourV4, 0, neighbours.gatewayV4);
        // Pad to the Ethernet minimum (60 bytes without FCS).
        final int used = EthernetFlyweight.HEADER_LENGTH + ArpFlyweight.LENGTH;
        s.asSlice(frame + used, 60 - used).fill((byte)0);
        return 60;
    }

    /**
     * Writes a neighbour solicitation for the IPv6 gateway (to its solicited-node multicast
     * address, RFC 4291 section 2.7.1) at {@code frame}; returns its length.
     */
    public int neighbourSolicitation(final MemorySegment s, final long frame)
    {
        final long gwLo = neighbours.gatewayV6Lo;
        final int low24 = (int)(gwLo & 0xFF_FFFF);
        // 33:33 + low 32 bits of ff02::1:ffXX:XXXX.
        final long dstMac = 0x3333_0000_0000L | 0xFF00_0000L | low24;
        final long ip = frame + EthernetFlyweight.HEADER_LENGTH;
        final long l4 = ip + IPV6_HEADER;
        ethernet.wrap(s, frame, EthernetFlyweight.HEADER_LENGTH).destination(dstMac).source(portMac)
            .outerEtherType(EtherTypes.IPV6);
        putI32(s, ip, 0x6000_0000);
        putU16(s, ip + 4, ND_BODY + ND_OPTION_LL);
        putU8(s, ip + 6, IpProtocols.ICMPV6);
        putU8(s, ip + 7, ND_HOP_LIMIT);
        putI64(s, ip + 8, neighbours.ourV6Hi);
        putI64(s, ip + 16, neighbours.ourV6Lo);
        putI64(s, ip + 24, 0xFF02_0000_0000_0000L);
        putI64(s, ip + 32, 0x0000_0001_FF00_0000L | low24);
        putU8(s, l4, ND_NEIGHBOUR_SOLICITATION);
        putU8(s, l4 + 1, 0);
        putU16(s, l4 + 2, 0);
        putI32(s, l4 + 4, 0);
        putI64(s, l4 + 8, neighbours.gatewayV6Hi);
        putI64(s, l4 + 16, gwLo);
        putU8(s, l4 + ND_BODY, ND_OPTION_SOURCE_LL);
        putU8(s, l4 + ND_BODY + 1, 1);
        putMac(s, l4 + ND_BODY + 2, portMac);
        putU16(s, l4 + 2, Checksums.upperLayer(s, l4, ND_BODY + ND_OPTION_LL, 2,
            Checksums.pseudoHeaderV6(s, ip + 8, IpProtocols.ICMPV6, ND_BODY + ND_OPTION_LL)));
        return EthernetFlyweight.HEADER_LENGTH + IPV6_HEADER + ND_BODY + ND_OPTION_LL;
    }

}
