package io.levitate.forwarder.worker;

import io.levitate.core.counters.CountersLayout;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * One worker's counters, allocated in the process's Agrona counters buffer so another thread (the
 * stats printer today, {@code levitate stat} over the counters file later) reads them without
 * disturbing the worker.
 *
 * <p>Single writer: the worker adds with plain reads and release stores ({@code getAndAddRelease}),
 * once per burst, never per packet; readers use acquire/opaque reads.
 */
public final class WorkerCounters {
    public final AtomicCounter rxPackets;
    public final AtomicCounter txPackets;
    /** Packets the TX ring did not take (ring full); freed, never retried. */
    public final AtomicCounter txDropped;
    /** Polls that returned at least one packet. */
    public final AtomicCounter rxBursts;
    /** Epoch milliseconds of the worker's last housekeeping pass: a stalled worker stops it. */
    public final AtomicCounter heartbeat;

    public WorkerCounters(final CountersManager counters, final int worker) {
        final String prefix = "worker " + worker + ": ";
        rxPackets = newCounter(counters, worker, prefix + "rx packets", CountersLayout.TYPE_WORKER_RX_PACKETS);
        txPackets = newCounter(counters, worker, prefix + "tx packets", CountersLayout.TYPE_WORKER_TX_PACKETS);
        txDropped =
                newCounter(counters, worker, prefix + "tx dropped (ring full)", CountersLayout.TYPE_WORKER_TX_DROPPED);
        rxBursts = newCounter(counters, worker, prefix + "rx bursts", CountersLayout.TYPE_WORKER_RX_BURSTS);
        heartbeat = newCounter(counters, worker, prefix + "heartbeat (epoch ms)", CountersLayout.TYPE_WORKER_HEARTBEAT);
    }

    /** A counter keyed by the worker index (int32 at key offset 0, docs/COUNTERS.md). */
    public static AtomicCounter newCounter(
            final CountersManager counters, final int worker, final String label, final int type) {
        return counters.newCounter(label, type, key -> key.putInt(0, worker));
    }
}
