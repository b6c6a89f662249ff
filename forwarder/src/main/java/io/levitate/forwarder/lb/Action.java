package io.levitate.forwarder.lb;

/**
 * What the worker does with a handled mbuf: the value each path returns per packet, and what
 * {@link LoadBalancerAgent#handleReceived} and {@link LoadBalancerAgent#handleOne} report to tests
 * and benchmarks. {@link LoadBalancerAgent}'s poll sorts the burst's mbufs by it.
 */
final class Action {
    static final int DROP = 0;
    /** A tunnel packet, to the peer port. */
    static final int FORWARD = 1;
    /** A reply (ARP, ND, echo, too-big), back out of the receiving port. */
    static final int REPLY = 2;
    /** Not ours, but well-formed: to the kernel through the exception path. */
    static final int KERNEL = 3;
    /** {@link Ipv4FastPath#forward}, {@link Ipv6FastPath#forward}: not the fast path's packet; nothing was changed or counted. */
    static final int GENERAL = -1;

    private Action() {}
}
