package io.levitate.forwarder.lb;

import static io.levitate.packet.NetworkOrder.i64;
import static io.levitate.packet.NetworkOrder.mac;
import static io.levitate.packet.NetworkOrder.putI32;
import static io.levitate.packet.NetworkOrder.putI64;
import static io.levitate.packet.NetworkOrder.putMac;
import static io.levitate.packet.NetworkOrder.putU16;
import static io.levitate.packet.NetworkOrder.putU8;
import static io.levitate.packet.NetworkOrder.u16;
import static io.levitate.packet.NetworkOrder.u8;

import io.levitate.packet.Checksums;
import io.levitate.packet.Classification;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.ethernet.ArpFlyweight;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6Flyweight;
import io.levitate.packet.transport.IcmpFlyweight;
import io.levitate.packet.transport.Icmpv6Flyweight;
import java.lang.foreign.MemorySegment;

/**
 * What a one-armed load balancer must answer on its data port itself: ARP and IPv6 neighbour
 * solicitations for our own addresses (RFC 826, RFC 4861 section 7), ICMP echo to our addresses
 * and to the VIPs (operators ping VIPs), and the requests that resolve the gateways. What it
 * learns from or answers is checked first: ND against RFC 4861's validity rules, link-layer
 * addresses for being unicast, the gateway's against the pinned one under static neighbours; a
 * refusal is a counted drop that never reaches the kernel's exception path. Replies are
 * built in place in the received frame; requests in an mbuf the caller allocates. One instance
 * per worker; nothing allocates.
 *
 * <p>Every method returns the length of the frame to transmit, or a negative {@link ForwardDrop}
 * id (negated) when the frame is consumed or not ours.
 */
public final class ControlResponder {
    // The ND message layout is NeighbourDiscoveryValidator's (under its diagram); the names here
    // are short aliases for the messages this class writes.
    /** Hop limit ND messages must carry (RFC 4861 section 7.1: receivers drop anything else). */
    static final int ND_HOP_LIMIT = NeighbourDiscoveryValidator.HOP_LIMIT;

    static final int ND_NEIGHBOUR_SOLICITATION = NeighbourDiscoveryValidator.NEIGHBOUR_SOLICITATION;
    static final int ND_NEIGHBOUR_ADVERTISEMENT = NeighbourDiscoveryValidator.NEIGHBOUR_ADVERTISEMENT;
    static final int ND_OPTION_SOURCE_LL = NeighbourDiscoveryValidator.OPTION_SOURCE_LL;
    static final int ND_OPTION_TARGET_LL = NeighbourDiscoveryValidator.OPTION_TARGET_LL;
    /** NA flags: Solicited and Override (we are not a router, R stays clear). */
    static final int NA_FLAGS_SOLICITED_OVERRIDE = 0x60000000;
    /** Echo replies leave with a fresh TTL, not the request's remaining one. */
    static final int REPLY_TTL = 64;

    static final int IPV6_HEADER = Ipv6Flyweight.HEADER_LENGTH;
    /** ICMPv6 NS and NA body: type, code, checksum, 4 bytes flags/reserved, 16-byte target. */
    static final int ND_BODY = NeighbourDiscoveryValidator.NA_LENGTH;

    static final int ND_OPTION_LL =
            NeighbourDiscoveryValidator.LL_OPTION_UNITS * NeighbourDiscoveryValidator.OPTION_UNIT;
    /** Where, in an NS or NA, the target address and its low half are. */
    private static final int TARGET = NeighbourDiscoveryValidator.OFFSET_TARGET;

    private static final int TARGET_LO = TARGET + Ipv6Flyweight.LOW_HALF;
    /** Where, in the link-layer address option that follows the body, its length and its MAC are. */
    private static final int OPTION_UNITS_AT = ND_BODY + NeighbourDiscoveryValidator.OPTION_LENGTH_OFFSET;

    private static final int OPTION_MAC_AT = ND_BODY + NeighbourDiscoveryValidator.OPTION_LL_ADDRESS_OFFSET;
    static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

    private final long portMac;
    private final Neighbours neighbours;
    private final ArpFlyweight arp = new ArpFlyweight();
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final NeighbourDiscoveryValidator validator = new NeighbourDiscoveryValidator();

    public ControlResponder(final long portMac, final Neighbours neighbours) {
        this.portMac = portMac;
        this.neighbours = neighbours;
    }

    /**
     * An ARP frame: learn the gateway's MAC from anything it says, and answer requests for our
     * IPv4 address in place. A sender hardware address that is not unicast is refused outright
     * (counted, neither learnt nor answered): RFC 826's sender is one interface, and a reply to a
     * group address would reach every host on the segment. Under pinned neighbours an ARP from the
     * gateway's address naming another MAC is refused as well: it contradicts the configuration.
     */
    public int arp(final MemorySegment s, final Classification c, final long nowMs) {
        final ArpFlyweight a = arp.wrap(s, c.l3Offset, ArpFlyweight.LENGTH);
        final long senderMac = a.senderMac();
        if (!Neighbours.isUnicast(senderMac)) {
            return -ForwardDrop.NEIGHBOUR_NOT_UNICAST.id();
        }
        if (neighbours.hasGatewayV4 && a.senderIp() == neighbours.gatewayV4) {
            if (neighbours.pinned && senderMac != neighbours.pinnedV4) {
                return -ForwardDrop.NEIGHBOUR_STATIC.id();
            }
            neighbours.confirmV4(senderMac, nowMs);
        }
        if (a.operation() != ArpFlyweight.OPERATION_REQUEST || !neighbours.hasV4 || a.targetIp() != neighbours.ourV4) {
            return -ForwardDrop.NEIGHBOUR_CONSUMED.id();
        }
        final int requesterIp = a.senderIp();
        a.write(ArpFlyweight.OPERATION_REPLY, portMac, neighbours.ourV4, senderMac, requesterIp);
        ethernet.wrap(s, c.frameOffset, c.frameLength).destination(senderMac).source(portMac);
        return c.frameLength;
    }

    /**
     * An ICMPv6 ND frame (router and neighbour solicitations and advertisements, redirects): first
     * the validity checks of RFC 4861 (hop limit 255, checksum, code, length, options; see
     * {@link NeighbourDiscoveryValidator}), whose failures are counted drops; then learn the
     * gateway and answer solicitations for our IPv6 address.
     */
    public int neighbourDiscovery(final MemorySegment s, final Classification c, final long room, final long nowMs) {
        final int invalid = validator.validate(s, c);
        if (invalid != 0) {
            return -invalid;
        }
        final long ip = c.l3Offset;
        final long l4 = c.l4Offset;
        final int type = u8(s, l4);
        final long srcHi = i64(s, ip + Ipv6Flyweight.SOURCE_OFFSET);
        final long srcLo = i64(s, ip + Ipv6Flyweight.SOURCE_LO_OFFSET);
        final int refused = learnFromNd(s, c, type, srcHi, srcLo, nowMs);
        if (refused != 0) {
            return -refused;
        }
        if (type != ND_NEIGHBOUR_SOLICITATION
                || !neighbours.hasV6
                || i64(s, l4 + TARGET) != neighbours.ourV6Hi
                || i64(s, l4 + TARGET_LO) != neighbours.ourV6Lo
                || (srcHi == 0 && srcLo == 0)) {
            // Not for us, or duplicate address detection from an unspecified source: stay silent.
            return -ForwardDrop.NEIGHBOUR_CONSUMED.id();
        }
        final long requesterMac = mac(s, c.frameOffset + EthernetFlyweight.SOURCE_OFFSET);
        if (!Neighbours.isUnicast(requesterMac)) {
            // An NA to a group address would answer every host on the segment (RFC 4861 section
            // 7.2.4 answers the solicitor, one interface).
            return -ForwardDrop.NEIGHBOUR_NOT_UNICAST.id();
        }
        final int frameLength = (int) (ip - c.frameOffset) + IPV6_HEADER + ND_BODY + ND_OPTION_LL;
        if (c.frameOffset + frameLength > room) {
            return -ForwardDrop.NEIGHBOUR_CONSUMED.id();
        }
        // IPv6 header: reply to the solicitor from our address, payload = NA + target LL option.
        putI32(s, ip + Ipv6Flyweight.VERSION_CLASS_FLOW_OFFSET, Ipv6Flyweight.PLAIN_VERSION_WORD);
        putU16(s, ip + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET, ND_BODY + ND_OPTION_LL);
        putU8(s, ip + Ipv6Flyweight.NEXT_HEADER_OFFSET, IpProtocols.ICMPV6);
        putU8(s, ip + Ipv6Flyweight.HOP_LIMIT_OFFSET, ND_HOP_LIMIT);
        putI64(s, ip + Ipv6Flyweight.DESTINATION_OFFSET, srcHi);
        putI64(s, ip + Ipv6Flyweight.DESTINATION_LO_OFFSET, srcLo);
        putI64(s, ip + Ipv6Flyweight.SOURCE_OFFSET, neighbours.ourV6Hi);
        putI64(s, ip + Ipv6Flyweight.SOURCE_LO_OFFSET, neighbours.ourV6Lo);
        putU8(s, l4, ND_NEIGHBOUR_ADVERTISEMENT);
        putU8(s, l4 + Icmpv6Flyweight.CODE_OFFSET, 0);
        putU16(s, l4 + Icmpv6Flyweight.CHECKSUM_OFFSET, 0);
        putI32(s, l4 + NeighbourDiscoveryValidator.OFFSET_FLAGS, NA_FLAGS_SOLICITED_OVERRIDE);
        // Target stays (it is our address); the option becomes "target link-layer address".
        putU8(s, l4 + ND_BODY, ND_OPTION_TARGET_LL);
        putU8(s, l4 + OPTION_UNITS_AT, NeighbourDiscoveryValidator.LL_OPTION_UNITS);
        putMac(s, l4 + OPTION_MAC_AT, portMac);
        putU16(
                s,
                l4 + Icmpv6Flyweight.CHECKSUM_OFFSET,
                Checksums.upperLayer(
                        s,
                        l4,
                        ND_BODY + ND_OPTION_LL,
                        Icmpv6Flyweight.CHECKSUM_OFFSET,
                        Checksums.pseudoHeaderV6(
                                s, ip + Ipv6Flyweight.SOURCE_OFFSET, IpProtocols.ICMPV6, ND_BODY + ND_OPTION_LL)));
        ethernet.wrap(s, c.frameOffset, frameLength).destination(requesterMac).source(portMac);
        return frameLength;
    }

    /**
     * Learns the IPv6 gateway's MAC from a valid NA for its address (its target link-layer option,
     * else the Ethernet source, RFC 4861 section 7.2.5) or a valid NS from it (its source
     * link-layer option).
     *
     * @return 0, or the {@link ForwardDrop} id that refuses the frame: a non-unicast Ethernet
     *         source speaking for the gateway, or a MAC other than the pinned one
     */
    private int learnFromNd(
            final MemorySegment s,
            final Classification c,
            final int type,
            final long srcHi,
            final long srcLo,
            final long nowMs) {
        if (!neighbours.hasGatewayV6) {
            return 0;
        }
        final long l4 = c.l4Offset;
        long mac = 0;
        if (type == ND_NEIGHBOUR_ADVERTISEMENT
                && i64(s, l4 + TARGET) == neighbours.gatewayV6Hi
                && i64(s, l4 + TARGET_LO) == neighbours.gatewayV6Lo) {
            mac = validator.linkLayerAddress != 0
                    ? validator.linkLayerAddress
                    : mac(s, c.frameOffset + EthernetFlyweight.SOURCE_OFFSET);
        } else if (type == ND_NEIGHBOUR_SOLICITATION
                && srcHi == neighbours.gatewayV6Hi
                && srcLo == neighbours.gatewayV6Lo) {
            mac = validator.linkLayerAddress;
            if (mac == 0) {
                return 0;
            }
        } else {
            return 0;
        }
        if (!Neighbours.isUnicast(mac)) {
            return ForwardDrop.NEIGHBOUR_NOT_UNICAST.id();
        }
        if (neighbours.pinned) {
            return mac == neighbours.pinnedV6 ? 0 : ForwardDrop.NEIGHBOUR_STATIC.id();
        }
        neighbours.confirmV6(mac, nowMs);
        return 0;
    }

    /**
     * ICMP or ICMPv6 echo request to one of our addresses or to a VIP: turned into the reply in
     * place (addresses and MACs swapped, type changed, checksum updated incrementally).
     */
    public int echo(final MemorySegment s, final Classification c, final VipTable vips) {
        if (c.l4Offset < 0) {
            return -ForwardDrop.NOT_HANDLED.id();
        }
        final long ip = c.l3Offset;
        final long l4 = c.l4Offset;
        final boolean v4 = c.key.family == 4;
        if (v4 ? c.icmpType != IcmpFlyweight.TYPE_ECHO_REQUEST : c.icmpType != Icmpv6Flyweight.TYPE_ECHO_REQUEST) {
            return -ForwardDrop.NOT_HANDLED.id();
        }
        if (!isOursOrVip(c, vips) || c.l4Length < IcmpFlyweight.HEADER_LENGTH) {
            return -ForwardDrop.NOT_HANDLED.id();
        }
        if (v4) {
            final Ipv4Flyweight h = ipv4.wrap(s, ip, c.ipHeaderLength);
            final int src = h.source();
            h.source(h.destination()).destination(src).ttl(REPLY_TTL).checksum(0);
            h.checksum(Checksums.ipv4Header(s, ip, c.ipHeaderLength));
            final IcmpFlyweight m = icmp.wrap(s, l4, c.l4Length);
            final int oldWord = u16(s, l4);
            m.type(IcmpFlyweight.TYPE_ECHO_REPLY);
            putU16(s, l4 + IcmpFlyweight.CHECKSUM_OFFSET, Checksums.update16(m.checksum(), oldWord, u16(s, l4)));
        } else {
            // Swapping source and destination leaves the pseudo-header sum unchanged.
            final long srcHi = i64(s, ip + Ipv6Flyweight.SOURCE_OFFSET);
            final long srcLo = i64(s, ip + Ipv6Flyweight.SOURCE_LO_OFFSET);
            putI64(s, ip + Ipv6Flyweight.SOURCE_OFFSET, i64(s, ip + Ipv6Flyweight.DESTINATION_OFFSET));
            putI64(s, ip + Ipv6Flyweight.SOURCE_LO_OFFSET, i64(s, ip + Ipv6Flyweight.DESTINATION_LO_OFFSET));
            putI64(s, ip + Ipv6Flyweight.DESTINATION_OFFSET, srcHi);
            putI64(s, ip + Ipv6Flyweight.DESTINATION_LO_OFFSET, srcLo);
            putU8(s, ip + Ipv6Flyweight.HOP_LIMIT_OFFSET, REPLY_TTL);
            final int oldWord = u16(s, l4);
            putU8(s, l4, Icmpv6Flyweight.TYPE_ECHO_REPLY);
            final long checksum = l4 + Icmpv6Flyweight.CHECKSUM_OFFSET;
            putU16(s, checksum, Checksums.update16(u16(s, checksum), oldWord, u16(s, l4)));
        }
        final EthernetFlyweight eth = ethernet.wrap(s, c.frameOffset, c.frameLength);
        final long requester = eth.source();
        eth.destination(requester).source(portMac);
        return c.frameLength;
    }

    private boolean isOursOrVip(final Classification c, final VipTable vips) {
        final boolean ours = c.key.family == 4
                ? neighbours.hasV4 && (int) c.key.dstLo == neighbours.ourV4
                : neighbours.hasV6 && c.key.dstHi == neighbours.ourV6Hi && c.key.dstLo == neighbours.ourV6Lo;
        return ours || vips.isVip(c.key.family, c.key.dstHi, c.key.dstLo);
    }

    /** Writes a broadcast ARP request for the IPv4 gateway at {@code frame}; returns its length (the Ethernet minimum). */
    public int arpRequest(final MemorySegment s, final long frame) {
        ethernet.wrap(s, frame, EthernetFlyweight.HEADER_LENGTH)
                .destination(BROADCAST_MAC)
                .source(portMac)
                .outerEtherType(EtherTypes.ARP);
        arp.wrap(s, frame + EthernetFlyweight.HEADER_LENGTH, ArpFlyweight.LENGTH)
                .write(ArpFlyweight.OPERATION_REQUEST, portMac, neighbours.ourV4, 0, neighbours.gatewayV4);
        // Pad to the Ethernet minimum.
        final int used = EthernetFlyweight.HEADER_LENGTH + ArpFlyweight.LENGTH;
        s.asSlice(frame + used, EthernetFlyweight.MIN_FRAME_LENGTH - used).fill((byte) 0);
        return EthernetFlyweight.MIN_FRAME_LENGTH;
    }

    /**
     * Writes a neighbour solicitation for the IPv6 gateway (to its solicited-node multicast
     * address, RFC 4291 section 2.7.1) at {@code frame}; returns its length.
     */
    public int neighbourSolicitation(final MemorySegment s, final long frame) {
        final long gwLo = neighbours.gatewayV6Lo;
        final int low24 = (int) (gwLo & 0xFF_FFFF);
        // 33:33 + low 32 bits of ff02::1:ffXX:XXXX.
        final long dstMac = 0x3333_0000_0000L | 0xFF00_0000L | low24;
        final long ip = frame + EthernetFlyweight.HEADER_LENGTH;
        final long l4 = ip + IPV6_HEADER;
        ethernet.wrap(s, frame, EthernetFlyweight.HEADER_LENGTH)
                .destination(dstMac)
                .source(portMac)
                .outerEtherType(EtherTypes.IPV6);
        putI32(s, ip + Ipv6Flyweight.VERSION_CLASS_FLOW_OFFSET, Ipv6Flyweight.PLAIN_VERSION_WORD);
        putU16(s, ip + Ipv6Flyweight.PAYLOAD_LENGTH_OFFSET, ND_BODY + ND_OPTION_LL);
        putU8(s, ip + Ipv6Flyweight.NEXT_HEADER_OFFSET, IpProtocols.ICMPV6);
        putU8(s, ip + Ipv6Flyweight.HOP_LIMIT_OFFSET, ND_HOP_LIMIT);
        putI64(s, ip + Ipv6Flyweight.SOURCE_OFFSET, neighbours.ourV6Hi);
        putI64(s, ip + Ipv6Flyweight.SOURCE_LO_OFFSET, neighbours.ourV6Lo);
        putI64(s, ip + Ipv6Flyweight.DESTINATION_OFFSET, NeighbourDiscoveryValidator.SOLICITED_NODE_HI);
        putI64(s, ip + Ipv6Flyweight.DESTINATION_LO_OFFSET, NeighbourDiscoveryValidator.SOLICITED_NODE_LO | low24);
        putU8(s, l4, ND_NEIGHBOUR_SOLICITATION);
        putU8(s, l4 + Icmpv6Flyweight.CODE_OFFSET, 0);
        putU16(s, l4 + Icmpv6Flyweight.CHECKSUM_OFFSET, 0);
        putI32(s, l4 + NeighbourDiscoveryValidator.OFFSET_FLAGS, 0);
        putI64(s, l4 + TARGET, neighbours.gatewayV6Hi);
        putI64(s, l4 + TARGET_LO, gwLo);
        putU8(s, l4 + ND_BODY, ND_OPTION_SOURCE_LL);
        putU8(s, l4 + OPTION_UNITS_AT, NeighbourDiscoveryValidator.LL_OPTION_UNITS);
        putMac(s, l4 + OPTION_MAC_AT, portMac);
        putU16(
                s,
                l4 + Icmpv6Flyweight.CHECKSUM_OFFSET,
                Checksums.upperLayer(
                        s,
                        l4,
                        ND_BODY + ND_OPTION_LL,
                        Icmpv6Flyweight.CHECKSUM_OFFSET,
                        Checksums.pseudoHeaderV6(
                                s, ip + Ipv6Flyweight.SOURCE_OFFSET, IpProtocols.ICMPV6, ND_BODY + ND_OPTION_LL)));
        return EthernetFlyweight.HEADER_LENGTH + IPV6_HEADER + ND_BODY + ND_OPTION_LL;
    }
}
