package io.levitate.packet;

import io.levitate.packet.ethernet.ArpFlyweight;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6ExtensionHeaderFlyweight;
import io.levitate.packet.ip.Ipv6Flyweight;
import io.levitate.packet.transport.IcmpFlyweight;
import io.levitate.packet.transport.Icmpv6Flyweight;
import io.levitate.packet.transport.TcpFlyweight;
import io.levitate.packet.transport.UdpFlyweight;
import java.lang.foreign.MemorySegment;

/**
 * Turns raw frame bytes into a {@link Verdict} plus a {@link FlowKey}, writing into a reusable
 * {@link Classification}. One instance per worker (it owns its flyweights); allocation-free and
 * exception-free for any input: every read is preceded by a length check, and anything that
 * fails one is {@link Verdict#MALFORMED} with a {@link DropReason}.
 *
 * <p>The work is split into small methods on purpose: the JIT inlines methods under its size
 * limits, and one large method would be compiled as a call.
 *
 * <p>Policy encoded here (why each rule exists is on the line that applies it): Ethernet padding
 * is trimmed by the IP length; at most two VLAN tags; IPv4 options are accepted; fragments get a
 * 3-tuple key (only the first carries ports, and every fragment of a datagram must reach the same
 * backend); IPv6 extension headers are walked up to {@link #DEFAULT_MAX_EXTENSION_HEADERS}.
 */
public final class PacketClassifier {
    /**
     * Bound on the IPv6 extension-header walk. Legitimate traffic uses 0-3 (RFC 8200 section 4.1
     * recommends each appear once, destination options at most twice); the bound keeps the cost
     * of a hostile chain constant.
     */
    public static final int DEFAULT_MAX_EXTENSION_HEADERS = 8;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final Ipv6ExtensionHeaderFlyweight extension = new Ipv6ExtensionHeaderFlyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final Icmpv6Flyweight icmpv6 = new Icmpv6Flyweight();

    private final boolean verifyIpv4Checksum;
    private final int maxExtensionHeaders;

    // Scratch state of the IPv6 walk (per instance, so per worker).
    private int walkPosition;
    private int walkNextHeader;

    /** Does not verify the IPv4 header checksum (NICs do; see {@link #PacketClassifier(boolean, int)}). */
    public PacketClassifier() {
        this(false, DEFAULT_MAX_EXTENSION_HEADERS);
    }

    /**
     * @param verifyIpv4Checksum check the IPv4 header checksum in software; off by default because
     *                           NICs verify it in hardware and a wrong one costs only the backend
     *                           a drop
     * @param maxExtensionHeaders IPv6 extension headers walked before giving up (drop)
     */
    public PacketClassifier(boolean verifyIpv4Checksum, int maxExtensionHeaders) {
        this.verifyIpv4Checksum = verifyIpv4Checksum;
        this.maxExtensionHeaders = maxExtensionHeaders;
    }

    /**
     * Classifies the frame at {@code [offset, offset + length)} of {@code segment}.
     *
     * @return the verdict, also stored in {@code out.verdict}
     */
    public Verdict classify(MemorySegment segment, long offset, int length, Classification out) {
        out.reset(offset, length);
        EthernetFlyweight eth = ethernet.wrap(segment, offset, length);
        DropReason r = eth.validate();
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        int l2 = eth.headerLength();
        out.l2Length = l2;
        out.etherType = eth.etherType();
        out.outerVlanId = eth.outerVlanId();
        out.innerVlanId = eth.innerVlanId();
        long l3 = offset + l2;
        int available = length - l2;
        switch (eth.etherType()) {
            case EtherTypes.IPV4:
                return classifyIpv4(segment, l3, available, out);
            case EtherTypes.IPV6:
                return classifyIpv6(segment, l3, available, out);
            case EtherTypes.ARP:
                return classifyArp(segment, l3, available, out);
            default:
                return out.verdict(Verdict.OTHER);
        }
    }

    private Verdict classifyArp(MemorySegment segment, long l3, int available, Classification out) {
        out.l3Offset = l3;
        DropReason r = arp.wrap(segment, l3, available).validate();
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        out.l3Length = ArpFlyweight.LENGTH;
        return out.verdict(Verdict.ARP);
    }

    // ---------------------------------------------------------------- IPv4

    private Verdict classifyIpv4(MemorySegment segment, long l3, int available, Classification out) {
        if (available < Ipv4Flyweight.MIN_HEADER_LENGTH) {
            return out.drop(DropReason.TRUNCATED_IP);
        }
        // Five word loads for the whole fixed header instead of one per field: every FFM access
        // carries bounds and liveness checks, and fewer of them keep the compiled classifier
        // small enough for C2 to inline.
        Ipv4Flyweight ip = ipv4.wrap(segment, l3, available);
        int w0 = ip.word0();
        DropReason r = Ipv4Flyweight.validate(w0, available);
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        int w1 = ip.word1();
        int w2 = ip.word2();
        int source = ip.source();
        r = checkIpv4(ip, w2, source);
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        int headerLength = Ipv4Flyweight.headerLengthOf(w0);
        int total = Ipv4Flyweight.totalLengthOf(w0);
        out.l3Offset = l3;
        out.l3Length = total;
        out.ipHeaderLength = headerLength;
        out.ttl = Ipv4Flyweight.ttlOf(w2);
        out.trafficClass = Ipv4Flyweight.tosOf(w0);
        out.dontFragment = Ipv4Flyweight.dontFragment(w1);
        FlowKey key = out.key;
        key.family = FlowKey.FAMILY_IPV4;
        key.protocol = Ipv4Flyweight.protocolOf(w2);
        key.srcLo = source & 0xFFFF_FFFFL;
        key.dstLo = ip.destination() & 0xFFFF_FFFFL;
        if (Ipv4Flyweight.isFragment(w1)) {
            return ipv4Fragment(w1 & Ipv4Flyweight.FRAGMENT_OFFSET_MASK, headerLength, total, out);
        }
        return classifyTransport(segment, key.protocol, l3 + headerLength, total - headerLength, false, out);
    }

    /** Checks that need a validated header: checksum, TTL, source address. */
    private DropReason checkIpv4(Ipv4Flyweight ip, int word2, int src) {
        if (verifyIpv4Checksum && !ip.checksumValid()) {
            return DropReason.BAD_IPV4_CHECKSUM;
        }
        if (Ipv4Flyweight.ttlOf(word2) == 0) {
            return DropReason.TTL_ZERO;
        }
        // 224.0.0.0/4 multicast and 255.255.255.255 broadcast are never a unicast client's address.
        if (Ipv4Flyweight.isMulticastOrBroadcast(src)) {
            return DropReason.MARTIAN_SOURCE;
        }
        return DropReason.NONE;
    }

    private static Verdict ipv4Fragment(int fragmentOffset, int headerLength, int total, Classification out) {
        // Reassembled size would exceed the 16-bit total length: an attack, never valid.
        if ((fragmentOffset << 3) + total - headerLength > Ipv4Flyweight.MAX_DATAGRAM) {
            return out.drop(DropReason.BAD_FRAGMENT);
        }
        out.key.fragment = true;
        if (fragmentOffset == 0) {
            out.l4Offset = out.l3Offset + headerLength;
            out.l4Length = total - headerLength;
        }
        return out.verdict(Verdict.VIP_CANDIDATE);
    }

    // ---------------------------------------------------------------- IPv6

    private Verdict classifyIpv6(MemorySegment segment, long l3, int available, Classification out) {
        Ipv6Flyweight ip = ipv6.wrap(segment, l3, available);
        DropReason r = ip.validate();
        if (r == DropReason.NONE) {
            r = checkIpv6(ip);
        }
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        int ipLength = Ipv6Flyweight.HEADER_LENGTH + ip.payloadLength();
        out.l3Offset = l3;
        out.l3Length = ipLength;
        out.ttl = ip.hopLimit();
        out.trafficClass = ip.trafficClass();
        out.dontFragment = true;
        FlowKey key = out.key;
        key.family = FlowKey.FAMILY_IPV6;
        key.srcHi = ip.sourceHi();
        key.srcLo = ip.sourceLo();
        key.dstHi = ip.destinationHi();
        key.dstLo = ip.destinationLo();
        r = walkExtensions(segment, l3, ipLength, ip.nextHeader(), out);
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        key.protocol = walkNextHeader;
        out.ipHeaderLength = walkPosition;
        if (key.fragment) {
            return out.verdict(Verdict.VIP_CANDIDATE);
        }
        return classifyTransport(segment, walkNextHeader, l3 + walkPosition, ipLength - walkPosition, true, out);
    }

    private static DropReason checkIpv6(Ipv6Flyweight ip) {
        if (ip.hopLimit() == 0) {
            return DropReason.TTL_ZERO;
        }
        // ff00::/8 is multicast: never a source.
        if (Ipv6Flyweight.isMulticast(ip.sourceHi())) {
            return DropReason.MARTIAN_SOURCE;
        }
        return DropReason.NONE;
    }

    /**
     * Steps over extension headers until an upper-layer protocol (or a fragment header, after
     * which only the first fragment has more headers and the key must not depend on them).
     * Leaves the upper-layer offset in {@link #walkPosition} (relative to the IPv6 header) and
     * its protocol in {@link #walkNextHeader}. The walk only moves forward and is bounded, so a
     * hostile chain costs at most {@code maxExtensionHeaders} steps.
     */
    private DropReason walkExtensions(
            MemorySegment segment, long l3, int ipLength, int nextHeader, Classification out) {
        int position = Ipv6Flyweight.HEADER_LENGTH;
        int count = 0;
        while (Ipv6ExtensionHeaderFlyweight.isExtension(nextHeader)) {
            if (count == maxExtensionHeaders) {
                return DropReason.TOO_MANY_EXTENSION_HEADERS;
            }
            if (nextHeader == IpProtocols.HOP_BY_HOP && count != 0) {
                return DropReason.MISPLACED_HOP_BY_HOP;
            }
            Ipv6ExtensionHeaderFlyweight ext = extension.wrap(segment, l3 + position, ipLength - position);
            if (!ext.fitsMinimum()) {
                return DropReason.TRUNCATED_EXTENSION_HEADER;
            }
            int headerLength = ext.headerLength(nextHeader);
            if (headerLength > ext.length()) {
                return DropReason.TRUNCATED_EXTENSION_HEADER;
            }
            count++;
            // An atomic fragment (offset 0, M clear) is a whole datagram: RFC 6946 section 4 says to
            // process it in isolation, so it keeps its ports and goes where its flow goes.
            if (nextHeader == IpProtocols.IPV6_FRAGMENT && (ext.fragmentOffset() != 0 || ext.moreFragments())) {
                return ipv6Fragment(ext, l3, position, ipLength, count, out);
            }
            nextHeader = ext.nextHeader();
            position += headerLength;
        }
        out.extensionHeaders = count;
        walkPosition = position;
        walkNextHeader = nextHeader;
        return DropReason.NONE;
    }

    private DropReason ipv6Fragment(
            Ipv6ExtensionHeaderFlyweight ext, long l3, int position, int ipLength, int count, Classification out) {
        int fragmentable = ipLength - position - Ipv6ExtensionHeaderFlyweight.MIN_LENGTH;
        if ((ext.fragmentOffset() << 3) + fragmentable > Ipv4Flyweight.MAX_DATAGRAM) {
            return DropReason.BAD_FRAGMENT;
        }
        // Every fragment carries the same fragment-header next header (the first header of the
        // fragmentable part, RFC 8200 section 4.5), so it is the protocol of the 3-tuple.
        out.key.fragment = true;
        out.extensionHeaders = count;
        walkPosition = position + Ipv6ExtensionHeaderFlyweight.MIN_LENGTH;
        walkNextHeader = ext.nextHeader();
        if (ext.fragmentOffset() == 0) {
            out.l4Offset = l3 + walkPosition;
            out.l4Length = ipLength - walkPosition;
        }
        return DropReason.NONE;
    }

    // ---------------------------------------------------------------- upper layer

    private Verdict classifyTransport(
            MemorySegment segment, int protocol, long l4, int l4Length, boolean v6, Classification out) {
        out.l4Offset = l4;
        out.l4Length = l4Length;
        switch (protocol) {
            case IpProtocols.TCP:
                return classifyTcp(segment, l4, l4Length, out);
            case IpProtocols.UDP:
                return classifyUdp(segment, l4, l4Length, out);
            case IpProtocols.ICMP:
                return v6 ? out.verdict(Verdict.OTHER) : classifyIcmp(segment, l4, l4Length, out);
            case IpProtocols.ICMPV6:
                return v6 ? classifyIcmpv6(segment, l4, l4Length, out) : out.verdict(Verdict.OTHER);
            default:
                return out.verdict(Verdict.OTHER);
        }
    }

    private Verdict classifyTcp(MemorySegment segment, long l4, int l4Length, Classification out) {
        if (l4Length < TcpFlyweight.MIN_HEADER_LENGTH) {
            return out.drop(DropReason.TRUNCATED_TCP);
        }
        TcpFlyweight t = tcp.wrap(segment, l4, l4Length);
        int offsetAndFlags = t.dataOffsetAndFlags();
        int headerLength = TcpFlyweight.headerLengthOf(offsetAndFlags);
        if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > l4Length) {
            return out.drop(DropReason.BAD_TCP_DATA_OFFSET);
        }
        int ports = t.ports();
        out.key.srcPort = ports >>> 16;
        out.key.dstPort = ports & 0xFFFF;
        out.tcpFlags = TcpFlyweight.flagsOf(offsetAndFlags);
        return out.verdict(Verdict.VIP_CANDIDATE);
    }

    private Verdict classifyUdp(MemorySegment segment, long l4, int l4Length, Classification out) {
        UdpFlyweight u = udp.wrap(segment, l4, l4Length);
        DropReason r = u.validate();
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        int ports = u.ports();
        out.key.srcPort = ports >>> 16;
        out.key.dstPort = ports & 0xFFFF;
        return out.verdict(Verdict.VIP_CANDIDATE);
    }

    private Verdict classifyIcmp(MemorySegment segment, long l4, int l4Length, Classification out) {
        IcmpFlyweight m = icmp.wrap(segment, l4, l4Length);
        DropReason r = m.validate();
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        int type = m.type();
        out.icmpType = type;
        out.icmpCode = m.code();
        return out.verdict(IcmpFlyweight.isError(type) ? Verdict.ICMP_ERROR : Verdict.OTHER);
    }

    private Verdict classifyIcmpv6(MemorySegment segment, long l4, int l4Length, Classification out) {
        Icmpv6Flyweight m = icmpv6.wrap(segment, l4, l4Length);
        DropReason r = m.validate();
        if (r != DropReason.NONE) {
            return out.drop(r);
        }
        int type = m.type();
        out.icmpType = type;
        out.icmpCode = m.code();
        if (Icmpv6Flyweight.isError(type)) {
            return out.verdict(Verdict.ICMP_ERROR);
        }
        return out.verdict(Icmpv6Flyweight.isNeighbourDiscovery(type) ? Verdict.ND : Verdict.OTHER);
    }
}
