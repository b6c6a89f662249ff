package io.levitate.forwarder.lb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One worker's statistics: counted in plain fields on the packet path, published to the
 * {@code published*} arrays with release stores during housekeeping, and read (acquire) and
 * summed over workers by the control thread, which writes the counters file. So a worker never
 * shares a cache line it writes per packet, and readers never see torn values.
 */
public final class WorkerStats {
    /** Drop/consume reasons by id: the parser's (below 100) and the forwarder's (100 and up). */
    public static final int REASONS = 128;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    // Worker-private running totals.
    final long[] drops = new long[REASONS];
    final long[] servicePackets;
    final long[] serviceBytes;
    final long[] serviceNewFlows;
    final long[] backendPackets;
    final long[] backendBytes;
    final long[] backendNewFlows;
    long rxPackets;
    /** Polls of a data port that returned at least one packet (rx_bursts: rxPackets / rxBursts is the mean burst). */
    long rxBursts;

    long txPackets;
    long encapsulated;
    long replies;
    long toKernel;
    long fromKernel;
    /** Health probes the kernel wrote to a TAP that were tunnelled to their backend ({@link GeneralPath#healthProbe}). */
    long healthProbes;

    // Published copies.
    private final long[] publishedDrops = new long[REASONS];
    private final long[] publishedService;
    private final long[] publishedBackend;
    /** Per backend id, what its earlier backends counted ({@link #rebaseBackend}); control thread writes. */
    private final long[] backendBase;

    private final long[] publishedTotals = new long[7];

    /**
     * The generation of the snapshot the worker had taken when its last complete conntrack sweep
     * began (release store after the sweep, acquire load by the control thread): no entry of its
     * table holds an id removed at or before it ({@link SnapshotBuilder}, id reuse).
     */
    private final java.util.concurrent.atomic.AtomicLong sweptGeneration = new java.util.concurrent.atomic.AtomicLong();

    /** Burst latency (ns from rx to tx of a non-empty burst); wait-free, allocation-free record. */
    public final SingleWriterRecorder burstLatency = new SingleWriterRecorder(1, 10_000_000_000L, 3);

    public WorkerStats(final int maxServices, final int maxBackends) {
        servicePackets = new long[maxServices];
        serviceBytes = new long[maxServices];
        serviceNewFlows = new long[maxServices];
        backendPackets = new long[maxBackends];
        backendBytes = new long[maxBackends];
        backendNewFlows = new long[maxBackends];
        publishedService = new long[maxServices * 3];
        publishedBackend = new long[maxBackends * 3];
        backendBase = new long[maxBackends * 3];
    }

    /** Worker thread: a packet of {@code bytes} IP bytes tunnelled for {@code service} to {@code backend} (both paths). */
    void countTunnelled(final int service, final int backend, final int bytes) {
        servicePackets[service]++;
        serviceBytes[service] += bytes;
        backendPackets[backend]++;
        backendBytes[backend] += bytes;
    }

    /** Worker thread: a drop counted under {@code reason}; returns {@link Action#DROP} for the caller to return. */
    int drop(final ForwardDrop reason) {
        return countDrop(reason.id());
    }

    /** Worker thread: a drop counted under reason id {@code reasonId} (the parser's or the forwarder's). */
    int countDrop(final int reasonId) {
        drops[reasonId]++;
        return Action.DROP;
    }

    /** Worker thread, after a full conntrack sweep that began at snapshot generation {@code generation}. */
    void publishSwept(final long generation) {
        sweptGeneration.setRelease(generation);
    }

    /** Any thread: see {@link #publishSwept}; 0 until the worker's first full sweep. */
    public long sweptGeneration() {
        return sweptGeneration.getAcquire();
    }

    /** Worker thread: makes the running totals visible to readers. */
    void publish() {
        for (int i = 0; i < REASONS; i++) {
            LONGS.setRelease(publishedDrops, i, drops[i]);
        }
        for (int i = 0; i < servicePackets.length; i++) {
            LONGS.setRelease(publishedService, 3 * i, servicePackets[i]);
            LONGS.setRelease(publishedService, 3 * i + 1, serviceBytes[i]);
            LONGS.setRelease(publishedService, 3 * i + 2, serviceNewFlows[i]);
        }
        for (int i = 0; i < backendPackets.length; i++) {
            LONGS.setRelease(publishedBackend, 3 * i, backendPackets[i]);
            LONGS.setRelease(publishedBackend, 3 * i + 1, backendBytes[i]);
            LONGS.setRelease(publishedBackend, 3 * i + 2, backendNewFlows[i]);
        }
        LONGS.setRelease(publishedTotals, 0, rxPackets);
        LONGS.setRelease(publishedTotals, 1, txPackets);
        LONGS.setRelease(publishedTotals, 2, encapsulated);
        LONGS.setRelease(publishedTotals, 3, replies);
        LONGS.setRelease(publishedTotals, 4, toKernel);
        LONGS.setRelease(publishedTotals, 5, fromKernel);
        LONGS.setRelease(publishedTotals, 6, healthProbes);
    }

    public long drop(final int reasonId) {
        return (long) LONGS.getAcquire(publishedDrops, reasonId);
    }

    /** what: 0 packets, 1 bytes, 2 new flows. */
    public long service(final int service, final int what) {
        return (long) LONGS.getAcquire(publishedService, 3 * service + what);
    }

    /** A backend's packets (0), bytes (1) or new flows (2) since its id was last given to a backend. */
    public long backend(final int backend, final int what) {
        return (long) LONGS.getAcquire(publishedBackend, 3 * backend + what)
                - (long) LONGS.getAcquire(backendBase, 3 * backend + what);
    }

    /**
     * Control thread, when backend id {@code backend} is given to a new backend (before the snapshot
     * that does so is published): what the worker counted for the id so far belongs to its old
     * backend. Those counts are final then: the id was removed, so nothing was tunnelled to it since,
     * and the worker published its statistics before the sweep that let the id be reused.
     */
    public void rebaseBackend(final int backend) {
        for (int what = 0; what < 3; what++) {
            LONGS.setRelease(
                    backendBase, 3 * backend + what, (long) LONGS.getAcquire(publishedBackend, 3 * backend + what));
        }
    }

    public long rxPackets() {
        return (long) LONGS.getAcquire(publishedTotals, 0);
    }

    public long txPackets() {
        return (long) LONGS.getAcquire(publishedTotals, 1);
    }

    public long encapsulatedPackets() {
        return (long) LONGS.getAcquire(publishedTotals, 2);
    }

    public long replyPackets() {
        return (long) LONGS.getAcquire(publishedTotals, 3);
    }

    /** Packets handed to the kernel through the exception path. */
    public long toKernelPackets() {
        return (long) LONGS.getAcquire(publishedTotals, 4);
    }

    /** Packets from the kernel's exception interface sent out of the data port. */
    public long fromKernelPackets() {
        return (long) LONGS.getAcquire(publishedTotals, 5);
    }

    /** Health probes from the kernel tunnelled to their backend (health_check.via: tunnel). */
    public long healthProbePackets() {
        return (long) LONGS.getAcquire(publishedTotals, 6);
    }
}
