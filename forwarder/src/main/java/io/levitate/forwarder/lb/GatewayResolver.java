package io.levitate.forwarder.lb;

import static io.levitate.packet.NetworkOrder.ALL;

import io.levitate.dpdk.Mbuf;
import io.levitate.dpdk.NativeMemory;

/**
 * Worker 0's part in learning the gateways' MACs ({@link Neighbours}): from housekeeping, at most
 * every {@link Neighbours#RETRY_MS}, an ARP request or neighbour solicitation for each gateway
 * whose MAC is unknown or due for refresh, sent out of the port tunnel packets leave by (the first
 * port's peer). The replies are learnt by whichever worker receives them ({@link ControlResponder}).
 */
final class GatewayResolver {
    private final long pool;
    private final int queue;
    private final long tx;
    private final int port;
    private final ControlResponder out;
    private final Neighbours neighbours;
    private final WorkerStats stats;
    private long nextRequestMs;

    GatewayResolver(final WorkerContext context) {
        this.pool = context.pool;
        this.queue = context.queue;
        this.tx = context.tx;
        this.port = context.ports[context.peers[0]];
        this.out = context.responders[context.peers[0]];
        this.neighbours = context.neighbours;
        this.stats = context.stats;
    }

    /** Sends the requests that are due; worker 0's housekeeping calls it (the tx array is free then). */
    void resolve(final long nowMs) {
        if (nowMs < nextRequestMs) {
            return;
        }
        nextRequestMs = nowMs + Neighbours.RETRY_MS;
        if (neighbours.needsRequest(4, nowMs) && neighbours.hasV4) {
            sendRequest(true);
        }
        if (neighbours.needsRequest(6, nowMs) && neighbours.hasV6) {
            sendRequest(false);
        }
    }

    private void sendRequest(final boolean v4) {
        final long m = Mbuf.alloc(pool);
        if (m == 0) {
            return;
        }
        final long frame = Mbuf.dataAddress(m);
        final int length = v4 ? out.arpRequest(ALL, frame) : out.neighbourSolicitation(ALL, frame);
        Mbuf.setLength(m, length);
        NativeMemory.putLong(tx, m);
        LoadBalancerAgent.transmit(port, queue, tx, 1, stats);
    }
}
