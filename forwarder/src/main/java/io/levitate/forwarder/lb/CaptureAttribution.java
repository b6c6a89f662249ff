package io.levitate.forwarder.lb;

import static io.levitate.packet.NetworkOrder.ALL;

import io.levitate.dpdk.Mbuf;
import io.levitate.gre.GreTunnel;
import io.levitate.packet.Classification;
import io.levitate.packet.FlowKey;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.Verdict;
import io.levitate.packet.transport.GreFlyweight;
import java.util.Arrays;

/**
 * While a capture runs, what a captured frame's comment says beyond its verdict: why it was
 * dropped, and which service and backend a tunnelled packet went to. The paths record none of it
 * (with no capture running, the worker pays nothing per packet for captures); this works it out
 * afterwards, on the capturing worker only, from what the paths leave behind anyway:
 *
 * <ul>
 *   <li>the drop reason: each drop verdict adds one to exactly one reason counter of the worker's
 *       {@link WorkerStats#drops}, so the reason is the index where those counts now differ from a
 *       copy taken at the start of the burst and brought up to date after each drop ({@link
 *       Arrays#mismatch}, a vectorised compare of 128 longs);
 *   <li>the service: the VIP, port and protocol of the frame as received ({@link #received}),
 *       looked up in the snapshot the worker used, as the general path does ({@link
 *       VipTable#serviceFor});
 *   <li>the backend: the tunnel the sent frame carries (outer destination and GRE key) among that
 *       service's backends; if the service is unknown (an ICMP error steered to a flow's backend),
 *       among every backend, and the service is then the backend's.
 * </ul>
 *
 * <p>Two backends of one service on the same address and key cannot be told apart on the wire;
 * the first is named. Nothing here allocates: classifiers and flyweights are re-pointed.
 */
final class CaptureAttribution {
    private final PacketClassifier classifier = new PacketClassifier();
    private final Classification asReceived = new Classification();
    private final Classification asSent = new Classification();
    private final GreFlyweight gre = new GreFlyweight();
    private final long[] dropsSeen = new long[WorkerStats.REASONS];
    private boolean receivedValid;

    /** The last {@link #attributeTunnel}'s result: the service index and backend id, or -1. */
    int service;

    int backend;

    /** Start of a captured burst: the worker's drop counts as they stand. */
    void startBurst(final WorkerStats stats) {
        System.arraycopy(stats.drops, 0, dropsSeen, 0, dropsSeen.length);
    }

    /**
     * After a packet with a drop verdict (every one, captured or not, so the copy stays exact): the
     * reason it was counted under, or -1 if no count moved.
     */
    int droppedFor(final WorkerStats stats) {
        final int reason = Arrays.mismatch(stats.drops, dropsSeen);
        if (reason >= 0) {
            dropsSeen[reason] = stats.drops[reason];
        }
        return reason;
    }

    /** Before a captured packet is handled (the paths rewrite the frame in place): its flow as received. */
    void received(final long m) {
        receivedValid =
                classifier.classify(ALL, Mbuf.dataAddress(m), Mbuf.dataLength(m), asReceived) != Verdict.MALFORMED;
    }

    /**
     * After a captured packet was tunnelled: sets {@link #service} and {@link #backend} from the
     * flow {@link #received} saw and the tunnel of the frame now in {@code m}.
     */
    void attributeTunnel(final long m, final DataPlaneSnapshot s) {
        service = -1;
        backend = -1;
        if (classifier.classify(ALL, Mbuf.dataAddress(m), Mbuf.dataLength(m), asSent) == Verdict.MALFORMED
                || asSent.key.protocol != IpProtocols.GRE
                || asSent.l4Offset < 0) {
            return;
        }
        final GreFlyweight g = gre.wrap(ALL, asSent.l4Offset, asSent.l4Length);
        final boolean keyed = asSent.l4Length >= GreFlyweight.BASE_LENGTH + Integer.BYTES && g.hasKey();
        final int key = keyed ? g.key() : 0;
        final int candidate = receivedValid ? s.vips.serviceFor(asReceived.key) : VipTable.NONE;
        if (candidate != VipTable.NONE && candidate < s.services.length) {
            final int[] ids = s.services[candidate].backendIds;
            for (final int id : ids) {
                if (carries(s.tunnels[id], keyed, key)) {
                    service = candidate;
                    backend = id;
                    return;
                }
            }
        }
        for (int id = 0; id < s.tunnels.length; id++) {
            if (s.tunnels[id] != null && carries(s.tunnels[id], keyed, key)) {
                backend = id;
                service = s.backendService(id);
                return;
            }
        }
    }

    private boolean carries(final GreTunnel t, final boolean keyed, final int key) {
        final FlowKey outer = asSent.key;
        if (t == null || t.family() != outer.family || t.keyed() != keyed || (keyed && t.key() != key)) {
            return false;
        }
        return outer.family == FlowKey.FAMILY_IPV4
                ? (t.destinationV4() & 0xFFFF_FFFFL) == outer.dstLo
                : t.destinationV6Hi() == outer.dstHi && t.destinationV6Lo() == outer.dstLo;
    }
}
