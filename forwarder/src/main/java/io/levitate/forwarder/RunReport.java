package io.levitate.forwarder;

import io.levitate.dpdk.EthDev;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.ForwardDrop;
import io.levitate.forwarder.lb.ServiceState;
import io.levitate.forwarder.lb.WorkerStats;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.packet.DropReason;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * What {@code levitate run} prints about the workers' traffic: the {@code --stats-interval} line
 * and the summary at exit. Read on the control thread from what the workers publish (their
 * counters and statistics), never from a worker's private state.
 *
 * <p>Apart from {@link ControlAgent} because it is output formatting, not control: the agent
 * decides when, this class what.
 */
final class RunReport {
    private RunReport() {}

    static void printRates(
            final DataPlane dataPlane,
            final long[] lastRx,
            final long[] lastTx,
            final long elapsedNanos,
            final PrintStream out) {
        final StringBuilder sb = new StringBuilder("levitate: stats:");
        final List<WorkerStats> lb = dataPlane.workerStats();
        for (int w = 0; w < dataPlane.workerCount(); w++) {
            final WorkerCounters c = dataPlane.workerCounters(w);
            final long rx = c.rxPackets.get();
            final long tx = c.txPackets.get();
            sb.append(String.format(
                    Locale.ROOT,
                    " w%d rx %d tx %d drop %s (rx %.3f Mpps, tx %.3f Mpps);",
                    w,
                    rx,
                    tx,
                    w < lb.size() ? drops(lb.get(w)) : drops(c.txDropped.get()),
                    (rx - lastRx[w]) * 1e3 / elapsedNanos,
                    (tx - lastTx[w]) * 1e3 / elapsedNanos));
            lastRx[w] = rx;
            lastTx[w] = tx;
        }
        out.println(sb);
    }

    /** Reasons the stats line names after a worker's drop total: the largest few. */
    static final int TOP_DROP_REASONS = 3;

    /**
     * A load-balancing worker's drops for the stats line: the sum over every reason (parser's and
     * forwarder's, as the counters file has them), then the largest {@link #TOP_DROP_REASONS} by
     * count, named as in the counters, e.g. {@code 14 [no_service=10 bad_ihl=3 neighbour_consumed=1]}.
     */
    static String drops(final WorkerStats stats) {
        final long[] counts = new long[WorkerStats.REASONS];
        long total = 0;
        for (int id = 0; id < counts.length; id++) {
            counts[id] = stats.drop(id);
            total += counts[id];
        }
        final StringBuilder sb = new StringBuilder(Long.toString(total));
        String separator = " [";
        for (int k = 0; k < TOP_DROP_REASONS; k++) {
            int largest = -1;
            for (int id = 0; id < counts.length; id++) {
                if (counts[id] > 0 && (largest < 0 || counts[id] > counts[largest])) {
                    largest = id;
                }
            }
            if (largest < 0) {
                break;
            }
            sb.append(separator).append(reasonName(largest)).append('=').append(counts[largest]);
            separator = " ";
            counts[largest] = 0;
        }
        return total > 0 ? sb.append(']').toString() : sb.toString();
    }

    /** An L2 worker's drops: the TX ring's refusals are the only reason it has. */
    static String drops(final long txFull) {
        return txFull > 0 ? txFull + " [" + reasonName(ForwardDrop.TX_FULL.id()) + "=" + txFull + "]" : "0";
    }

    /** A drop reason's name as the counters file gives it (lower-case enum name), by its id. */
    static String reasonName(final int id) {
        for (final DropReason r : DropReason.values()) {
            if (r != DropReason.NONE && r.id() == id) {
                return r.name().toLowerCase(Locale.ROOT);
            }
        }
        for (final ForwardDrop r : ForwardDrop.values()) {
            if (r.id() == id) {
                return r.name().toLowerCase(Locale.ROOT);
            }
        }
        return "reason_" + id;
    }

    static void printSummary(final DataPlane dataPlane, final PrintStream out) {
        for (int w = 0; w < dataPlane.workerCount(); w++) {
            final WorkerCounters c = dataPlane.workerCounters(w);
            out.printf(
                    Locale.ROOT,
                    "levitate: worker %d: rx %d tx %d tx-dropped %d bursts %d%n",
                    w,
                    c.rxPackets.get(),
                    c.txPackets.get(),
                    c.txDropped.get(),
                    c.rxBursts.get());
        }
        printLoadBalancerSummary(dataPlane, out);
        for (final DataPlane.PortState port : dataPlane.ports()) {
            final EthDev.Stats s = EthDev.stats(port.id());
            out.printf(
                    Locale.ROOT,
                    "levitate: port %d %s: ipackets %d opackets %d ibytes %d obytes %d imissed %d "
                            + "ierrors %d oerrors %d rx_nombuf %d%n",
                    port.id(),
                    port.spec().deviceName(),
                    s.ipackets(),
                    s.opackets(),
                    s.ibytes(),
                    s.obytes(),
                    s.imissed(),
                    s.ierrors(),
                    s.oerrors(),
                    s.rxNoMbuf());
        }
    }

    /** Per-worker verdicts, drops by reason, per service and backend figures (LB mode only). */
    private static void printLoadBalancerSummary(final DataPlane dataPlane, final PrintStream out) {
        final List<WorkerStats> all = dataPlane.workerStats();
        for (int w = 0; w < all.size(); w++) {
            final WorkerStats stats = all.get(w);
            final StringBuilder sb = new StringBuilder(String.format(
                    Locale.ROOT,
                    "levitate: worker %d lb: rx %d tx %d encapsulated %d replies %d drops:",
                    w,
                    stats.rxPackets(),
                    stats.txPackets(),
                    stats.encapsulatedPackets(),
                    stats.replyPackets()));
            for (final DropReason r : DropReason.values()) {
                if (r != DropReason.NONE && stats.drop(r.id()) > 0) {
                    sb.append(' ')
                            .append(r.name().toLowerCase(Locale.ROOT))
                            .append('=')
                            .append(stats.drop(r.id()));
                }
            }
            for (final ForwardDrop r : ForwardDrop.values()) {
                if (stats.drop(r.id()) > 0) {
                    sb.append(' ')
                            .append(r.name().toLowerCase(Locale.ROOT))
                            .append('=')
                            .append(stats.drop(r.id()));
                }
            }
            out.println(sb);
        }
        final DataPlaneSnapshot snapshot = dataPlane.snapshot();
        if (snapshot == null) {
            return;
        }
        for (final ServiceState service : snapshot.services()) {
            long packets = 0;
            long flows = 0;
            for (final WorkerStats stats : all) {
                packets += stats.service(service.index, 0);
                flows += stats.service(service.index, 2);
            }
            out.printf(Locale.ROOT, "levitate: service %s: packets %d new-flows %d%n", service.name, packets, flows);
        }
        for (int id = 0; id < snapshot.backendCount(); id++) {
            long packets = 0;
            long flows = 0;
            for (final WorkerStats stats : all) {
                packets += stats.backend(id, 0);
                flows += stats.backend(id, 2);
            }
            out.printf(
                    Locale.ROOT,
                    "levitate: backend %s: packets %d new-flows %d%n",
                    snapshot.backendName(id),
                    packets,
                    flows);
        }
    }
}
