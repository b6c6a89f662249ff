package io.levitate.forwarder.lb;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.dpdk.EthDev;
import io.levitate.dpdk.Mbuf;
import io.levitate.dpdk.NativeMemory;
import io.levitate.dpdk.Prefetch;
import io.levitate.forwarder.capture.CaptureSlot;
import io.levitate.forwarder.capture.CaptureTap;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.worker.WorkerStartup;
import io.levitate.gre.GreEncapsulator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.Agent;

/**
 * A load-balancing worker: one core, queue {@code queue} of every port ({@link WorkerContext}).
 * Ports pair like the L2 mode's: tunnel packets for traffic received on a port leave on its peer
 * (two-armed: a client-facing and a backend-facing NIC), or on the same port when it has no peer
 * (one-armed); replies (ARP, ND, echo, too-big) always leave on the port they answer.
 *
 * <p>This class is the duty cycle and the prefetch schedule. Per cycle: acquire the newest
 * {@link DataPlaneSnapshot}; per port, rx; hash the burst's flows and prefetch each packet's
 * conntrack lines a few packets ahead of it ({@link #handleBurst}); per packet, the
 * {@link Ipv4FastPath} or {@link Ipv6FastPath} for the common case (untagged IPv4 or IPv6 TCP/UDP
 * to a VIP, doing exactly what the general path does for it), else the {@link GeneralPath} (classify; VIP traffic, ARP/ND, ICMP,
 * the {@link ExceptionPath}); both choose backends through one {@link BackendSelector}. Then one
 * tx burst per port, the kernel's frames to its TAP and back, and one bulk free of the drops.
 * Housekeeping every 2^10 cycles: conntrack expiry slice, statistics publication, heartbeat, and
 * (worker 0) gateway resolution ({@link GatewayResolver}). Nothing on this path allocates, locks
 * or throws.
 */
public final class LoadBalancerAgent implements Agent {
    private static final int HOUSEKEEPING_MASK = (1 << 10) - 1;
    /** Conntrack entries examined per housekeeping pass: a 1 M table is swept in ~0.5 s. */
    private static final int EXPIRY_SLICE = 2048;

    private static final long POINTER = 8;
    /**
     * {@link #handleBurst}: packets per prefetch call (a call costs about 4 ns), and how many places
     * ahead a packet's records and its tag lines are prefetched. A record needs its tag lines, so
     * they go one group earlier. Farther (8/16 places) or closer (2/4) measured no better at 1 M
     * flows.
     */
    private static final int GROUP = 4;

    private static final int RECORDS_AHEAD = 4;
    private static final int TAGS_AHEAD = RECORDS_AHEAD + GROUP;
    /**
     * Most lines one {@link Prefetch} call of {@link #handleBurst} names: the prologue's tag lines
     * (up to 2 per packet, {@link #TAGS_AHEAD} packets), or a group's tag lines and records (2 + 2
     * per packet: an IPv6 record's cold line too). The stages check it ({@link #prefetchLines}).
     */
    private static final int LINES_CAPACITY = Math.max(2 * TAGS_AHEAD, 4 * GROUP);

    private static final long NO_HASH = BackendSelector.NO_HASH;

    private final int worker;
    private final int cpu;
    private final int queue;
    private final int burst;
    private final int[] ports;
    /** Position (in {@link #ports}) of the port tunnel packets leave on, per receiving port. */
    private final int[] peers;
    /** Off-heap arrays of {@code burst} mbuf pointers (see {@link WorkerContext}). */
    private final long rx;

    private final long tx;
    private final long replies;
    private final long drop;
    private final long kernel;
    private final AtomicReference<DataPlaneSnapshot> published;
    private final ConntrackTable conntrack;
    /** Questions of the control side about this worker's conntrack table, answered in housekeeping. */
    private final ConntrackMailbox mailbox = new ConntrackMailbox();
    /** By port position: each port has its own MAC. */
    private final GreEncapsulator[] encapsulators;

    private final ControlResponder[] responders;
    private final WorkerStats stats;
    private final WorkerCounters counters;
    private final WorkerStartup startup;
    /** Where a running capture installs this worker's tap ({@link #handleBurst}); read once per burst. */
    private final CaptureSlot capture;
    /** Labels captured frames (drop reason, service, backend) while a capture runs. */
    private final CaptureAttribution attribution = new CaptureAttribution();

    private final Ipv4FastPath fastPath;
    private final Ipv6FastPath fastPath6;
    private final GeneralPath generalPath;
    private final ExceptionPath exceptionPath;
    /** instance.health_prefix (for {@link #healthProbeOne}; the exception path has its own copy). */
    private final int healthBase;

    private final int healthSize;
    /** Worker 0's, else null. */
    private final GatewayResolver gateways;

    /** Off-heap array of line addresses for {@link Prefetch}, and its memory. */
    private final MemorySegment lineArray;

    private final long lines;
    /** {@link #handleBurst}: the action of each packet of the burst. */
    private final int[] actions;
    /** {@link Ipv4FastPath#flowHash} or {@link Ipv6FastPath#flowHash} of each packet of the burst being handled. */
    private final long[] hashes;
    /** Whether each packet's hash is {@link Ipv6FastPath#flowHash}'s: the burst loop then calls {@link #dispatch6}. */
    private final boolean[] ipv6;
    /**
     * {@link ConntrackTable#recordToPrefetch} of each packet of the burst (0: none), as the record
     * stage found it: the fast path's lookup starts there ({@link ConntrackTable#lookupV4Hinted}).
     */
    private final long[] records;

    private long burstPackets;
    private long tagStagePackets;
    private long recordStagePackets;
    private DataPlaneSnapshot snapshot;
    /**
     * Generation of the snapshot in force when the current conntrack sweep began. When the sweep
     * completes it is published ({@link WorkerStats#publishSwept}): the table then holds no id that
     * snapshot marked removed, since the sweep frees such entries and, from that snapshot on, no
     * Maglev choice (insert, rebind) names such an id. The control thread reuses an id only once
     * every worker has published the generation that removed it or a later one ({@link SnapshotBuilder}).
     */
    private long sweepFrom;

    private int cycles;

    public LoadBalancerAgent(final WorkerContext context) {
        this.worker = context.worker;
        this.cpu = context.cpu;
        this.queue = context.queue;
        this.burst = context.burst;
        this.ports = context.ports.clone();
        this.peers = context.peers.clone();
        this.rx = context.rx;
        this.tx = context.tx;
        this.replies = context.replies;
        this.drop = context.drop;
        this.kernel = context.kernel;
        this.published = context.published;
        this.conntrack = context.conntrack;
        this.encapsulators = context.encapsulators.clone();
        this.responders = context.responders.clone();
        this.stats = context.stats;
        this.counters = context.counters;
        this.startup = context.startup;
        this.capture = context.capture;
        final BackendSelector backends = new BackendSelector(context);
        this.fastPath = new Ipv4FastPath(context, backends);
        this.fastPath6 = new Ipv6FastPath(context, backends);
        this.exceptionPath = new ExceptionPath(context);
        this.healthBase = context.healthBase;
        this.healthSize = context.healthSize;
        this.generalPath = new GeneralPath(context, backends, exceptionPath);
        this.gateways = worker == 0 ? new GatewayResolver(context) : null;
        this.hashes = new long[burst];
        this.ipv6 = new boolean[burst];
        this.records = new long[burst];
        this.actions = new int[burst];
        this.lineArray = Arena.ofAuto().allocate(POINTER * LINES_CAPACITY, 64);
        this.lines = lineArray.address();
    }

    @Override
    public void onStart() {
        startup.enterWorkerThread(cpu, counters);
    }

    @Override
    public int doWork() {
        final long nowNanos = System.nanoTime();
        final long nowMs = nowNanos / 1_000_000;
        final DataPlaneSnapshot s = acquireSnapshot();
        int work = 0;
        for (int i = 0; i < ports.length; i++) {
            // Tunnel packets carry the outgoing port's MAC; replies the receiving port's.
            final GreEncapsulator outgoing = encapsulators[peers[i]];
            fastPath.usePort(outgoing);
            fastPath6.usePort(outgoing);
            generalPath.usePort(outgoing, responders[i]);
            final int tap = exceptionPath.usePort(i);
            work += poll(i, ports[i], ports[peers[i]], s, nowNanos, nowMs);
            if (tap >= 0) {
                work += exceptionPath.fromKernel(i, generalPath, s, nowNanos, nowMs);
            }
        }
        if ((++cycles & HOUSEKEEPING_MASK) == 0) {
            housekeeping(nowMs);
        }
        return work;
    }

    /** The newest published snapshot; conntrack takes its backend states when it is new. */
    private DataPlaneSnapshot acquireSnapshot() {
        final DataPlaneSnapshot s = published.getAcquire();
        if (s != snapshot) {
            snapshot = s;
            conntrack.backendStates(s.backendStates);
        }
        return s;
    }

    private int poll(
            final int portIndex,
            final int port,
            final int outPort,
            final DataPlaneSnapshot s,
            final long nowNanos,
            final long nowMs) {
        final int received = EthDev.rxBurst(port, queue, rx, burst);
        if (received == 0) {
            return 0;
        }
        stats.rxBursts++;
        int sends = 0;
        int answers = 0;
        int drops = 0;
        int toKernel = 0;
        handleBurst(rx, received, s, nowNanos, nowMs);
        for (int i = 0; i < received; i++) {
            final long m = NativeMemory.getLong(rx + i * POINTER);
            final int action = actions[i];
            if (action == Action.FORWARD) {
                NativeMemory.putLong(tx + sends++ * POINTER, m);
            } else if (action == Action.REPLY) {
                NativeMemory.putLong(replies + answers++ * POINTER, m);
            } else if (action == Action.KERNEL) {
                NativeMemory.putLong(kernel + toKernel++ * POINTER, m);
            } else {
                NativeMemory.putLong(drop + drops++ * POINTER, m);
            }
        }
        transmit(outPort, queue, tx, sends, stats);
        transmit(port, queue, replies, answers, stats);
        if (toKernel > 0) {
            exceptionPath.toKernel(portIndex, toKernel);
        }
        if (drops > 0) {
            Mbuf.freeBulk(drop, drops);
        }
        stats.rxPackets += received;
        stats.burstLatency.recordValue(System.nanoTime() - nowNanos);
        return received;
    }

    /**
     * A burst of {@code count} mbufs (pointers at {@code mbufs}) handled into {@link #actions},
     * software-pipelined: first each packet's flow hash ({@link Ipv4FastPath#flowHash} or {@link
     * Ipv6FastPath#flowHash}, by EtherType) into {@link #hashes};
     * then, in groups of {@link #GROUP}, the conntrack tag lines of the packets {@link #TAGS_AHEAD}
     * places ahead and the records of those {@link #RECORDS_AHEAD} places ahead (whose tag lines came
     * one group earlier) are prefetched ({@link Prefetch}, one call per group) before the group's
     * packets are handled. So the lines arrive while the packets before them are handled; only the
     * burst's first packets wait for theirs. The record each packet's prefetch named is kept
     * ({@link #records}): the fast path's conntrack lookup checks the key there first.
     */
    private void handleBurst(
            final long mbufs, final int count, final DataPlaneSnapshot s, final long nowNanos, final long nowMs) {
        // The paths in locals once per burst: per packet, the loop reads only its own arrays.
        final Ipv4FastPath fast = fastPath;
        final GeneralPath general = generalPath;
        // With no capture running this read and its branch are all a capture costs (once per burst).
        final CaptureTap tap = capture.tap();
        if (tap != null) {
            handleBurstCaptured(tap, mbufs, count, s, nowNanos, nowMs);
            return;
        }
        hashAndPrologue(fast, mbufs, count);
        for (int g = 0; g < count; g += GROUP) {
            final int end = Math.min(g + GROUP, count);
            prefetchGroup(g, end, count);
            for (int i = g; i < end; i++) {
                final long m = NativeMemory.getLong(mbufs + i * POINTER);
                actions[i] = ipv6[i]
                        ? dispatch6(fastPath6, general, m, hashes[i], records[i], s, nowNanos, nowMs)
                        : dispatch(fast, general, m, hashes[i], records[i], s, nowNanos, nowMs);
            }
        }
    }

    /**
     * {@link #handleBurst} while a capture runs: the same schedule, and around each packet's
     * dispatch the tap's two points ({@link CaptureTap#before} on the frame as received, before any
     * path alters it; {@link CaptureTap#after} with the verdict, on the frame as sent or dropped).
     * The drop reason, service and backend a captured frame is labelled with are worked out here
     * ({@link CaptureAttribution}), not recorded by the paths, so they cost nothing without a capture.
     */
    private void handleBurstCaptured(
            final CaptureTap tap,
            final long mbufs,
            final int count,
            final DataPlaneSnapshot s,
            final long nowNanos,
            final long nowMs) {
        final Ipv4FastPath fast = fastPath;
        final GeneralPath general = generalPath;
        final WorkerStats st = stats;
        final CaptureAttribution why = attribution;
        why.startBurst(st);
        hashAndPrologue(fast, mbufs, count);
        for (int g = 0; g < count; g += GROUP) {
            final int end = Math.min(g + GROUP, count);
            prefetchGroup(g, end, count);
            for (int i = g; i < end; i++) {
                final long m = NativeMemory.getLong(mbufs + i * POINTER);
                final int state = tap.before(m, nowNanos);
                if (state != CaptureTap.NO_MATCH) {
                    why.received(m);
                }
                final int action = ipv6[i]
                        ? dispatch6(fastPath6, general, m, hashes[i], records[i], s, nowNanos, nowMs)
                        : dispatch(fast, general, m, hashes[i], records[i], s, nowNanos, nowMs);
                actions[i] = action;
                // Every drop, matched or not, keeps the attribution's copy of the drop counts exact.
                final int reason = action == Action.DROP ? why.droppedFor(st) : -1;
                if (state != CaptureTap.NO_MATCH) {
                    int service = -1;
                    int backend = -1;
                    if (action == Action.FORWARD) {
                        why.attributeTunnel(m, s);
                        service = why.service;
                        backend = why.backend;
                    }
                    tap.after(state, m, action, reason, service, backend, nowNanos);
                }
            }
        }
    }

    /** {@link #handleBurst}'s first stage: every packet's flow hash, and the prologue's prefetches. */
    private void hashAndPrologue(final Ipv4FastPath fast, final long mbufs, final int count) {
        final Ipv6FastPath fast6 = fastPath6;
        for (int i = 0; i < count; i++) {
            final long m = NativeMemory.getLong(mbufs + i * POINTER);
            // IPv4's guess first: for its frames this stage costs what it did before IPv6 had a fast
            // path; an IPv6 frame fails it at the EtherType.
            long h = fast.flowHash(m);
            boolean v6 = false;
            if (h == NO_HASH) {
                h = fast6.flowHash(m);
                v6 = h != NO_HASH;
            }
            hashes[i] = h;
            ipv6[i] = v6;
        }
        burstPackets += count;
        prefetchLines(tagLines(0, Math.min(TAGS_AHEAD, count), 0));
        prefetchLines(recordLines(0, Math.min(RECORDS_AHEAD, count), 0));
    }

    /** Before packets {@code g..end-1} are handled: the tag lines and records of those further ahead. */
    private void prefetchGroup(final int g, final int end, final int count) {
        int n = 0;
        if (g + TAGS_AHEAD < count) {
            n = tagLines(g + TAGS_AHEAD, Math.min(end + TAGS_AHEAD, count), n);
        }
        if (g + RECORDS_AHEAD < count) {
            n = recordLines(g + RECORDS_AHEAD, Math.min(end + RECORDS_AHEAD, count), n);
        }
        prefetchLines(n);
    }

    /** Appends to {@link #lines} (from index {@code n}) the conntrack tag lines of packets {@code from..to-1}. */
    private int tagLines(final int from, final int to, final int n) {
        tagStagePackets += to - from;
        int k = n;
        for (int i = from; i < to; i++) {
            final long h = hashes[i];
            if (h != NO_HASH) {
                k = conntrack.bucketLines(h, lines, k);
            }
        }
        return k;
    }

    /**
     * Appends to {@link #lines} (from index {@code n}) the likely conntrack records of packets {@code
     * from..to-1}, and for an IPv6 flow's record the line of its addresses' high words as well.
     */
    private int recordLines(final int from, final int to, final int n) {
        recordStagePackets += to - from;
        int k = n;
        for (int i = from; i < to; i++) {
            final long h = hashes[i];
            final long r = h == NO_HASH ? 0 : conntrack.recordToPrefetch(h);
            records[i] = r;
            if (r != 0) {
                NativeMemory.putLong(lines + k++ * POINTER, r);
                // Only an IPv6 packet's entry can have a cold line its hit reads: an IPv4 packet
                // pays neither the state byte's load nor the branch.
                if (ipv6[i]) {
                    final long cold = conntrack.coldLineToPrefetch(r);
                    if (cold != 0) {
                        NativeMemory.putLong(lines + k++ * POINTER, cold);
                    }
                }
            }
        }
        return k;
    }

    private void prefetchLines(final int count) {
        assert count <= LINES_CAPACITY : count;
        if (count > 0) {
            Prefetch.lines(lines, count);
        }
    }

    /**
     * One received packet: a fast path when its flowHash recognised the shape ({@link
     * Ipv4FastPath#flowHash}: untagged IPv4 without options, TCP or UDP; {@link
     * Ipv6FastPath#flowHash}: untagged IPv6 whose next header is TCP or UDP) and it holds up, else
     * the general path.
     */
    private static int dispatch(
            final Ipv4FastPath fast,
            final GeneralPath general,
            final long m,
            final long hash,
            final long record,
            final DataPlaneSnapshot s,
            final long nowNanos,
            final long nowMs) {
        if (hash != NO_HASH) {
            final int action = fast.forward(m, hash, record, s, nowMs);
            if (action != Action.GENERAL) {
                return action;
            }
        }
        return general.handle(m, hash, s, nowNanos, nowMs);
    }

    /**
     * {@link #dispatch} for a packet whose hash is {@link Ipv6FastPath#flowHash}'s. A method of its
     * own, called from the burst loop, so that IPv4's {@link #dispatch} stays as small as it was
     * before IPv6 had a fast path (the JIT's inlining size limits).
     */
    private static int dispatch6(
            final Ipv6FastPath fast6,
            final GeneralPath general,
            final long m,
            final long hash,
            final long record,
            final DataPlaneSnapshot s,
            final long nowNanos,
            final long nowMs) {
        final int action = fast6.forward(m, hash, record, s, nowMs);
        return action != Action.GENERAL ? action : general.handle(m, hash, s, nowNanos, nowMs);
    }

    /**
     * Sends {@code count} mbufs (pointers at {@code array}) on queue {@code queue} of {@code port}.
     *
     * @return the packets sent; the rest are freed and counted as {@code tx_full}.
     */
    static int transmit(final int port, final int queue, final long array, final int count, final WorkerStats stats) {
        if (count == 0) {
            return 0;
        }
        final int sent = EthDev.txBurst(port, queue, array, count);
        if (sent < count) {
            Mbuf.freeBulk(array + sent * POINTER, count - sent);
            stats.drops[ForwardDrop.TX_FULL.id()] += count - sent;
        }
        stats.txPackets += sent;
        return sent;
    }

    /**
     * The per-packet path alone, for benchmarks of the assembled pipeline on mbufs built in
     * ordinary memory: what {@link #doWork} does for one received packet, without rx/tx, by the
     * general path.
     *
     * @return 0 drop, 1 forward (tunnel), 2 reply.
     */
    public int handleOne(final long m, final long nowNanos) {
        return generalPath.handle(m, NO_HASH, acquireSnapshot(), nowNanos, nowNanos / 1_000_000);
    }

    /**
     * What the exception path does with one frame the kernel wrote to a TAP, for tests without
     * DPDK: {@link GeneralPath#healthProbe} with this worker's health prefix.
     *
     * @return 0 drop, 1 forward (tunnelled), or {@link GeneralPath#NOT_A_PROBE}
     */
    int healthProbeOne(final long m, final long nowNanos) {
        return generalPath.healthProbe(m, acquireSnapshot(), healthBase, healthSize, nowNanos, nowNanos / 1_000_000);
    }

    /**
     * What {@link #doWork} does with a received burst, without rx or tx ({@link #handleBurst}): the
     * hashes and the prefetches, and each packet by the fast path or the general path. For tests
     * comparing the two paths on mbufs in ordinary memory ({@link #handleOne} takes the general
     * path only).
     *
     * @param mbufs   off-heap array of {@code count} (at most the burst size) mbuf pointers
     * @param actions receives each packet's action: 0 drop, 1 forward (tunnel), 2 reply, 3 kernel
     */
    public void handleReceived(final long mbufs, final int count, final long nowNanos, final int[] actions) {
        handleBurst(mbufs, count, acquireSnapshot(), nowNanos, nowNanos / 1_000_000);
        System.arraycopy(this.actions, 0, actions, 0, count);
    }

    /**
     * Packets the fast paths handled to the end. Tests check with it that the comparison with the
     * general path is not vacuous, and perf's BurstPathBenchmark that it times the fast path.
     */
    public long fastPathPackets() {
        return fastPath.packets + fastPath6.packets;
    }

    /**
     * Tests, of the prefetch schedule: packets {@link #handleBurst} was given, and packets each of
     * its prefetch stages visited (their tag lines, their records), counted per stage call. Equal
     * when every packet went through each stage exactly once.
     */
    long[] prefetchStages() {
        return new long[] {burstPackets, tagStagePackets, recordStagePackets};
    }

    /** Where the control side asks this worker about its conntrack table ({@code levitate lookup --live}). */
    public ConntrackMailbox mailbox() {
        return mailbox;
    }

    /** Tests: one housekeeping pass as {@link #doWork} makes it, with the newest snapshot taken first. */
    void housekeepingNow(final long nowMs) {
        acquireSnapshot();
        housekeeping(nowMs);
    }

    private void housekeeping(final long nowMs) {
        final long passes = conntrack.sweeps();
        conntrack.expireSlice(nowMs, EXPIRY_SLICE);
        mailbox.serve(conntrack, nowMs);
        publish();
        if (conntrack.sweeps() != passes) {
            // After the statistics: whoever reuses an id on the strength of this has the final
            // counts of its old backend too.
            stats.publishSwept(sweepFrom);
            sweepFrom = snapshot.generation;
        }
        counters.heartbeat.setRelease(System.currentTimeMillis());
        if (gateways != null) {
            gateways.resolve(nowMs);
        }
    }

    /** The running totals to readers: statistics and the worker's counters (counters file, metrics). */
    private void publish() {
        stats.publish();
        counters.rxPackets.setRelease(stats.rxPackets);
        counters.txPackets.setRelease(stats.txPackets);
        counters.txDropped.setRelease(stats.drops[ForwardDrop.TX_FULL.id()]);
        counters.rxBursts.setRelease(stats.rxBursts);
    }

    @Override
    public void onClose() {
        // The last housekeeping pass may be up to 2^10 cycles old: the final figures are these.
        publish();
        startup.leaveWorkerThread();
    }

    @Override
    public String roleName() {
        return "levitate-lb-worker-" + worker;
    }
}
