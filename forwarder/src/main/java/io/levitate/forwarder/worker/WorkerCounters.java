package io.levitate.forwarder.worker;

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
public final class WorkerCounters
{
    /** Counter type ids, stable so tools can find counters by type (Aeron's convention). */
    public static final int TYPE_RX_PACKETS = 1001;
    public static final int TYPE_TX_PACKETS = 1002;
    public static final int TYPE_TX_DROPPED = 1003;
    public static final int TYPE_RX_BURSTS = 1004;
    public static final int TYPE_HEARTBEAT = 1005;

    public final AtomicCounter rxPackets;
    public final AtomicCounter txPackets;
    /** Packets the TX ring did not take (ring full); freed, never retried. */
    public final AtomicCounter txDropped;
    /** Polls that returned at least one packet. */
    public final AtomicCounter rxBursts;
    /** Epoch milliseconds of the worker's last housekeeping pass: a stalled worker stops it. */
    public final AtomicCounter heartbeat;

    public WorkerCounters(final CountersManager counters, final int worker)
    {
        final String prefix = "worker " + worker + ": ";
        rxPackets = counters.newCounter(prefix + "rx packets", TYPE_RX_PACKETS);
        txPackets = counters.newCounter(prefix + "tx packets", TYPE_TX_PACKETS);
        txDropped = counters.newCounter(prefix + "tx dropped (ring full)", TYPE_TX_DROPPED);
        rxBursts = counters.newCounter(prefix + "rx bursts", TYPE_RX_BURSTS);
        heartbeat = counters.newCounter(prefix + "heartbeat (epoch ms)", TYPE_HEARTBEAT);
    }
}
