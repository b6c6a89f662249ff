package io.levitate.forwarder.lb;

import static io.levitate.packet.NetworkOrder.ALL;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.dpdk.Mbuf;
import io.levitate.gre.GreEncapsulator;
import io.levitate.gre.GreTunnel;
import io.levitate.packet.Classification;
import io.levitate.packet.EtherTypes;
import io.levitate.packet.FlowKey;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.NetworkOrder;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.transport.TcpFlyweight;
import io.levitate.packet.transport.UdpFlyweight;

// ALL (imported above) is the packet module's all-of-memory segment, not NativeMemory's: the
// flyweights' static accessors and the encapsulator skip their per-access checks only for that
// very instance (NetworkOrder.ALL).
/**
 * The worker's fast path, for the common packet: an untagged IPv4 frame without options, not a
 * fragment, TCP or UDP, to a VIP's service, small enough for any tunnel. {@link #flowHash} guesses
 * that shape from fixed offsets for the whole burst (its hash drives the prefetches); {@link
 * #forward} parses such a frame with a few wide loads, looks its flow up in conntrack starting at
 * the prefetched record, and writes the tunnel headers with wide stores ({@link #tunnel}), without
 * the classifier's {@link Classification} or the encapsulator's flyweights, which is most of the
 * general path's cost per packet.
 *
 * <p>It decides exactly as {@link GeneralPath} does: every check {@link PacketClassifier} makes of
 * such a frame is made here (the worker's classifier does not verify IPv4 header checksums, so
 * neither does this; NICs do), and a frame that fails any of them, or is of another shape, is
 * left to the general path ({@link Action#GENERAL}) before anything is changed or counted, so
 * drops, the exception path and ICMP too-big keep one implementation. New and re-resolved flows go
 * through the {@link BackendSelector} the general path uses. {@code FastPathEquivalenceTest} runs
 * both paths over the same frames and compares every output byte and counter.
 *
 * <p>The header offsets are the packet module's ({@link EthernetFlyweight}, {@link Ipv4Flyweight},
 * {@link TcpFlyweight}, {@link UdpFlyweight}), shared with the classifier; all are compile-time
 * constants or static accessors the JIT folds, so the loads are those of hand-written offsets.
 */
final class Ipv4FastPath {
    /** Where an untagged frame's IPv4 header starts. */
    static final int IP = EthernetFlyweight.HEADER_LENGTH;
    /** Where the TCP or UDP header of an IPv4 header without options starts. */
    static final int L4 = IP + Ipv4Flyweight.MIN_HEADER_LENGTH;
    /** Ethernet + IPv4 without options + the 4 port bytes: what {@link #flowHash} reads. */
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

    Ipv4FastPath(final WorkerContext context, final BackendSelector backends) {
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
     * A burst's conntrack lines are prefetched ahead of its packets ({@code
     * LoadBalancerAgent.handleBurst}), so that the cache misses overlap with handling instead of
     * costing a memory latency per packet in turn. This is the key hash for that, guessed from fixed
     * offsets (untagged Ethernet, IPv4 without options, TCP or UDP): a wrong guess costs only useless
     * prefetches, never a wrong decision, since handling parses and checks everything itself; a
     * right guess is also {@link #forward}'s key hash.
     *
     * @return the conntrack hash of the packet's IPv4 5-tuple, or {@link BackendSelector#NO_HASH}
     */
    long flowHash(final long m) {
        final long a = Mbuf.dataAddress(m);
        final long ip = a + IP;
        if (Mbuf.dataLength(m) < HASH_MIN_FRAME
                || EthernetFlyweight.outerEtherType(ALL, a) != EtherTypes.IPV4
                || Ipv4Flyweight.versionAndIhl(ALL, ip) != Ipv4Flyweight.VERSION_IHL_NO_OPTIONS) {
            return BackendSelector.NO_HASH;
        }
        final int proto = Ipv4Flyweight.protocol(ALL, ip);
        if (proto != IpProtocols.TCP && proto != IpProtocols.UDP) {
            return BackendSelector.NO_HASH;
        }
        // UDP's ports are at TCP's offsets.
        return conntrack.hashOfV4(
                Ipv4Flyweight.source(ALL, ip),
                Ipv4Flyweight.destination(ALL, ip),
                TcpFlyweight.sourcePort(ALL, a + L4),
                TcpFlyweight.destinationPort(ALL, a + L4),
                proto);
    }

    /**
     * One packet of the fast path's shape, to its backend; or {@link Action#GENERAL}, with nothing
     * changed or counted, when it is not the fast path's after all.
     *
     * @param hash   {@link #flowHash} of the frame, not {@link BackendSelector#NO_HASH}: it has at
     *               least {@link #HASH_MIN_FRAME} bytes, EtherType IPv4, version 4 with IHL 5, and
     *               TCP or UDP
     * @param record where its conntrack entry likely is ({@link ConntrackTable#recordToPrefetch}, 0 if none)
     * @return the action, or {@link Action#GENERAL}
     */
    int forward(final long m, final long hash, final long record, final DataPlaneSnapshot s, final long nowMs) {
        // Few, wide loads, each within the bytes flowHash found (later ones after the length checks
        // that cover them).
        final long word = Mbuf.dataOffsetWord(m);
        final int headroom = Mbuf.dataOffsetOf(word);
        final long a = Mbuf.bufferAddress(m) + headroom;
        final long ip = a + IP;
        final int length = Mbuf.dataLength(m);
        final long head =
                NetworkOrder.i64(ALL, ip + Ipv4Flyweight.VERSION_IHL_OFFSET); // words 0, 1: version .. fragment offset
        final long middle = NetworkOrder.i64(ALL, ip + Ipv4Flyweight.TTL_OFFSET); // word 2, source
        final long tail = NetworkOrder.i64(ALL, ip + Ipv4Flyweight.DESTINATION_OFFSET); // destination, the ports
        final int w0 = (int) (head >>> 32);
        final int w1 = (int) head;
        final int w2 = (int) (middle >>> 32);
        final int src = (int) middle;
        final int total = Ipv4Flyweight.totalLengthOf(w0);
        // The general path drops (and counts) a group Ethernet source and every martian source; a
        // VIP among the sources needs a table lookup, so a filter hit goes there too.
        if (Mbuf.segmentCountOf(word) != 1
                || total > length - IP
                || Ipv4Flyweight.isFragment(w1)
                || Ipv4Flyweight.ttlOf(w2) == 0
                || Ipv4Flyweight.isMulticastOrBroadcast(src)
                || Ipv4Flyweight.isThisNetworkOrLoopback(src)
                || EthernetFlyweight.groupSource(ALL, a)
                || !encapsulator.fitsAnyTunnel(total)
                || headroom < GreEncapsulator.MAX_EXTRA_HEADROOM
                || s.vips.mayBeVipV4(src)) {
            return Action.GENERAL;
        }
        final int protocol = Ipv4Flyweight.protocolOf(w2);
        final int l4Length = total - Ipv4Flyweight.MIN_HEADER_LENGTH;
        final long l4 = a + L4;
        int tcpFlags = 0;
        if (protocol == IpProtocols.TCP) {
            if (l4Length < TcpFlyweight.MIN_HEADER_LENGTH) {
                return Action.GENERAL;
            }
            final int offsetAndFlags = TcpFlyweight.dataOffsetAndFlags(ALL, l4);
            final int headerLength = TcpFlyweight.headerLengthOf(offsetAndFlags);
            if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > l4Length) {
                return Action.GENERAL;
            }
            tcpFlags = TcpFlyweight.flagsOf(offsetAndFlags);
        } else {
            if (l4Length < UdpFlyweight.HEADER_LENGTH) {
                return Action.GENERAL;
            }
            final int udpLength = UdpFlyweight.udpLength(ALL, l4);
            if (udpLength < UdpFlyweight.HEADER_LENGTH || udpLength > l4Length) {
                return Action.GENERAL;
            }
        }
        final int ports = (int) tail;
        final int srcPort = ports >>> 16;
        final int dstPort = ports & 0xFFFF;
        final long srcLo = src & 0xFFFF_FFFFL;
        final long dstLo = tail >>> 32;
        final int service = s.vips.findService(FlowKey.FAMILY_IPV4, 0, dstLo, dstPort, protocol);
        if (service == VipTable.NONE) {
            return Action.GENERAL;
        }
        // Committed: what follows is the general path's vip() for this packet. The conntrack hit
        // comes first in the code, so the compiler spends its inlining budget on it rather than on
        // the new-flow path (Maglev, insert), which becomes a call.
        packets++;
        final int hit =
                conntrack.lookupV4Hinted(hash, record, src, (int) dstLo, srcPort, dstPort, protocol, tcpFlags, nowMs);
        if (hit >= 0) {
            return tunnel(m, a, headroom, total, w0, w1, srcLo, ports, protocol, service, hit, s, nowMs);
        }
        final FlowKey k = missKey;
        k.family = FlowKey.FAMILY_IPV4;
        k.protocol = protocol;
        k.srcHi = 0;
        k.srcLo = srcLo;
        k.dstHi = 0;
        k.dstLo = dstLo;
        k.srcPort = srcPort;
        k.dstPort = dstPort;
        k.fragment = false;
        final int backend = backends.afterMiss(s.services[service], k, tcpFlags, nowMs, hit);
        if (backend < 0) {
            return stats.drop(ForwardDrop.NO_BACKEND);
        }
        return tunnel(m, a, headroom, total, w0, w1, srcLo, ports, protocol, service, backend, s, nowMs);
    }

    /**
     * The fast path's end: the packet at {@code a} (IP header words {@code w0}, {@code w1}) of mbuf
     * {@code m} tunnelled to {@code backend} and counted, as the general path's encapsulate and vip
     * do it.
     */
    private int tunnel(
            final long m,
            final long a,
            final int headroom,
            final int total,
            final int w0,
            final int w1,
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
        final long start = encapsulator.encapsulateIpv4(
                l3,
                total,
                Ipv4Flyweight.tosOf(w0),
                Ipv4Flyweight.dontFragment(w1),
                srcLo,
                ports,
                protocol,
                tunnel,
                mac);
        Mbuf.setFrame(m, headroom - (int) (a - start), (int) (l3 + total - start));
        stats.encapsulated++;
        stats.countTunnelled(service, backend, total);
        return Action.FORWARD;
    }
}
