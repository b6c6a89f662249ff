package io.levitate.forwarder.lb;

import static io.levitate.packet.NetworkOrder.ALL;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.dpdk.Mbuf;
import io.levitate.gre.GreEncapsulator;
import io.levitate.gre.GreTunnel;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.FlowKey;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv6Flyweight;
import io.levitate.packet.transport.TcpFlyweight;
import io.levitate.packet.transport.UdpFlyweight;

// ALL (imported above) is the packet module's all-of-memory segment, as in Ipv4FastPath.
/**
 * The worker's fast path for IPv6, {@link Ipv4FastPath}'s twin: an untagged frame whose IPv6 header
 * is followed directly by TCP or UDP (no extension header), not from a multicast or martian source,
 * to a VIP's service, small enough for any tunnel, with the headroom for any tunnel's headers.
 * {@link #flowHash} guesses that shape from fixed offsets for the burst's prefetches; {@link
 * #forward} parses such a frame with a few wide loads, looks its flow up in conntrack starting at
 * the prefetched record, and writes the tunnel headers ({@link GreEncapsulator#encapsulateIpv6}),
 * without the classifier's {@code Classification}.
 *
 * <p>It decides exactly as {@link GeneralPath} does: every check {@link PacketClassifier} and the
 * general path's {@code vip} make of such a frame (version, payload length against the frame and
 * not 0, hop limit not 0, source not multicast, group Ethernet source, TCP data offset, UDP
 * length, source neither unspecified, loopback, IPv4-mapped nor a VIP) is made here or sends the
 * frame to the general path, {@link Action#GENERAL}, before anything is changed or counted. A hop
 * limit of 1 is forwarded by both: the tunnel carries the packet unchanged, as the general path
 * does. {@code FastPathEquivalenceTest} runs both paths over the same IPv6 frames and compares
 * every output byte and counter.
 */
final class Ipv6FastPath {
    /** Where an untagged frame's IPv6 header starts. */
    static final int IP = EthernetFlyweight.HEADER_LENGTH;
    /** Where the TCP or UDP header directly after the fixed IPv6 header starts. */
    static final int L4 = IP + Ipv6Flyweight.HEADER_LENGTH;
    /** Ethernet + the fixed IPv6 header + the 4 port bytes: what {@link #flowHash} reads. */
    static final int HASH_MIN_FRAME = L4 + TcpFlyweight.DESTINATION_PORT_OFFSET + Short.BYTES;

    private final ConntrackTable conntrack;
    private final Neighbours neighbours;
    private final WorkerStats stats;
    private final BackendSelector backends;
    /** The key of a flow the fast path found no usable conntrack entry for, handed to {@link #backends}. */
    private final FlowKey missKey = new FlowKey();
    /** The encapsulator of the port tunnel packets leave on ({@link #usePort}). */
    private GreEncapsulator encapsulator;
    /** Packets handled to the end (tests: the comparison with the general path is not vacuous). */
    long packets;

    Ipv6FastPath(final WorkerContext context, final BackendSelector backends) {
        this.conntrack = context.conntrack;
        this.neighbours = context.neighbours;
        this.stats = context.stats;
        this.backends = backends;
        this.encapsulator = context.encapsulators[0];
    }

    /** Tunnel packets from now on carry {@code outgoing}'s MAC (the peer of the port being polled). */
    void usePort(final GreEncapsulator outgoing) {
        encapsulator = outgoing;
    }

    /**
     * {@link Ipv4FastPath#flowHash} for IPv6: the conntrack hash of the 5-tuple, guessed from fixed
     * offsets (untagged Ethernet, IPv6 next header TCP or UDP); a wrong guess costs only useless
     * prefetches.
     *
     * @return the conntrack hash of the packet's IPv6 5-tuple, or {@link BackendSelector#NO_HASH}
     */
    long flowHash(final long m) {
        final long a = Mbuf.dataAddress(m);
        final long ip = a + IP;
        if (Mbuf.dataLength(m) < HASH_MIN_FRAME || EthernetFlyweight.outerEtherType(ALL, a) != EtherTypes.IPV6) {
            return BackendSelector.NO_HASH;
        }
        final int proto = Ipv6Flyweight.nextHeader(ALL, ip);
        if (proto != IpProtocols.TCP && proto != IpProtocols.UDP) {
            return BackendSelector.NO_HASH;
        }
        // UDP's ports are at TCP's offsets.
        return conntrack.hashOfV6(
                Ipv6Flyweight.sourceHi(ALL, ip),
                Ipv6Flyweight.sourceLo(ALL, ip),
                Ipv6Flyweight.destinationHi(ALL, ip),
                Ipv6Flyweight.destinationLo(ALL, ip),
                TcpFlyweight.sourcePort(ALL, a + L4),
                TcpFlyweight.destinationPort(ALL, a + L4),
                proto);
    }

    /**
     * One packet of the fast path's shape, to its backend; or {@link Action#GENERAL}, with nothing
     * changed or counted, when it is not the fast path's after all.
     *
     * @param hash   {@link #flowHash} of the frame, not {@link BackendSelector#NO_HASH}: it has at
     *               least {@link #HASH_MIN_FRAME} bytes, EtherType IPv6 and next header TCP or UDP
     * @param record where its conntrack entry likely is ({@link ConntrackTable#recordToPrefetch}, 0 if none)
     * @return the action, or {@link Action#GENERAL}
     */
    int forward(final long m, final long hash, final long record, final DataPlaneSnapshot s, final long nowMs) {
        // All within the bytes flowHash found (the TCP or UDP fields after the length checks that cover them).
        final long word = Mbuf.dataOffsetWord(m);
        final int headroom = Mbuf.dataOffsetOf(word);
        final long a = Mbuf.bufferAddress(m) + headroom;
        final long ip = a + IP;
        final int length = Mbuf.dataLength(m);
        final int w0 = Ipv6Flyweight.word0(ALL, ip);
        final int w1 = Ipv6Flyweight.word1(ALL, ip);
        final long srcHi = Ipv6Flyweight.sourceHi(ALL, ip);
        final long srcLo = Ipv6Flyweight.sourceLo(ALL, ip);
        final int payload = Ipv6Flyweight.payloadLengthOf(w1);
        final int total = Ipv6Flyweight.HEADER_LENGTH + payload;
        // The general path drops (and counts) a group Ethernet source, a wrong version, a jumbogram
        // or empty payload, a hop limit of 0 and every martian source; a VIP among the sources needs
        // a table lookup, so a filter hit goes there too.
        if (Mbuf.segmentCountOf(word) != 1
                || Ipv6Flyweight.versionOf(w0) != Ipv6Flyweight.VERSION
                || payload == 0
                || total > length - IP
                || Ipv6Flyweight.hopLimitOf(w1) == 0
                || Ipv6Flyweight.isMulticast(srcHi)
                || Ipv6Flyweight.isUnspecifiedOrLoopback(srcHi, srcLo)
                || Ipv6Flyweight.isIpv4Mapped(srcHi, srcLo)
                || EthernetFlyweight.groupSource(ALL, a)
                || !encapsulator.fitsAnyTunnel(total)
                || headroom < GreEncapsulator.MAX_EXTRA_HEADROOM
                || s.vips.mayBeVipV6(srcHi, srcLo)) {
            return Action.GENERAL;
        }
        final int protocol = Ipv6Flyweight.nextHeaderOf(w1);
        final long l4 = a + L4;
        int tcpFlags = 0;
        if (protocol == IpProtocols.TCP) {
            if (payload < TcpFlyweight.MIN_HEADER_LENGTH) {
                return Action.GENERAL;
            }
            final int offsetAndFlags = TcpFlyweight.dataOffsetAndFlags(ALL, l4);
            final int headerLength = TcpFlyweight.headerLengthOf(offsetAndFlags);
            if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > payload) {
                return Action.GENERAL;
            }
            tcpFlags = TcpFlyweight.flagsOf(offsetAndFlags);
        } else {
            if (payload < UdpFlyweight.HEADER_LENGTH) {
                return Action.GENERAL;
            }
            final int udpLength = UdpFlyweight.udpLength(ALL, l4);
            if (udpLength < UdpFlyweight.HEADER_LENGTH || udpLength > payload) {
                return Action.GENERAL;
            }
        }
        final int ports = TcpFlyweight.ports(ALL, l4);
        final int srcPort = ports >>> 16;
        final int dstPort = ports & 0xFFFF;
        final long dstHi = Ipv6Flyweight.destinationHi(ALL, ip);
        final long dstLo = Ipv6Flyweight.destinationLo(ALL, ip);
        final int service = s.vips.findService(FlowKey.FAMILY_IPV6, dstHi, dstLo, dstPort, protocol);
        if (service == VipTable.NONE) {
            return Action.GENERAL;
        }
        // Committed: what follows is the general path's vip() for this packet, the conntrack hit first
        // (as in Ipv4FastPath, for the inlining budget).
        packets++;
        final int hit = conntrack.lookupV6Hinted(
                hash, record, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, tcpFlags, nowMs);
        if (hit >= 0) {
            return tunnel(m, a, headroom, total, w0, srcHi, srcLo, ports, protocol, service, hit, s, nowMs);
        }
        final FlowKey k = missKey;
        k.family = FlowKey.FAMILY_IPV6;
        k.protocol = protocol;
        k.srcHi = srcHi;
        k.srcLo = srcLo;
        k.dstHi = dstHi;
        k.dstLo = dstLo;
        k.srcPort = srcPort;
        k.dstPort = dstPort;
        k.fragment = false;
        final int backend = backends.afterMiss(s.services[service], k, tcpFlags, nowMs, hit);
        if (backend < 0) {
            return stats.drop(ForwardDrop.NO_BACKEND);
        }
        return tunnel(m, a, headroom, total, w0, srcHi, srcLo, ports, protocol, service, backend, s, nowMs);
    }

    /**
     * The fast path's end: the packet at {@code a} (IPv6 word 0 {@code w0}) of mbuf {@code m}
     * tunnelled to {@code backend} and counted, as the general path's encapsulate and vip do it.
     */
    private int tunnel(
            final long m,
            final long a,
            final int headroom,
            final int total,
            final int w0,
            final long srcHi,
            final long srcLo,
            final int ports,
            final int protocol,
            final int service,
            final int backend,
            final DataPlaneSnapshot s,
            final long nowMs) {
        final GreTunnel tunnel = s.tunnels[backend];
        final long mac = neighbours.macAcquire(tunnel.family(), nowMs);
        if (mac == 0) {
            return stats.drop(ForwardDrop.NO_NEIGHBOUR);
        }
        final long l3 = a + IP;
        final long start = encapsulator.encapsulateIpv6(
                l3, total, Ipv6Flyweight.trafficClassOf(w0), srcHi, srcLo, ports, protocol, tunnel, mac);
        Mbuf.setFrame(m, headroom - (int) (a - start), (int) (l3 + total - start));
        stats.encapsulated++;
        stats.countTunnelled(service, backend, total);
        return Action.FORWARD;
    }
}
