package io.levitate.forwarder.lb;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.dpdk.EthDev;
import io.levitate.dpdk.Mbuf;
import io.levitate.dpdk.NativeMemory;
import io.levitate.dpdk.Prefetch;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.worker.WorkerStartup;
import io.levitate.gre.EncapResult;
import io.levitate.gre.EncapVerdict;
import io.levitate.gre.GreEncapsulator;
import io.levitate.gre.GreTunnel;
import io.levitate.gre.IcmpErrorSteering;
import io.levitate.packet.Classification;
import io.levitate.packet.DropReason;
import io.levitate.packet.FlowKey;
import io.levitate.packet.IpProtocols;
import io.levitate.packet.NetworkOrder;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.Verdict;
import io.levitate.packet.ethernet.EthernetFlyweight;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.transport.TcpFlyweight;
import io.levitate.packet.transport.UdpFlyweight;
import org.agrona.concurrent.Agent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;

// The packet module's all-of-memory segment, not NativeMemory's: the flyweights, the encapsulator
// and the responders skip their per-access checks only for that very instance (NetworkOrder.ALL).
import static io.levitate.packet.NetworkOrder.ALL;

/**
 * A load-balancing worker: one core, queue {@code queue} of every port. Ports pair like the L2
 * mode's: tunnel packets for traffic received on a port leave on its peer (two-armed: a
 * client-facing and a backend-facing NIC), or on the same port when it has no peer (one-armed);
 * replies (ARP, ND, echo, too-big) always leave on the port they answer.
 *
 * <p>Per burst: acquire the newest {@link DataPlaneSnapshot}; rx; hash the burst's flows, and
 * prefetch each packet's conntrack lines a few packets ahead of it ({@link #handleBurst}); per
 * packet, the fast path for the common case (untagged IPv4 TCP/UDP to a VIP, doing exactly what
 * the following does for it), else classify, then
 * <ul>
 *   <li>VIP traffic: service by (VIP, port, protocol) falling back to the VIP's any-port service;
 *       backend from conntrack, else Maglev (then remembered); GRE-encapsulated in place toward
 *       the backend with the gateway's MAC;</li>
 *   <li>ARP / ND: gateway MACs learnt, our addresses answered in place;</li>
 *   <li>ICMP errors about a VIP flow: steered to that flow's backend;</li>
 *   <li>ICMP echo to our addresses and VIPs: answered in place;</li>
 *   <li>everything else that parses: with the exception path ({@code instance.exception_path: tap}),
 *       handed to the kernel through the port's TAP (BGP, SSH, the kernel's own ARP); without it,
 *       dropped and counted by reason; malformed frames are always dropped;</li>
 * </ul>
 * and, with the exception path, whatever the kernel wrote to the TAP goes out of the port as is.
 * then one tx burst per port and one bulk free of the drops. Housekeeping every 2^10 cycles:
 * conntrack expiry slice, statistics publication, heartbeat, and (worker 0) gateway resolution.
 * Nothing on this path allocates, locks or throws.
 */
public final class LoadBalancerAgent implements Agent
{
    private static final int HOUSEKEEPING_MASK = (1 << 10) - 1;
    /** Conntrack entries examined per housekeeping pass: a 1 M table is swept in ~0.5 s. */
    private static final int EXPIRY_SLICE = 2048;
    private static final long POINTER = 8;

    private final int worker;
    private final int cpu;
    private final int queue;
    private final int burst;
    private final int[] ports;
    /** Position (in {@link #ports}) of the port tunnel packets leave on, per receiving port. */
    private final int[] peers;
    private final long rx;
    private final long tx;
    private final long replies;
    private final long drop;
    /** Off-heap array of {@code burst} mbuf pointers bound for the kernel. */
    private final long kernel;
    /** By port position: the DPDK port of its exception TAP, or -1 (no exception path). */
    private final int[] exceptionPorts;
    private final boolean exceptionPath;
    /** The exception TAP of the port being polled, or -1. */
    private int tap = -1;
    /** Token bucket of the exception path: packets per second and burst (instance.exception_rate). */
    private final long kernelRate;
    private final long kernelBurst;
    private long kernelTokens;
    private long kernelRefillNanos;
    private static final long KERNEL_REFILL_NANOS = 1_000_000;
    private static final int IPV4_MULTICAST_NIBBLE = 0xE;          // 224.0.0.0/4
    private static final long IPV6_MULTICAST_BYTE = 0xFF;          // ff00::/8
    private static final long IPV6_LINK_LOCAL_PREFIX10 = 0x3FA;    // fe80::/10
    private static final int IPV4_LOOPBACK_OCTET = 127;            // 127.0.0.0/8
    private static final long IPV4_MAPPED_MARK = 0xFFFF;            // ::ffff:0:0/96, bits 32..47 of the low half
    private final long pool;
    private final AtomicReference<DataPlaneSnapshot> published;
    private final Neighbours neighbours;
    private final ConntrackTable conntrack;
    /** By port position: each port has its own MAC. */
    private final GreEncapsulator[] encapsulators;
    private final ControlResponder[] responders;
    private GreEncapsulator encapsulator;
    private ControlResponder responder;
    private final PacketClassifier classifier = new PacketClassifier();
    private final IcmpErrorSteering steering = new IcmpErrorSteering();
    private final Classification c = new Classification();
    private final FlowKey steered = new FlowKey();
    private final EncapResult encapResult = new EncapResult();
    private final WorkerStats stats;
    private final WorkerCounters counters;
    private final WorkerStartup startup;

    /** Ethernet + IPv4 without options + the 4 port bytes: what {@link #flowHash} reads. */
    private static final int HASH_MIN_FRAME = 14 + 20 + 4;
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
     * (up to 2 per packet, {@link #TAGS_AHEAD} packets), or a group's tag lines and records (2 + 1
     * per packet). The stages check it ({@link #prefetchLines}).
     */
    private static final int LINES_CAPACITY = Math.max(2 * TAGS_AHEAD, 3 * GROUP);
    /** Off-heap array of line addresses for {@link Prefetch}, and its memory. */
    private final MemorySegment lineArray;
    private final long lines;
    /** {@link #handleBurst}: the action of each packet of the burst. */
    private final int[] actions;
    /** {@link #flowHash} of each packet of the burst being handled. */
    private final long[] hashes;
    /**
     * {@link ConntrackTable#recordToPrefetch} of each packet of the burst (0: none), as the record
     * stage found it: the fast path's lookup starts there ({@link ConntrackTable#lookupV4Hinted}).
     */
    private final long[] records;
    /** {@link #flowHash}: not an IPv4 TCP/UDP packet by the fixed-offset guess (a real hash of 0 is then not prefetched). */
    private static final long NO_HASH = 0;
    /** {@link #flowHash} of the packet being handled. */
    private long packetHash = NO_HASH;
    private static final int ETHERNET_UNTAGGED = 14;
    private static final int IPV4_NO_OPTIONS = 20;

    private long fastPathPackets;
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
    private long nextNeighbourRequestMs;

    /**
     * @param rx, tx, drop addresses of three off-heap arrays of {@code burst} mbuf pointers.
     * @param pool the mbuf pool worker 0 allocates gateway requests from.
     */
    public LoadBalancerAgent(
        final int worker, final int cpu, final int queue, final int burst, final int[] ports, final int[] peers,
        final long rx, final long tx, final long replies, final long drop, final long kernel, final int[] exceptionPorts,
        final int exceptionRate, final long pool,
        final AtomicReference<DataPlaneSnapshot> published, final Neighbours neighbours, final ConntrackTable conntrack,
        final GreEncapsulator[] encapsulators, final ControlResponder[] responders, final WorkerStats stats,
        final WorkerCounters counters, final WorkerStartup startup)
    {
        this.worker = worker;
        this.cpu = cpu;
        this.queue = queue;
        this.burst = burst;
        this.hashes = new long[burst];
        this.records = new long[burst];
        this.actions = new int[burst];
        this.lineArray = Arena.ofAuto().allocate(POINTER * LINES_CAPACITY, 64);
        this.lines = lineArray.address();
        this.ports = ports.clone();
        this.peers = peers.clone();
        this.rx = rx;
        this.tx = tx;
        this.replies = replies;
        this.drop = drop;
        this.kernel = kernel;
        this.exceptionPorts = exceptionPorts.clone();
        boolean any = false;
        for (final int p : exceptionPorts)
        {
            any |= p >= 0;
        }
        this.exceptionPath = any;
        this.kernelRate = exceptionRate;
        // A burst of up to a tenth of a second's worth (at least one rx burst's), so a BGP
        // table dump or an SSH burst passes while a flood is cut to the rate.
        this.kernelBurst = Math.max(burst, exceptionRate / 10);
        this.kernelTokens = kernelBurst;
        this.pool = pool;
        this.published = published;
        this.neighbours = neighbours;
        this.conntrack = conntrack;
        this.encapsulators = encapsulators.clone();
        this.responders = responders.clone();
        this.encapsulator = encapsulators[0];
        this.responder = responders[0];
        this.stats = stats;
        this.counters = counters;
        this.startup = startup;
    }

    @Override
    public void onStart()
    {
        startup.enterWorkerThread(cpu, counters);
    }

    @Override
    public int doWork()
    {
        final long nowNanos = System.nanoTime();
        final long nowMs = nowNanos / 1_000_000;
        final DataPlaneSnapshot s = acquireSnapshot();
        if (exceptionPath)
        {
            refillKernelTokens(nowNanos);
        }
        int work = 0;
        for (int i = 0; i < ports.length; i++)
        {
            // Tunnel packets carry the outgoing port's MAC; replies the receiving port's.
            encapsulator = encapsulators[peers[i]];
            responder = responders[i];
            tap = exceptionPorts[i];
            work += poll(i, ports[i], ports[peers[i]], s, nowNanos, nowMs);
            if (tap >= 0)
            {
                work += fromKernel(i);
            }
        }
        if ((++cycles & HOUSEKEEPING_MASK) == 0)
        {
            housekeeping(nowMs);
        }
        return work;
    }

    /** The newest published snapshot; conntrack takes its backend states when it is new. */
    private DataPlaneSnapshot acquireSnapshot()
    {
        final DataPlaneSnapshot s = published.getAcquire();
        if (s != snapshot)
        {
            snapshot = s;
            conntrack.backendStates(s.backendStates);
        }
        return s;
    }

    private int poll(final int portIndex, final int port, final int outPort, final DataPlaneSnapshot s,
        final long nowNanos, final long nowMs)
    {
        final int received = EthDev.rxBurst(port, queue, rx, burst);
        if (received == 0)
        {
            return 0;
        }
        stats.rxBursts++;
        int sends = 0;
        int answers = 0;
        int drops = 0;
        int toKernel = 0;
        handleBurst(rx, received, s, nowNanos, nowMs);
        for (int i = 0; i < received; i++)
        {
            final long m = NativeMemory.getLong(rx + i * POINTER);
            final int action = actions[i];
            if (action == FORWARD)
            {
                NativeMemory.putLong(tx + sends++ * POINTER, m);
            }
            else if (action == REPLY)
            {
                NativeMemory.putLong(replies + answers++ * POINTER, m);
            }
            else if (action == KERNEL)
            {
                NativeMemory.putLong(kernel + toKernel++ * POINTER, m);
            }
            else
            {
                NativeMemory.putLong(drop + drops++ * POINTER, m);
            }
        }
        transmit(outPort, tx, sends);
        transmit(port, replies, answers);
        if (toKernel > 0)
        {
            toKernel(exceptionPorts[portIndex], toKernel);
        }
        if (drops > 0)
        {
            Mbuf.freeBulk(drop, drops);
        }
        stats.rxPackets += received;
        stats.burstLatency.recordValue(System.nanoTime() - nowNanos);
        return received;
    }

    /**
     * A burst of {@code count} mbufs (pointers at {@code mbufs}) handled into {@link #actions},
     * software-pipelined: first each packet's {@link #flowHash} into {@link #hashes}; then, in
     * groups of {@link #GROUP}, the conntrack tag lines of the packets {@link #TAGS_AHEAD} places
     * ahead and the records of those {@link #RECORDS_AHEAD} places ahead (whose tag lines came one
     * group earlier) are prefetched ({@link Prefetch}, one call per group) before the group's
     * packets are handled. So the lines arrive while the packets before them are handled; only
     * the burst's first packets wait for theirs. The record each packet's prefetch named is kept
     * ({@link #records}): the fast path's conntrack lookup checks the key there first.
     */
    private void handleBurst(final long mbufs, final int count, final DataPlaneSnapshot s, final long nowNanos,
        final long nowMs)
    {
        for (int i = 0; i < count; i++)
        {
            hashes[i] = flowHash(NativeMemory.getLong(mbufs + i * POINTER));
        }
        burstPackets += count;
        prefetchLines(tagLines(0, Math.min(TAGS_AHEAD, count), 0));
        prefetchLines(recordLines(0, Math.min(RECORDS_AHEAD, count), 0));
        for (int g = 0; g < count; g += GROUP)
        {
            final int end = Math.min(g + GROUP, count);
            int n = 0;
            if (g + TAGS_AHEAD < count)
            {
                n = tagLines(g + TAGS_AHEAD, Math.min(end + TAGS_AHEAD, count), n);
            }
            if (g + RECORDS_AHEAD < count)
            {
                n = recordLines(g + RECORDS_AHEAD, Math.min(end + RECORDS_AHEAD, count), n);
            }
            prefetchLines(n);
            for (int i = g; i < end; i++)
            {
                actions[i] = dispatch(NativeMemory.getLong(mbufs + i * POINTER), hashes[i], records[i], s, nowNanos,
                    nowMs);
            }
        }
    }

    /** Appends to {@link #lines} (from index {@code n}) the conntrack tag lines of packets {@code from..to-1}. */
    private int tagLines(final int from, final int to, final int n)
    {
        tagStagePackets += to - from;
        int k = n;
        for (int i = from; i < to; i++)
        {
            final long h = hashes[i];
            if (h != NO_HASH)
            {
                k = conntrack.bucketLines(h, lines, k);
            }
        }
        return k;
    }

    /** Appends to {@link #lines} (from index {@code n}) the likely conntrack records of packets {@code from..to-1}. */
    private int recordLines(final int from, final int to, final int n)
    {
        recordStagePackets += to - from;
        int k = n;
        for (int i = from; i < to; i++)
        {
            final long h = hashes[i];
            final long r = h == NO_HASH ? 0 : conntrack.recordToPrefetch(h);
            records[i] = r;
            if (r != 0)
            {
                NativeMemory.putLong(lines + k++ * POINTER, r);
            }
        }
        return k;
    }

    private void prefetchLines(final int count)
    {
        assert count <= LINES_CAPACITY : count;
        if (count > 0)
        {
            Prefetch.lines(lines, count);
        }
    }

    /**
     * A burst's conntrack lines are prefetched ahead of its packets ({@link #handleBurst}), so that
     * the cache misses overlap with handling instead of costing a memory latency per packet in turn.
     * This is the key hash for that, guessed from fixed offsets (untagged Ethernet, IPv4 without
     * options, TCP or UDP): a wrong guess costs only useless prefetches, never a wrong decision,
     * since handling parses and checks everything itself; a right guess is also the fast path's key
     * hash.
     *
     * @return the conntrack hash of the packet's IPv4 5-tuple, or {@link #NO_HASH}
     */
    private long flowHash(final long m)
    {
        final long a = Mbuf.dataAddress(m);
        if (Mbuf.dataLength(m) < HASH_MIN_FRAME
            || NetworkOrder.u16(ALL, a + 12) != 0x0800 || NetworkOrder.u8(ALL, a + 14) != 0x45)
        {
            return NO_HASH;
        }
        final int proto = NetworkOrder.u8(ALL, a + 23);
        if (proto != 6 && proto != 17)
        {
            return NO_HASH;
        }
        return conntrack.hashOfV4(NetworkOrder.i32(ALL, a + 26), NetworkOrder.i32(ALL, a + 30),
            NetworkOrder.u16(ALL, a + 34), NetworkOrder.u16(ALL, a + 36), proto);
    }

    /**
     * One received packet: the fast path when {@link #flowHash} recognised its shape (untagged
     * IPv4 without options, TCP or UDP) and it holds up, else the general path.
     */
    private int dispatch(final long m, final long hash, final long record, final DataPlaneSnapshot s,
        final long nowNanos, final long nowMs)
    {
        if (hash != NO_HASH)
        {
            final int action = fastIpv4(m, hash, record, s, nowMs);
            if (action != GENERAL)
            {
                return action;
            }
        }
        packetHash = hash;
        return handle(m, s, nowNanos, nowMs);
    }

    /**
     * The fast path of the common packet: an untagged IPv4 frame without options, not a fragment,
     * TCP or UDP, to a VIP's service, small enough for any tunnel. It reads the headers at fixed
     * offsets and writes the tunnel headers without the classifier's {@link Classification} or the
     * encapsulator's flyweights, which is most of the general path's cost per packet.
     *
     * <p>It decides exactly as the general path does: every check {@link PacketClassifier} makes of
     * such a frame is made here (the worker's classifier does not verify IPv4 header checksums, so
     * neither does this; NICs do), and a frame that fails any of them, or is of another shape, is
     * left to the general path ({@link #GENERAL}) before anything is changed or counted, so drops,
     * the exception path and ICMP too-big keep one implementation. After the lookup it shares the
     * general path's code for new and re-resolved flows (afterMiss: Maglev, insert, rebind) and the
     * counters; its lookup starts at the prefetched record ({@link ConntrackTable#lookupV4Hinted}),
     * and the encapsulator writes its tunnel headers with wide stores
     * ({@link GreEncapsulator#encapsulateIpv4}). {@code FastPathEquivalenceTest} runs both paths
     * over the same frames and compares every output byte and counter.
     *
     * @param hash {@link #flowHash} of the frame, not {@link #NO_HASH}: it has at least
     *             {@link #HASH_MIN_FRAME} bytes, EtherType IPv4, version 4 with IHL 5, and TCP or UDP
     * @param record where its conntrack entry likely is ({@link #records})
     * @return the action, or {@link #GENERAL}
     */
    private int fastIpv4(final long m, final long hash, final long record, final DataPlaneSnapshot s, final long nowMs)
    {
        // Few, wide loads, each within the 38 bytes flowHash found (later ones after the length
        // checks that cover them).
        final long word = Mbuf.dataOffsetWord(m);
        final int headroom = Mbuf.dataOffsetOf(word);
        final long a = Mbuf.bufferAddress(m) + headroom;
        final int length = Mbuf.dataLength(m);
        final long head = NetworkOrder.i64(ALL, a + 14);        // version .. fragment offset
        final long middle = NetworkOrder.i64(ALL, a + 22);      // TTL .. source
        final long tail = NetworkOrder.i64(ALL, a + 30);        // destination, ports
        final int w0 = (int)(head >>> 32);
        final int w1 = (int)head;
        final int w2 = (int)(middle >>> 32);
        final int src = (int)middle;
        final int total = w0 & 0xFFFF;
        final int firstOctet = src >>> 24;
        // The general path drops (and counts) a group Ethernet source and every martian source; a
        // VIP among the sources needs a table lookup, so a filter hit goes there too.
        if (Mbuf.segmentCountOf(word) != 1 || total > length - ETHERNET_UNTAGGED
            || (w1 & (Ipv4Flyweight.FLAG_MORE_FRAGMENTS | Ipv4Flyweight.FRAGMENT_OFFSET_MASK)) != 0
            || (w2 >>> 24) == 0 || (src >>> 28) == IPV4_MULTICAST_NIBBLE || src == -1
            || firstOctet == 0 || firstOctet == IPV4_LOOPBACK_OCTET
            || (NetworkOrder.u8(ALL, a + EthernetFlyweight.SOURCE_OFFSET) & EthernetFlyweight.GROUP_BIT) != 0
            || !encapsulator.fitsAnyTunnel(total) || headroom < GreEncapsulator.MAX_EXTRA_HEADROOM
            || s.vips.mayBeVipV4(src))
        {
            return GENERAL;
        }
        final int protocol = (w2 >>> 16) & 0xFF;
        final int l4Length = total - IPV4_NO_OPTIONS;
        final long l4 = a + ETHERNET_UNTAGGED + IPV4_NO_OPTIONS;
        int tcpFlags = 0;
        if (protocol == IpProtocols.TCP)
        {
            if (l4Length < TcpFlyweight.MIN_HEADER_LENGTH)
            {
                return GENERAL;
            }
            final int offsetAndFlags = NetworkOrder.u16(ALL, l4 + 12);
            final int headerLength = (offsetAndFlags >>> 10) & 0x3C;
            if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > l4Length)
            {
                return GENERAL;
            }
            tcpFlags = offsetAndFlags & 0xFF;
        }
        else
        {
            if (l4Length < UdpFlyweight.HEADER_LENGTH)
            {
                return GENERAL;
            }
            final int udpLength = NetworkOrder.u16(ALL, l4 + 4);
            if (udpLength < UdpFlyweight.HEADER_LENGTH || udpLength > l4Length)
            {
                return GENERAL;
            }
        }
        final int ports = (int)tail;
        final int srcPort = ports >>> 16;
        final int dstPort = ports & 0xFFFF;
        final long srcLo = src & 0xFFFF_FFFFL;
        final long dstLo = tail >>> 32;
        final int service = s.vips.findService(FlowKey.FAMILY_IPV4, 0, dstLo, dstPort, protocol);
        if (service == VipTable.NONE)
        {
            return GENERAL;
        }
        // Committed: what follows is the general path's vip() for this packet. The conntrack hit
        // comes first in the code, so the compiler spends its inlining budget on it rather than on
        // the new-flow path (Maglev, insert), which becomes a call.
        fastPathPackets++;
        final int hit = conntrack.lookupV4Hinted(hash, record, src, (int)dstLo, srcPort, dstPort, protocol, tcpFlags,
            nowMs);
        if (hit >= 0)
        {
            return tunnelIpv4(m, a, headroom, total, w0, w1, srcLo, ports, protocol, service, hit, s, nowMs);
        }
        final FlowKey k = c.key;
        k.family = FlowKey.FAMILY_IPV4;
        k.protocol = protocol;
        k.srcHi = 0;
        k.srcLo = srcLo;
        k.dstHi = 0;
        k.dstLo = dstLo;
        k.srcPort = srcPort;
        k.dstPort = dstPort;
        k.fragment = false;
        final int backend = afterMiss(s.services[service], k, tcpFlags, nowMs, hit);
        if (backend < 0)
        {
            return drop(ForwardDrop.NO_BACKEND);
        }
        return tunnelIpv4(m, a, headroom, total, w0, w1, srcLo, ports, protocol, service, backend, s, nowMs);
    }

    /**
     * The fast path's end: the packet at {@code a} (IP header words {@code w0}, {@code w1}) of
     * mbuf {@code m} tunnelled to {@code backend} and counted, as {@link #encapsulate} and
     * {@link #vip} do it.
     */
    private int tunnelIpv4(final long m, final long a, final int headroom, final int total, final int w0, final int w1,
        final long srcLo, final int ports, final int protocol, final int service, final int backend,
        final DataPlaneSnapshot s, final long nowMs)
    {
        final GreTunnel tunnel = s.tunnels[backend];
        final long mac = neighbours.macAcquire(tunnel.family(), nowMs);
        if (mac == 0)
        {
            return drop(ForwardDrop.NO_NEIGHBOUR);
        }
        final long l3 = a + ETHERNET_UNTAGGED;
        final long start = encapsulator.encapsulateIpv4(l3, total, (w0 >>> 16) & 0xFF,
            (w1 & Ipv4Flyweight.FLAG_DONT_FRAGMENT) != 0, srcLo, ports, protocol, tunnel, mac);
        Mbuf.setFrame(m, headroom - (int)(a - start), (int)(l3 + total - start));
        stats.encapsulated++;
        countTunnelled(service, backend, total);
        return FORWARD;
    }

    /** A packet of {@code bytes} IP bytes tunnelled for {@code service} to {@code backend}. */
    private void countTunnelled(final int service, final int backend, final int bytes)
    {
        stats.servicePackets[service]++;
        stats.serviceBytes[service] += bytes;
        stats.backendPackets[backend]++;
        stats.backendBytes[backend] += bytes;
    }

    /** @return the packets sent; the rest are freed and counted as {@code tx_full}. */
    private int transmit(final int port, final long array, final int count)
    {
        if (count == 0)
        {
            return 0;
        }
        final int sent = EthDev.txBurst(port, queue, array, count);
        if (sent < count)
        {
            Mbuf.freeBulk(array + sent * POINTER, count - sent);
            stats.drops[ForwardDrop.TX_FULL.id()] += count - sent;
        }
        stats.txPackets += sent;
        return sent;
    }

    /** Hands packets to the kernel's TAP; not counted as tx (they do not leave the machine). */
    private void toKernel(final int tap, final int count)
    {
        final int sent = EthDev.txBurst(tap, queue, kernel, count);
        if (sent < count)
        {
            Mbuf.freeBulk(kernel + sent * POINTER, count - sent);
            stats.drops[ForwardDrop.KERNEL_FULL.id()] += count - sent;
        }
        stats.toKernel += sent;
    }

    /**
     * The kernel's side of the exception path: what it wrote to port {@code portIndex}'s TAP
     * (BGP, SSH, its ARP and ND) leaves through the data port untouched.
     */
    private int fromKernel(final int portIndex)
    {
        final int tap = exceptionPorts[portIndex];
        if (tap < 0)
        {
            return 0;
        }
        final int received = EthDev.rxBurst(tap, queue, kernel, burst);
        if (received > 0)
        {
            stats.fromKernel += received;
            transmit(ports[portIndex], kernel, received);
        }
        return received;
    }

    /**
     * The per-packet path alone, for benchmarks of the assembled pipeline on mbufs built in
     * ordinary memory: what {@link #doWork} does for one received packet, without rx/tx.
     *
     * @return 0 drop, 1 forward (tunnel), 2 reply.
     */
    public int handleOne(final long m, final long nowNanos)
    {
        packetHash = NO_HASH;
        return handle(m, acquireSnapshot(), nowNanos, nowNanos / 1_000_000);
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
    public void handleReceived(final long mbufs, final int count, final long nowNanos, final int[] actions)
    {
        handleBurst(mbufs, count, acquireSnapshot(), nowNanos, nowNanos / 1_000_000);
        System.arraycopy(this.actions, 0, actions, 0, count);
    }

    /** Packets the fast path handled to the end (tests: the comparison with the general path is not vacuous). */
    long fastPathPackets()
    {
        return fastPathPackets;
    }

    /**
     * Tests, of the prefetch schedule: packets {@link #handleBurst} was given, and packets each of
     * its prefetch stages visited (their tag lines, their records), counted per stage call. Equal
     * when every packet went through each stage exactly once.
     */
    long[] prefetchStages()
    {
        return new long[] {burstPackets, tagStagePackets, recordStagePackets};
    }

    /** What to do with a handled mbuf. */
    private static final int DROP = 0;
    private static final int FORWARD = 1;
    private static final int REPLY = 2;
    /** Not ours, but well-formed: to the kernel through the exception path. */
    private static final int KERNEL = 3;
    /** {@link #fastIpv4}: not the fast path's packet; nothing was changed or counted. */
    private static final int GENERAL = -1;

    /** @return {@link #FORWARD} (tunnel, to the peer port), {@link #REPLY} (back where it came from) or {@link #DROP}. */
    private int handle(final long m, final DataPlaneSnapshot s, final long nowNanos, final long nowMs)
    {
        if (Mbuf.segmentCount(m) != 1)
        {
            return drop(ForwardDrop.MULTI_SEGMENT);
        }
        final long address = Mbuf.dataAddress(m);
        final Verdict verdict = classifier.classify(ALL, address, Mbuf.dataLength(m), c);
        switch (verdict)
        {
            case VIP_CANDIDATE:
                return vip(m, address, s, nowNanos, nowMs);
            case ARP:
                return replied(m, responder.arp(ALL, c, nowMs));
            case ND:
                return replied(m, responder.neighbourDiscovery(ALL, c, bufferEnd(m), nowMs));
            case ICMP_ERROR:
                return icmpError(m, address, s, nowNanos, nowMs);
            case OTHER:
                return replied(m, c.key.family != FlowKey.FAMILY_NONE ? responder.echo(ALL, c, s.vips)
                    : -ForwardDrop.NOT_HANDLED.id());
            default:
                stats.drops[c.dropReasonId()]++;
                return DROP;
        }
    }

    private int vip(final long m, final long address, final DataPlaneSnapshot s, final long nowNanos, final long nowMs)
    {
        final FlowKey k = c.key;
        final int service = k.fragment ? s.vips.findFragment(k.family, k.dstHi, k.dstLo, k.protocol) : s.vips.find(k);
        if (service == VipTable.NONE)
        {
            // A VIP's fragment that no service takes (docs/CONFIG.md) is no business of the kernel's.
            return k.fragment && s.vips.isVip(k.family, k.dstHi, k.dstLo) ? drop(ForwardDrop.FRAGMENT_NO_SERVICE)
                : notOurs(ForwardDrop.NO_SERVICE);
        }
        if (martianSource(k, s.vips))
        {
            stats.drops[DropReason.MARTIAN_SOURCE.id()]++;
            return DROP;
        }
        final ServiceState state = s.services[service];
        // flowHash's hash is this key's only if it guessed the layout right (untagged
        // Ethernet, IPv4 without options); then it read exactly the fields the classifier did.
        final long hash = c.l2Length == ETHERNET_UNTAGGED && c.ipHeaderLength == IPV4_NO_OPTIONS ? packetHash : NO_HASH;
        final int backend = selectBackend(state, c.key, c.tcpFlags, nowMs, hash);
        if (backend < 0)
        {
            return drop(ForwardDrop.NO_BACKEND);
        }
        final int packetBytes = c.l3Length;
        final int action = encapsulate(m, address, s, backend, nowNanos, nowMs);
        if (action == FORWARD)
        {
            countTunnelled(service, backend, packetBytes);
        }
        return action;
    }

    /**
     * Conntrack first; Maglev for new flows (remembered) and for flows whose backend went down.
     *
     * @param hash the conntrack hash of {@code k} (IPv4 only), or {@link #NO_HASH}
     */
    private int selectBackend(final ServiceState state, final FlowKey k, final int tcpFlags, final long nowMs,
        final long hash)
    {
        if (k.fragment)
        {
            // 3-tuple: every fragment of a datagram must reach one backend; no per-flow state.
            return maglev(state, k);
        }
        final int hit = k.family == FlowKey.FAMILY_IPV4
            ? (hash != NO_HASH
                ? conntrack.lookupV4Hashed(hash, (int)k.srcLo, (int)k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags,
                    nowMs)
                : conntrack.lookupV4((int)k.srcLo, (int)k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags, nowMs))
            : conntrack.lookupV6(k.srcHi, k.srcLo, k.dstHi, k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags, nowMs);
        return hit >= 0 ? hit : afterMiss(state, k, tcpFlags, nowMs, hit);
    }

    /**
     * A conntrack lookup that gave no usable backend: Maglev's choice, remembered for a new flow
     * ({@link ConntrackTable#MISS}) or rebound for a flow whose backend went down
     * ({@link ConntrackTable#RESOLVE}); -1 when the service has no backend.
     */
    private int afterMiss(final ServiceState state, final FlowKey k, final int tcpFlags, final long nowMs, final int hit)
    {
        final int backend = maglev(state, k);
        if (hit == ConntrackTable.RESOLVE)
        {
            if (backend >= 0)
            {
                conntrack.rebindLastHit(backend);
            }
            else
            {
                conntrack.removeLastHit();
            }
            return backend;
        }
        if (backend >= 0)
        {
            remember(state, k, tcpFlags, backend, nowMs);
        }
        return backend;
    }

    private void remember(final ServiceState state, final FlowKey k, final int tcpFlags, final int backend, final long nowMs)
    {
        // A negative result means "forward statelessly" (flood guard, quota): Maglev still agrees.
        if (k.family == FlowKey.FAMILY_IPV4)
        {
            conntrack.insertV4((int)k.srcLo, (int)k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags, backend,
                state.index, nowMs);
        }
        else
        {
            conntrack.insertV6(k.srcHi, k.srcLo, k.dstHi, k.dstLo, k.srcPort, k.dstPort, k.protocol, tcpFlags, backend,
                state.index, nowMs);
        }
        stats.serviceNewFlows[state.index]++;
        stats.backendNewFlows[backend]++;
    }

    private static int maglev(final ServiceState state, final FlowKey k)
    {
        final int slot = k.family == FlowKey.FAMILY_IPV4
            ? state.table.lookupV4((int)k.srcLo, (int)k.dstLo, k.srcPort, k.dstPort, k.protocol, k.fragment)
            : state.table.lookupV6(k.srcHi, k.srcLo, k.dstHi, k.dstLo, k.srcPort, k.dstPort, k.protocol, k.fragment);
        return slot < 0 ? -1 : state.backendId(slot);
    }

    /**
     * A source no client of a VIP can have (the parser already refused multicast and broadcast
     * sources): this network or the unspecified address (0.0.0.0/8, ::), loopback (127.0.0.0/8,
     * ::1), IPv4-mapped IPv6 (::ffff:0:0/96, never on the wire, RFC 4291 section 2.5.5.2), or a VIP
     * itself (a reflection: a backend would answer a VIP). RFC 1812 section 5.3.7 and RFC 6890.
     */
    private static boolean martianSource(final FlowKey k, final VipTable vips)
    {
        if (k.family == FlowKey.FAMILY_IPV4)
        {
            final int src = (int)k.srcLo;
            final int first = src >>> 24;
            return first == 0 || first == IPV4_LOOPBACK_OCTET || (vips.mayBeVipV4(src) && vips.isVip(4, 0, k.srcLo));
        }
        return (k.srcHi == 0 && (k.srcLo == 0 || k.srcLo == 1 || (k.srcLo >>> 32) == IPV4_MAPPED_MARK))
            || vips.isVip(6, k.srcHi, k.srcLo);
    }

    /** Steers an ICMP error about a VIP flow to the backend that owns the flow. */
    private int icmpError(final long m, final long address, final DataPlaneSnapshot s, final long nowNanos,
        final long nowMs)
    {
        // A router's error about a VIP flow is addressed to the client's peer, the VIP. One that
        // quotes a VIP flow but is addressed elsewhere (our own address: the kernel's traffic) is
        // not a backend's business: the kernel's through the exception path, else a counted drop.
        if (!s.vips.isVip(c.key.family, c.key.dstHi, c.key.dstLo))
        {
            return notOurs(ForwardDrop.ICMP_NOT_FOR_VIP);
        }
        final DropReason why = steering.steer(ALL, c, steered);
        if (why != DropReason.NONE)
        {
            stats.drops[why.id()]++;
            return DROP;
        }
        final int service = s.vips.find(steered);
        if (service == VipTable.NONE)
        {
            return notOurs(ForwardDrop.ICMP_NOT_STEERABLE);
        }
        final int backend = selectBackend(s.services[service], steered, 0, nowMs, NO_HASH);
        if (backend < 0)
        {
            return drop(ForwardDrop.NO_BACKEND);
        }
        // The encapsulator derives the per-flow outer source from c.key: use the steered flow's.
        c.key.copyFrom(steered);
        return encapsulate(m, address, s, backend, nowNanos, nowMs);
    }

    private int encapsulate(final long m, final long address, final DataPlaneSnapshot s, final int backend,
        final long nowNanos, final long nowMs)
    {
        final GreTunnel tunnel = s.tunnels[backend];
        final long mac = neighbours.macAcquire(tunnel.family(), nowMs);
        if (mac == 0)
        {
            return drop(ForwardDrop.NO_NEIGHBOUR);
        }
        final EncapVerdict v = encapsulator.encapsulate(
            ALL, address, c.frameLength, Mbuf.dataOffset(m), c, tunnel, nowNanos, encapResult);
        if (v.isDrop())
        {
            return drop(encapDrop(v));
        }
        moveData(m, address, encapResult.dataOffset, encapResult.dataLength);
        if (v == EncapVerdict.ENCAPSULATED)
        {
            NetworkOrder.putMac(ALL, encapResult.dataOffset, mac);
            stats.encapsulated++;
            return FORWARD;
        }
        // TOO_BIG_ICMP_SENT: the frame is now an ICMP error for the client, back where it came from.
        stats.replies++;
        return REPLY;
    }

    private static ForwardDrop encapDrop(final EncapVerdict v)
    {
        switch (v)
        {
            case TOO_BIG_RATE_LIMITED:
                return ForwardDrop.TOO_BIG_RATE_LIMITED;
            case TOO_BIG_DROPPED:
                return ForwardDrop.TOO_BIG;
            case NO_HEADROOM:
                return ForwardDrop.NO_HEADROOM;
            default:
                return ForwardDrop.NOT_HANDLED;
        }
    }

    /** Points the mbuf at a frame that now starts at {@code start} (in its headroom) and has {@code length} bytes. */
    private static void moveData(final long m, final long oldStart, final long start, final int length)
    {
        if (start < oldStart)
        {
            Mbuf.prepend(m, (int)(oldStart - start));
        }
        else if (start > oldStart)
        {
            Mbuf.adjust(m, (int)(start - oldStart));
        }
        Mbuf.setLength(m, length);
    }

    /**
     * Traffic that parses but is not the data plane's (not a VIP; ARP/ND the responder only
     * learnt from; protocols it does not answer): the kernel's with the exception path, else a
     * counted drop.
     */
    private int notOurs(final ForwardDrop reason)
    {
        return kernelOrDrop(reason.id());
    }

    /**
     * {@link #KERNEL} when this port has an exception path, the frame is the kernel's
     * ({@link #forKernel}) and the rate limit allows; else a drop counted under
     * {@code reasonId} (or {@code kernel_rate_limited}).
     */
    private int kernelOrDrop(final int reasonId)
    {
        if (tap >= 0 && forKernel())
        {
            if (kernelTokens > 0)
            {
                kernelTokens--;
                return KERNEL;
            }
            stats.drops[ForwardDrop.KERNEL_RATE_LIMITED.id()]++;
            return DROP;
        }
        stats.drops[reasonId]++;
        return DROP;
    }

    /**
     * Whether a frame that is not the data plane's belongs to the kernel: not IP (ARP, LLDP, ...),
     * or IP addressed to the host (our addresses, broadcast, multicast, IPv6 link-local). IP
     * traffic to other addresses (scans, a VIP's ports without a service) stays a counted drop:
     * handing it over would cost a system call per packet and let the kernel route it.
     */
    private boolean forKernel()
    {
        final FlowKey k = c.key;
        if (k.family == FlowKey.FAMILY_IPV4)
        {
            final int dst = k.dstV4();
            return (neighbours.hasV4 && dst == neighbours.ourV4) || (dst >>> 28) == IPV4_MULTICAST_NIBBLE || dst == -1;
        }
        if (k.family == FlowKey.FAMILY_IPV6)
        {
            return (neighbours.hasV6 && k.dstHi == neighbours.ourV6Hi && k.dstLo == neighbours.ourV6Lo)
                || (k.dstHi >>> 56) == IPV6_MULTICAST_BYTE || (k.dstHi >>> 54) == IPV6_LINK_LOCAL_PREFIX10;
        }
        return true;
    }

    /** Adds the tokens earned since the last refill (at most once a millisecond, at most one second's worth). */
    private void refillKernelTokens(final long nowNanos)
    {
        final long elapsed = nowNanos - kernelRefillNanos;
        if (elapsed >= KERNEL_REFILL_NANOS)
        {
            final long earned = Math.min(elapsed, 1_000_000_000L) * kernelRate / 1_000_000_000L;
            kernelTokens = Math.min(kernelBurst, kernelTokens + earned);
            kernelRefillNanos = nowNanos;
        }
    }

    private int replied(final long m, final int result)
    {
        if (result <= 0)
        {
            final int reason = -result;
            if (reason == ForwardDrop.NEIGHBOUR_CONSUMED.id() || reason == ForwardDrop.NOT_HANDLED.id())
            {
                return kernelOrDrop(reason);
            }
            stats.drops[reason]++;
            return DROP;
        }
        if (result != Mbuf.dataLength(m))
        {
            Mbuf.setLength(m, result);
        }
        stats.replies++;
        return REPLY;
    }

    private int drop(final ForwardDrop reason)
    {
        stats.drops[reason.id()]++;
        return DROP;
    }

    /** End of the mbuf's data room: in-place replies may grow the frame up to here. */
    private static long bufferEnd(final long m)
    {
        return Mbuf.bufferAddress(m) + Mbuf.bufferLength(m);
    }

    /** Tests: one housekeeping pass as {@link #doWork} makes it, with the newest snapshot taken first. */
    void housekeepingNow(final long nowMs)
    {
        acquireSnapshot();
        housekeeping(nowMs);
    }

    private void housekeeping(final long nowMs)
    {
        final long passes = conntrack.sweeps();
        conntrack.expireSlice(nowMs, EXPIRY_SLICE);
        publish();
        if (conntrack.sweeps() != passes)
        {
            // After the statistics: whoever reuses an id on the strength of this has the final
            // counts of its old backend too.
            stats.publishSwept(sweepFrom);
            sweepFrom = snapshot.generation;
        }
        counters.heartbeat.setRelease(System.currentTimeMillis());
        if (worker == 0 && nowMs >= nextNeighbourRequestMs)
        {
            nextNeighbourRequestMs = nowMs + Neighbours.RETRY_MS;
            resolveGateways(nowMs);
        }
    }

    /** Worker 0 asks for gateway MACs that are unknown or due for refresh, on the port tunnels leave by. */
    private void resolveGateways(final long nowMs)
    {
        if (neighbours.needsRequest(4, nowMs) && neighbours.hasV4)
        {
            sendRequest(true);
        }
        if (neighbours.needsRequest(6, nowMs) && neighbours.hasV6)
        {
            sendRequest(false);
        }
    }

    private void sendRequest(final boolean v4)
    {
        final long m = Mbuf.alloc(pool);
        if (m == 0)
        {
            return;
        }
        final long frame = Mbuf.dataAddress(m);
        final ControlResponder out = responders[peers[0]];
        final int length = v4 ? out.arpRequest(ALL, frame) : out.neighbourSolicitation(ALL, frame);
        Mbuf.setLength(m, length);
        NativeMemory.putLong(tx, m);
        transmit(ports[peers[0]], tx, 1);
    }

    /** The running totals to readers: statistics and the worker's counters (counters file, metrics). */
    private void publish()
    {
        stats.publish();
        counters.rxPackets.setRelease(stats.rxPackets);
        counters.txPackets.setRelease(stats.txPackets);
        counters.txDropped.setRelease(stats.drops[ForwardDrop.TX_FULL.id()]);
        counters.rxBursts.setRelease(stats.rxBursts);
    }

    @Override
    public void onClose()
    {
        // The last housekeeping pass may be up to 2^10 cycles old: the final figures are these.
        publish();
        startup.leaveWorkerThread();
    }

    @Override
    public String roleName()
    {
        return "levitate-lb-worker-" + worker;
    }
}
