package io.levitate.forwarder.lb;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.packet.FlowKey;

/**
 * Where a VIP packet's backend is chosen, for both of the worker's paths: the flow's conntrack
 * entry when it has one whose backend is up; else Maglev's choice, remembered for a new flow or
 * rebound for a flow whose backend went down or was removed. Fragments take Maglev's choice on the
 * 3-tuple and no conntrack entry. One per worker, over its own conntrack table.
 */
final class BackendSelector {
    /** The conntrack hash of a key is not known (the table computes it). */
    static final long NO_HASH = 0;

    private final ConntrackTable conntrack;
    private final WorkerStats stats;

    BackendSelector(final WorkerContext context) {
        this.conntrack = context.conntrack;
        this.stats = context.stats;
    }

    /**
     * Conntrack first; Maglev for new flows (remembered) and for flows whose backend went down.
     *
     * @param hash the conntrack hash of {@code k} (IPv4 only), or {@link #NO_HASH}
     * @return the backend id, or -1 when the service has no backend
     */
    int select(final ServiceState state, final FlowKey k, final int tcpFlags, final long nowMs, final long hash) {
        if (k.fragment) {
            // 3-tuple: every fragment of a datagram must reach one backend; no per-flow state.
            return maglev(state, k);
        }
        final int hit = k.family == FlowKey.FAMILY_IPV4
                ? (hash != NO_HASH
                        ? conntrack.lookupV4Hashed(
                                hash, (int) k.srcLo, (int) k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags, nowMs)
                        : conntrack.lookupV4(
                                (int) k.srcLo, (int) k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags, nowMs))
                : conntrack.lookupV6(
                        k.srcHi, k.srcLo, k.dstHi, k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags, nowMs);
        return hit >= 0 ? hit : afterMiss(state, k, tcpFlags, nowMs, hit);
    }

    /**
     * A conntrack lookup that gave no usable backend: Maglev's choice, remembered for a new flow
     * ({@link ConntrackTable#MISS}) or rebound for a flow whose backend went down
     * ({@link ConntrackTable#RESOLVE}); -1 when the service has no backend. The fast path calls it
     * after its own lookup.
     */
    int afterMiss(final ServiceState state, final FlowKey k, final int tcpFlags, final long nowMs, final int hit) {
        final int backend = maglev(state, k);
        if (hit == ConntrackTable.RESOLVE) {
            if (backend >= 0) {
                conntrack.rebindLastHit(backend);
            } else {
                conntrack.removeLastHit();
            }
            return backend;
        }
        if (backend >= 0) {
            remember(state, k, tcpFlags, backend, nowMs);
        }
        return backend;
    }

    private void remember(
            final ServiceState state, final FlowKey k, final int tcpFlags, final int backend, final long nowMs) {
        // A negative result means "forward statelessly" (flood guard, quota): Maglev still agrees.
        if (k.family == FlowKey.FAMILY_IPV4) {
            conntrack.insertV4(
                    (int) k.srcLo,
                    (int) k.dstLo,
                    k.srcPort,
                    k.dstPort,
                    k.protocol,
                    tcpFlags,
                    backend,
                    state.index,
                    nowMs);
        } else {
            conntrack.insertV6(
                    k.srcHi,
                    k.srcLo,
                    k.dstHi,
                    k.dstLo,
                    k.srcPort,
                    k.dstPort,
                    k.protocol,
                    tcpFlags,
                    backend,
                    state.index,
                    nowMs);
        }
        stats.serviceNewFlows[state.index]++;
        stats.backendNewFlows[backend]++;
    }

    private static int maglev(final ServiceState state, final FlowKey k) {
        final int slot = k.family == FlowKey.FAMILY_IPV4
                ? state.table.lookupV4((int) k.srcLo, (int) k.dstLo, k.srcPort, k.dstPort, k.protocol, k.fragment)
                : state.table.lookupV6(
                        k.srcHi, k.srcLo, k.dstHi, k.dstLo, k.srcPort, k.dstPort, k.protocol, k.fragment);
        return slot < 0 ? -1 : state.backendId(slot);
    }
}
