package io.levitate.forwarder.lb;

import io.levitate.dpdk.EthDev;
import io.levitate.dpdk.Mbuf;
import io.levitate.dpdk.NativeMemory;
import io.levitate.gre.TokenBucket;
import io.levitate.packet.FlowKey;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.ip.Ipv6Flyweight;

/**
 * The exception path ({@code instance.exception_path: tap}): frames that parse but are not the
 * data plane's and belong to the host (BGP, SSH, the kernel's own ARP and ND) go to the kernel
 * through the receiving port's TAP, at most {@code instance.exception_rate} a second (a {@link
 * TokenBucket}, bursts of a tenth of a second); whatever the kernel writes to the TAP leaves by the
 * data port as is. Without a TAP on the port, or for traffic that is not the host's, the frame is
 * a drop counted by reason. One per worker; only its worker calls it.
 *
 * <p><b>Health probes through the tunnel</b> ({@code instance.health_prefix}, {@code
 * health_check.via: tunnel}) travel here too, both ways, and nowhere else: the checker's sockets
 * are bound to the backend's address in the prefix and connect to the VIP, the kernel routes them
 * into a TAP, and {@link #fromKernel} has {@link GeneralPath#healthProbe} tunnel each to its backend
 * (by source address, not Maglev, no conntrack). The backend answers the probe address, which the
 * network routes back to this machine; {@link #forKernel} hands those answers to the kernel. On a
 * kernel-homed machine (no exception path: the kernel owns the port's address and sees every frame
 * itself) the TAPs exist for the probes alone ({@code hostTraffic} false): nothing else is taken
 * from them or handed to them, and the answers reach the kernel by its own port.
 */
final class ExceptionPath {
    private static final long POINTER = 8;

    private final int queue;
    private final int burst;
    /** By port position: the data port, and the DPDK port of its TAP or -1. */
    private final int[] ports;

    private final int[] taps;
    /** Off-heap array of {@link #burst} mbuf pointers to and from the kernel. */
    private final long kernel;

    private final Neighbours neighbours;
    private final WorkerStats stats;
    private final TokenBucket tokens;
    private final int[] peers;
    private final boolean hostTraffic;
    private final int healthBase;
    private final int healthSize;
    /** The TAP of the port being polled ({@link #usePort}), or -1. */
    private int tap = -1;

    ExceptionPath(final WorkerContext context) {
        this.queue = context.queue;
        this.burst = context.burst;
        this.ports = context.ports.clone();
        this.taps = context.exceptionPorts.clone();
        this.kernel = context.kernel;
        this.neighbours = context.neighbours;
        this.stats = context.stats;
        this.peers = context.peers.clone();
        this.hostTraffic = context.hostTraffic;
        this.healthBase = context.healthBase;
        this.healthSize = context.healthSize;
        // A burst of up to a tenth of a second's worth (at least one rx burst's), so a BGP table
        // dump or an SSH burst passes while a flood is cut to the rate.
        this.tokens = new TokenBucket(context.exceptionRate, Math.max(context.burst, context.exceptionRate / 10));
    }

    /** Frames of port {@code portIndex} are being handled from now on; its TAP, or -1. */
    int usePort(final int portIndex) {
        tap = taps[portIndex];
        return tap;
    }

    /**
     * Traffic that parses but is not the data plane's (not a VIP; ARP/ND the responder only learnt
     * from; protocols it does not answer): the kernel's with the exception path, else a drop
     * counted under {@code reason}.
     */
    int notOurs(final ForwardDrop reason, final FlowKey k, final long nowNanos) {
        return kernelOrDrop(reason.id(), k, nowNanos);
    }

    /**
     * {@link Action#KERNEL} when this port has an exception path, the frame (key {@code k}) is the
     * kernel's ({@link #forKernel}) and the rate limit allows; else a drop counted under {@code
     * reasonId} (or {@code kernel_rate_limited}).
     */
    int kernelOrDrop(final int reasonId, final FlowKey k, final long nowNanos) {
        if (tap >= 0 && hostTraffic && forKernel(k)) {
            if (tokens.tryAcquire(nowNanos)) {
                return Action.KERNEL;
            }
            return stats.drop(ForwardDrop.KERNEL_RATE_LIMITED);
        }
        return stats.countDrop(reasonId);
    }

    /**
     * Whether a frame that is not the data plane's belongs to the kernel: not IP (ARP, LLDP, ...),
     * or IP addressed to the host (our addresses, the health prefix's addresses where the answers to
     * health probes through the tunnel arrive, broadcast, multicast, IPv6 link-local). IP
     * traffic to other addresses (scans, a VIP's ports without a service) stays a counted drop:
     * handing it over would cost a system call per packet and let the kernel route it.
     */
    private boolean forKernel(final FlowKey k) {
        if (k.family == FlowKey.FAMILY_IPV4) {
            final int dst = k.dstV4();
            return (neighbours.hasV4 && dst == neighbours.ourV4)
                    || Integer.toUnsignedLong(dst - healthBase) < healthSize
                    || Ipv4Flyweight.isMulticastOrBroadcast(dst);
        }
        if (k.family == FlowKey.FAMILY_IPV6) {
            return (neighbours.hasV6 && k.dstHi == neighbours.ourV6Hi && k.dstLo == neighbours.ourV6Lo)
                    || Ipv6Flyweight.isMulticast(k.dstHi)
                    || Ipv6Flyweight.isLinkLocal(k.dstHi);
        }
        return true;
    }

    /**
     * Hands {@code count} frames (from the kernel array) to port {@code portIndex}'s TAP; not
     * counted as tx (they do not leave the machine).
     */
    void toKernel(final int portIndex, final int count) {
        final int sent = EthDev.txBurst(taps[portIndex], queue, kernel, count);
        if (sent < count) {
            Mbuf.freeBulk(kernel + sent * POINTER, count - sent);
            stats.drops[ForwardDrop.KERNEL_FULL.id()] += count - sent;
        }
        stats.toKernel += sent;
    }

    /**
     * The kernel's side: what it wrote to port {@code portIndex}'s TAP. Health probes (with a
     * health prefix) are tunnelled to their backend out of the peer port, one transmit each (a
     * few a second); the rest (BGP, SSH, its ARP and ND) leaves through the data port untouched,
     * or, on a TAP that exists only for the probes, is dropped and counted.
     *
     * @return the frames received from the TAP
     */
    int fromKernel(
            final int portIndex,
            final GeneralPath general,
            final DataPlaneSnapshot s,
            final long nowNanos,
            final long nowMs) {
        final int from = taps[portIndex];
        if (from < 0) {
            return 0;
        }
        final int received = EthDev.rxBurst(from, queue, kernel, burst);
        if (received == 0) {
            return 0;
        }
        int passed = received;
        if (healthSize > 0) {
            // Compacts the frames that leave as they are to the front of the array; slot i is
            // read before anything is written at or after slot passed (<= i).
            passed = 0;
            for (int i = 0; i < received; i++) {
                final long slot = kernel + i * POINTER;
                final long m = NativeMemory.getLong(slot);
                final int action = general.healthProbe(m, s, healthBase, healthSize, nowNanos, nowMs);
                if (action == Action.FORWARD) {
                    LoadBalancerAgent.transmit(ports[peers[portIndex]], queue, slot, 1, stats);
                } else if (action == Action.DROP) {
                    Mbuf.free(m);
                } else if (!hostTraffic) {
                    stats.drops[ForwardDrop.HEALTH_TAP_NOT_PROBE.id()]++;
                    Mbuf.free(m);
                } else {
                    NativeMemory.putLong(kernel + passed * POINTER, m);
                    passed++;
                }
            }
        }
        if (passed > 0) {
            stats.fromKernel += passed;
            LoadBalancerAgent.transmit(ports[portIndex], queue, kernel, passed, stats);
        }
        return received;
    }
}
