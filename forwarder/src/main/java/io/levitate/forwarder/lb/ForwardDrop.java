package io.levitate.forwarder.lb;

/**
 * Why the forwarder (as opposed to the packet parser, see {@link io.levitate.packet.DropReason})
 * dropped or consumed a frame. Ids are stable counter keys: type id 1100 + id in the counters file;
 * they start at 100 so they never collide with the parser's reasons.
 */
public enum ForwardDrop {
    /** IP traffic to an address that is no VIP of a configured service (nor ours to answer). */
    NO_SERVICE(100),
    /** The service has no backend that may take the flow (all down, or all drained with no state). */
    NO_BACKEND(101),
    /** The next hop's MAC is not resolved yet (or expired): nowhere to send the tunnel packet. */
    NO_NEIGHBOUR(102),
    /** The encapsulated packet would exceed the MTU and the inner one may be fragmented (policy: drop). */
    TOO_BIG(103),
    /** Too big, DF set, but the ICMP rate limit is exhausted. */
    TOO_BIG_RATE_LIMITED(104),
    /** Not enough mbuf headroom to prepend the outer headers. */
    NO_HEADROOM(105),
    /** An ICMP error whose quoted packet is not a flow of ours. */
    ICMP_NOT_STEERABLE(106),
    /** Well-formed but not ours to handle (other EtherTypes, protocols, ICMP we do not answer). */
    NOT_HANDLED(107),
    /** ARP/ND that needs no answer (consumed after learning). */
    NEIGHBOUR_CONSUMED(108),
    /** Chained (multi-segment) mbuf: the parser reads one segment only. */
    MULTI_SEGMENT(109),
    /** The TX ring was full. */
    TX_FULL(110),
    /** The exception path's TAP queue toward the kernel was full (the kernel is not reading fast enough). */
    KERNEL_FULL(111),
    /** Traffic for the kernel above the exception path's rate (instance.exception_rate): a flood at the host. */
    KERNEL_RATE_LIMITED(112),
    /** A neighbour-discovery message whose hop limit is not 255: it crossed a router (RFC 4861 sections 6.1, 7.1, 8.1). */
    ND_HOP_LIMIT(113),
    /** A neighbour-discovery message whose ICMPv6 checksum is wrong. */
    ND_BAD_CHECKSUM(114),
    /**
     * A neighbour-discovery message that fails another RFC 4861 validity check (code, ICMP length,
     * options, target, Solicited flag, unspecified or non-link-local source).
     */
    ND_INVALID(115),
    /** ARP or ND naming a link-layer address that is not unicast (broadcast, multicast, zero): never learnt nor answered. */
    NEIGHBOUR_NOT_UNICAST(116),
    /** ARP or ND that would have changed a gateway's MAC under {@code instance.neighbours: static}: not learnt. */
    NEIGHBOUR_STATIC(117),
    /** An ICMP error about a VIP flow addressed to something other than a VIP (our own address): not a backend's. */
    ICMP_NOT_FOR_VIP(118),
    /** A fragment to a VIP whose services take no fragments for its protocol (services[].fragments). */
    FRAGMENT_NO_SERVICE(119),
    /**
     * A frame from the kernel with a source in {@code instance.health_prefix} whose backend id has no
     * backend in the current snapshot (a probe racing a reload), or that is not TCP/UDP to an IPv4 VIP.
     */
    HEALTH_NO_BACKEND(120),
    /** A frame the kernel wrote to a TAP that exists only for health probes (no exception path) and is no probe. */
    HEALTH_TAP_NOT_PROBE(121);

    private final int id;

    ForwardDrop(final int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }
}
