package io.levitate.forwarder.lb;

import static io.levitate.packet.NetworkOrder.ALL;

import io.levitate.dpdk.Mbuf;
import io.levitate.gre.EncapResult;
import io.levitate.gre.EncapVerdict;
import io.levitate.gre.GreEncapsulator;
import io.levitate.gre.GreTunnel;
import io.levitate.gre.IcmpErrorSteering;
import io.levitate.packet.Classification;
import io.levitate.packet.DropReason;
import io.levitate.packet.FlowKey;
import io.levitate.packet.NetworkOrder;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.Verdict;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6Flyweight;

// ALL (imported above) is the packet module's all-of-memory segment, not NativeMemory's: the
// flyweights, the encapsulator and the responders skip their per-access checks only for that very
// instance (NetworkOrder.ALL).
/**
 * The worker's general path: every packet the {@link Ipv4FastPath} and {@link Ipv6FastPath} do not take. {@link #handle}
 * parses it with the {@link PacketClassifier} (length-checked, any shape: VLAN tags, IPv4 options,
 * IPv6 and its extension headers, fragments) and switches on the verdict:
 * <ul>
 *   <li>VIP traffic ({@link #vip}): service by (VIP, port, protocol) falling back to the VIP's
 *       any-port service; backend from the {@link BackendSelector}; GRE-encapsulated in place
 *       toward the backend with the gateway's MAC ({@link #encapsulate});</li>
 *   <li>ARP / ND: to the receiving port's {@link ControlResponder} (gateway MACs learnt, our
 *       addresses answered in place);</li>
 *   <li>ICMP errors about a VIP flow: steered to that flow's backend ({@link #icmpError});</li>
 *   <li>ICMP echo to our addresses and VIPs: answered in place;</li>
 *   <li>everything else that parses: the {@link ExceptionPath}'s (the kernel's, or a counted drop);
 *       malformed frames are dropped and counted by reason.</li>
 * </ul>
 * One per worker; only its worker calls it.
 */
final class GeneralPath {
    private final Neighbours neighbours;
    private final WorkerStats stats;
    private final BackendSelector backends;
    private final ExceptionPath exception;
    private final PacketClassifier classifier = new PacketClassifier();
    private final IcmpErrorSteering steering = new IcmpErrorSteering();
    private final Classification c = new Classification();
    private final FlowKey steered = new FlowKey();
    private final EncapResult encapResult = new EncapResult();
    /** Of the port tunnel packets leave on, and of the port being polled ({@link #usePort}). */
    private GreEncapsulator encapsulator;

    private ControlResponder responder;

    GeneralPath(final WorkerContext context, final BackendSelector backends, final ExceptionPath exception) {
        this.neighbours = context.neighbours;
        this.stats = context.stats;
        this.backends = backends;
        this.exception = exception;
        this.encapsulator = context.encapsulators[0];
        this.responder = context.responders[0];
    }

    /** Tunnel packets carry {@code outgoing}'s MAC (the peer port's); replies {@code receiving}'s. */
    void usePort(final GreEncapsulator outgoing, final ControlResponder receiving) {
        encapsulator = outgoing;
        responder = receiving;
    }

    /**
     * @param hash {@code Ipv4FastPath.flowHash} or {@code Ipv6FastPath.flowHash} of the frame, or
     *     {@link BackendSelector#NO_HASH}; only an IPv4 key's is used
     * @return the {@link Action} (never {@link Action#GENERAL})
     */
    int handle(final long m, final long hash, final DataPlaneSnapshot s, final long nowNanos, final long nowMs) {
        if (Mbuf.segmentCount(m) != 1) {
            return stats.drop(ForwardDrop.MULTI_SEGMENT);
        }
        final long address = Mbuf.dataAddress(m);
        final Verdict verdict = classifier.classify(ALL, address, Mbuf.dataLength(m), c);
        switch (verdict) {
            case VIP_CANDIDATE:
                return vip(m, address, hash, s, nowNanos, nowMs);
            case ARP:
                return replied(m, responder.arp(ALL, c, nowMs), nowNanos);
            case ND:
                return replied(m, responder.neighbourDiscovery(ALL, c, bufferEnd(m), nowMs), nowNanos);
            case ICMP_ERROR:
                return icmpError(m, address, s, nowNanos, nowMs);
            case OTHER:
                return replied(
                        m,
                        c.key.family != FlowKey.FAMILY_NONE
                                ? responder.echo(ALL, c, s.vips)
                                : -ForwardDrop.NOT_HANDLED.id(),
                        nowNanos);
            default:
                return stats.countDrop(c.dropReasonId());
        }
    }

    private int vip(
            final long m,
            final long address,
            final long packetHash,
            final DataPlaneSnapshot s,
            final long nowNanos,
            final long nowMs) {
        final FlowKey k = c.key;
        final int service = s.vips.serviceFor(k);
        if (service == VipTable.NONE) {
            // A VIP's fragment that no service takes (docs/CONFIG.md) is no business of the kernel's.
            return k.fragment && s.vips.isVip(k.family, k.dstHi, k.dstLo)
                    ? stats.drop(ForwardDrop.FRAGMENT_NO_SERVICE)
                    : exception.notOurs(ForwardDrop.NO_SERVICE, k, nowNanos);
        }
        if (martianSource(k, s.vips)) {
            return stats.countDrop(DropReason.MARTIAN_SOURCE.id());
        }
        final ServiceState state = s.services[service];
        // flowHash's hash is this key's only if it guessed the layout right (untagged Ethernet,
        // IPv4 without options); then it read exactly the fields the classifier did.
        final long hash =
                c.l2Length == EthernetFlyweight.HEADER_LENGTH && c.ipHeaderLength == Ipv4Flyweight.MIN_HEADER_LENGTH
                        ? packetHash
                        : BackendSelector.NO_HASH;
        final int backend = backends.select(state, c.key, c.tcpFlags, nowMs, hash);
        if (backend < 0) {
            return stats.drop(ForwardDrop.NO_BACKEND);
        }
        final int packetBytes = c.l3Length;
        final int action = encapsulate(m, address, s, backend, nowNanos, nowMs);
        if (action == Action.FORWARD) {
            stats.countTunnelled(service, backend, packetBytes);
        }
        return action;
    }

    /**
     * A source no client of a VIP can have (the parser already refused multicast and broadcast
     * sources): this network or the unspecified address (0.0.0.0/8, ::), loopback (127.0.0.0/8,
     * ::1), IPv4-mapped IPv6 (::ffff:0:0/96, never on the wire), or a VIP itself (a reflection: a
     * backend would answer a VIP). RFC 1812 section 5.3.7 and RFC 6890.
     */
    private static boolean martianSource(final FlowKey k, final VipTable vips) {
        if (k.family == FlowKey.FAMILY_IPV4) {
            final int src = (int) k.srcLo;
            return Ipv4Flyweight.isThisNetworkOrLoopback(src) || (vips.mayBeVipV4(src) && vips.isVip(4, 0, k.srcLo));
        }
        return Ipv6Flyweight.isUnspecifiedOrLoopback(k.srcHi, k.srcLo)
                || Ipv6Flyweight.isIpv4Mapped(k.srcHi, k.srcLo)
                || vips.isVip(6, k.srcHi, k.srcLo);
    }

    /** Steers an ICMP error about a VIP flow to the backend that owns the flow. */
    private int icmpError(
            final long m, final long address, final DataPlaneSnapshot s, final long nowNanos, final long nowMs) {
        // A router's error about a VIP flow is addressed to the client's peer, the VIP. One that
        // quotes a VIP flow but is addressed elsewhere (our own address: the kernel's traffic) is
        // not a backend's business: the kernel's through the exception path, else a counted drop.
        if (!s.vips.isVip(c.key.family, c.key.dstHi, c.key.dstLo)) {
            return exception.notOurs(ForwardDrop.ICMP_NOT_FOR_VIP, c.key, nowNanos);
        }
        final DropReason why = steering.steer(ALL, c, steered);
        if (why != DropReason.NONE) {
            return stats.countDrop(why.id());
        }
        final int service = s.vips.find(steered);
        if (service == VipTable.NONE) {
            return exception.notOurs(ForwardDrop.ICMP_NOT_STEERABLE, c.key, nowNanos);
        }
        final int backend = backends.select(s.services[service], steered, 0, nowMs, BackendSelector.NO_HASH);
        if (backend < 0) {
            return stats.drop(ForwardDrop.NO_BACKEND);
        }
        // The encapsulator derives the per-flow outer source from c.key: use the steered flow's.
        c.key.copyFrom(steered);
        return encapsulate(m, address, s, backend, nowNanos, nowMs);
    }

    /** {@link #healthProbe}'s answer for a frame that is no health probe: the caller decides. */
    static final int NOT_A_PROBE = -1;

    /**
     * A frame the kernel wrote to a TAP, when {@code instance.health_prefix} is set: an IPv4 TCP or
     * UDP packet whose source is the prefix's address of backend id {@code i} is a health probe
     * ({@code health_check.via: tunnel}) and is GRE-encapsulated to backend {@code i} as it stands,
     * its inner destination the VIP and port the checker connected to. Neither Maglev nor conntrack
     * is asked: the probe must reach that one backend, and must not create or disturb a flow. It
     * runs on the kernel's frames only (the exception path), so client traffic pays nothing for it.
     *
     * @param healthBase first address of the prefix; {@code healthSize} its number of addresses
     * @return {@link Action#FORWARD} (tunnelled in place, to go out of the peer port), {@link
     *     Action#DROP} (counted) or {@link #NOT_A_PROBE}
     */
    int healthProbe(
            final long m,
            final DataPlaneSnapshot s,
            final int healthBase,
            final int healthSize,
            final long nowNanos,
            final long nowMs) {
        if (Mbuf.segmentCount(m) != 1) {
            return NOT_A_PROBE;
        }
        final long address = Mbuf.dataAddress(m);
        final Verdict verdict = classifier.classify(ALL, address, Mbuf.dataLength(m), c);
        final FlowKey k = c.key;
        if (k.family != FlowKey.FAMILY_IPV4) {
            return NOT_A_PROBE;
        }
        // Unsigned: the offset of the source within the prefix; outside it, no probe.
        final long id = Integer.toUnsignedLong(k.srcV4() - healthBase);
        if (id >= healthSize) {
            return NOT_A_PROBE;
        }
        // From a probe address but not TCP/UDP (a fragment, the kernel's ICMP), or for an id with
        // no backend, or to another service's VIP and port (an id that a reload gave to another
        // service's backend while the old checker still probed): never let it out untunnelled nor
        // to another backend. A check port that is no service port is the checker's to choose.
        if (verdict != Verdict.VIP_CANDIDATE || k.fragment || id >= s.tunnels.length || s.tunnels[(int) id] == null) {
            return stats.drop(ForwardDrop.HEALTH_NO_BACKEND);
        }
        final int service = s.vips.find(k);
        if (service != VipTable.NONE && service != s.backendService[(int) id]) {
            return stats.drop(ForwardDrop.HEALTH_NO_BACKEND);
        }
        final int action = encapsulate(m, address, s, (int) id, nowNanos, nowMs);
        if (action == Action.FORWARD) {
            stats.healthProbes++;
            return action;
        }
        if (action == Action.REPLY) {
            // An ICMP too-big for our own kernel: a probe is small, so this is a misconfigured MTU;
            // the checker sees a timeout and the drop says why.
            return stats.drop(ForwardDrop.TOO_BIG);
        }
        return action;
    }

    /** Where the tunnel header is written, for the general path: {@link GreEncapsulator#encapsulate} in the mbuf's headroom. */
    private int encapsulate(
            final long m,
            final long address,
            final DataPlaneSnapshot s,
            final int backend,
            final long nowNanos,
            final long nowMs) {
        final GreTunnel tunnel = s.tunnels[backend];
        final long mac = neighbours.macAcquire(tunnel.family(), nowMs);
        if (mac == 0) {
            return stats.drop(ForwardDrop.NO_NEIGHBOUR);
        }
        final EncapVerdict v = encapsulator.encapsulate(
                ALL, address, c.frameLength, Mbuf.dataOffset(m), c, tunnel, nowNanos, encapResult);
        if (v.isDrop()) {
            return stats.drop(encapDrop(v));
        }
        moveData(m, address, encapResult.dataOffset, encapResult.dataLength);
        if (v == EncapVerdict.ENCAPSULATED) {
            NetworkOrder.putMac(ALL, encapResult.dataOffset, mac);
            stats.encapsulated++;
            return Action.FORWARD;
        }
        // TOO_BIG_ICMP_SENT: the frame is now an ICMP error for the client, back where it came from.
        stats.replies++;
        return Action.REPLY;
    }

    private static ForwardDrop encapDrop(final EncapVerdict v) {
        switch (v) {
            case TOO_BIG_RATE_LIMITED:
                return ForwardDrop.TOO_BIG_RATE_LIMITED;
            case TOO_BIG_DROPPED:
                return ForwardDrop.TOO_BIG;
            case NO_HEADROOM:
                return ForwardDrop.NO_HEADROOM;
            default:
                return ForwardDrop.NOT_HANDLED;
        }
    }

    /** Points the mbuf at a frame that now starts at {@code start} (in its headroom) and has {@code length} bytes. */
    private static void moveData(final long m, final long oldStart, final long start, final int length) {
        if (start < oldStart) {
            Mbuf.prepend(m, (int) (oldStart - start));
        } else if (start > oldStart) {
            Mbuf.adjust(m, (int) (start - oldStart));
        }
        Mbuf.setLength(m, length);
    }

    /** A responder's result: a reply of {@code result} bytes, or minus the reason it made none. */
    private int replied(final long m, final int result, final long nowNanos) {
        if (result <= 0) {
            final int reason = -result;
            if (reason == ForwardDrop.NEIGHBOUR_CONSUMED.id() || reason == ForwardDrop.NOT_HANDLED.id()) {
                return exception.kernelOrDrop(reason, c.key, nowNanos);
            }
            return stats.countDrop(reason);
        }
        if (result != Mbuf.dataLength(m)) {
            Mbuf.setLength(m, result);
        }
        stats.replies++;
        return Action.REPLY;
    }

    /** End of the mbuf's data room: in-place replies may grow the frame up to here. */
    private static long bufferEnd(final long m) {
        return Mbuf.bufferAddress(m) + Mbuf.bufferLength(m);
    }
}
