package io.levitate.forwarder;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.core.counters.CountersLayout;
import io.levitate.dpdk.EthDev;
import io.levitate.dpdk.Lcore;
import io.levitate.dpdk.Mbuf;
import io.levitate.dpdk.Mempool;
import io.levitate.forwarder.capture.CaptureSlot;
import io.levitate.forwarder.config.AddressPair;
import io.levitate.forwarder.config.Cidr;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.NeighbourSettings;
import io.levitate.forwarder.lb.ConntrackMailbox;
import io.levitate.forwarder.lb.ControlResponder;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.LoadBalancerAgent;
import io.levitate.forwarder.lb.Neighbours;
import io.levitate.forwarder.lb.ServiceState;
import io.levitate.forwarder.lb.SnapshotBuilder;
import io.levitate.forwarder.lb.WorkerContext;
import io.levitate.forwarder.lb.WorkerStats;
import io.levitate.forwarder.worker.L2ForwardAgent;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.worker.WorkerStartup;
import io.levitate.gre.EncapConfig;
import io.levitate.gre.GreEncapsulator;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The forwarder's data plane: EAL up ({@link EalSession}), ports configured and started with
 * their MTU and exception TAPs, one mbuf pool per NUMA socket, and one pinned, DPDK-registered
 * worker thread per worker. {@link #close()} undoes all of it in reverse order (workers joined,
 * ports stopped and closed, pools freed, EAL cleaned up), whatever stage start-up reached.
 *
 * <p>Why a class of its own: this is everything that is built once from the {@link RunSpec} and
 * stays as it is until the process stops, and everything the workers touch. What changes while
 * the process runs (reloads, health verdicts, the heartbeat, the stop grace) is the control side,
 * {@link ControlAgent} on the main thread, which reaches the workers only through what this class
 * publishes: the {@link DataPlaneSnapshot} (release store, by {@link ControlPlane}) and the
 * workers' own published statistics. It also creates the {@link ControlPlane}, in
 * {@link #startLoadBalancers}: the first snapshot and the services' ids must exist before the
 * first worker starts, and the control plane needs the workers' swept generations and statistics.
 */
public final class DataPlane implements AutoCloseable {
    /** Per-lcore mempool cache; DPDK requires cache <= pool size / 1.5. */
    private static final int POOL_CACHE = 256;
    /** How long a worker may take to pin and register before start-up is abandoned. */
    private static final long WORKER_START_TIMEOUT_MS = 10_000;

    private final RunSpec spec;
    private final PrintStream out;
    private final Arena arena = Arena.ofShared();
    private final CountersManager countersManager;
    private final AtomicCounter workerErrors;
    private final List<PortState> ports = new ArrayList<>();
    /** Port i's exception TAP (DPDK port id), or empty when traffic that is not ours is dropped. */
    private final List<PortState> exceptionPorts = new ArrayList<>();

    private final Map<Integer, Long> poolsBySocket = new HashMap<>();
    /** Every pool's data room per mbuf (headroom included): the largest port MTU's frame in one segment. */
    private int poolDataRoom = Mbuf.DEFAULT_BUF_SIZE;

    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<WorkerCounters> workerCounters = new ArrayList<>();
    private final List<WorkerStartup> startups = new ArrayList<>();
    private final List<WorkerStats> workerStats = new ArrayList<>();
    private final List<CaptureSlot> captureSlots = new ArrayList<>();
    private final List<ConntrackTable> conntracks = new ArrayList<>();
    private final List<ConntrackMailbox> mailboxes = new ArrayList<>();
    private final AtomicReference<DataPlaneSnapshot> published = new AtomicReference<>();
    private Neighbours neighbours;
    /** Configuration, snapshots, health checks and reload (null in L2 mode). */
    private ControlPlane control;

    private final EalSession eal;
    private boolean closed;

    /** A configured port. */
    public record PortState(int id, PortSpec spec, String driver, byte[] mac, int rxDescriptors, int txDescriptors) {
        /** The MAC as 48 bits in a long, first octet most significant (the packet module's form). */
        public long macLong() {
            long v = 0;
            for (final byte b : mac) {
                v = v << 8 | (b & 0xFF);
            }
            return v;
        }

        public String macText() {
            final StringBuilder sb = new StringBuilder();
            for (final byte b : mac) {
                if (!sb.isEmpty()) {
                    sb.append(':');
                }
                sb.append(String.format(Locale.ROOT, "%02x", b & 0xFF));
            }
            return sb.toString();
        }
    }

    private DataPlane(final RunSpec spec, final PrintStream out, final CountersManager countersManager) {
        this.spec = spec;
        this.out = out;
        this.eal = new EalSession(spec, out);
        this.countersManager = countersManager;
        workerErrors = countersManager.newCounter("worker errors", CountersLayout.TYPE_WORKER_ERRORS);
    }

    /**
     * Brings the data plane up. On failure everything already started is torn down before the
     * exception propagates.
     *
     * @throws LevitateException with a one-line, operator-facing reason.
     */
    public static DataPlane start(final RunSpec spec, final PrintStream out, final CountersManager counters) {
        final DataPlane dataPlane = new DataPlane(spec, out, counters);
        try {
            dataPlane.eal.start();
            dataPlane.setUpPorts();
            dataPlane.startWorkers();
            return dataPlane;
        } catch (final RuntimeException | Error ex) {
            dataPlane.close();
            throw ex;
        }
    }

    private void setUpPorts() {
        // Every port is looked at before any is configured: the pools (one per socket, shared by
        // the ports on it) must be sized for the largest MTU before the first RX queue takes mbufs.
        final Set<Integer> seen = new HashSet<>();
        final List<EthDev.DevInfo> infos = new ArrayList<>();
        final List<Integer> ids = new ArrayList<>();
        int dataRoom = Mbuf.DEFAULT_BUF_SIZE;
        for (int i = 0; i < spec.ports().size(); i++) {
            final PortSpec portSpec = spec.ports().get(i);
            final int id = EthDev.portIdByName(portSpec.deviceName());
            if (id < 0) {
                throw new LevitateException("port '" + portSpec.deviceName() + "' did not come up"
                        + EalSession.explain(eal.log(), portSpec.deviceName())
                        + "; check the driver name and its arguments (e.g. net_pcap0,rx_pcap=FILE; net_null0; "
                        + "net_af_packet0,iface=IF) or the PCI address and its binding");
            }
            if (!seen.add(id)) {
                throw new LevitateException("port '" + portSpec.deviceName() + "' is given more than once");
            }
            final EthDev.DevInfo info = EthDev.info(id);
            if (spec.workers() > info.maxRxQueues() || spec.workers() > info.maxTxQueues()) {
                throw new LevitateException(spec.workers() + " workers need " + spec.workers()
                        + " RX and TX queues on port '" + portSpec.deviceName() + "' (" + info.driverName()
                        + "), which has at most " + info.maxRxQueues() + " RX / " + info.maxTxQueues() + " TX queues"
                        + (info.driverName().contains("pcap")
                                ? "; give net_pcap one rx_pcap= and one tx_pcap= per worker"
                                : ""));
            }
            final int mtu = configuredMtu(i);
            if (mtu > 0) {
                checkMtu(portSpec, info, mtu);
            }
            dataRoom = Math.max(dataRoom, PortMtu.dataRoom(mtu > 0 ? mtu : PortMtu.ETHERNET_MTU, portSpec, info));
            ids.add(id);
            infos.add(info);
        }
        poolDataRoom = dataRoom;
        for (int i = 0; i < ids.size(); i++) {
            final PortSpec portSpec = spec.ports().get(i);
            final int id = ids.get(i);
            final EthDev.DevInfo info = infos.get(i);
            final int socket = portSocket(id);
            final long pool = poolFor(socket);
            final long rss = spec.workers() > 1
                    ? (EthDev.RSS_IP | EthDev.RSS_TCP | EthDev.RSS_UDP) & info.flowTypeRssOffloads()
                    : 0;
            // rxmode.mtu 0 is ethdev's 1500: ports given on the command line without a
            // configuration keep the device default.
            final int mtu = configuredMtu(i);
            EthDev.configure(
                    id, spec.workers(), spec.workers(), rss, mtu > 0 ? PortMtu.deviceMtu(mtu, portSpec, info) : 0);
            final int[] desc = EthDev.adjustDescriptors(id, spec.rxDescriptors(), spec.txDescriptors());
            for (int q = 0; q < spec.workers(); q++) {
                EthDev.rxQueueSetup(id, q, desc[0], socket, pool);
                EthDev.txQueueSetup(id, q, desc[1], socket);
            }
            // Virtual devices may not support promiscuous mode (-ENOTSUP); a NIC needs it only when
            // traffic is addressed to other MACs, which an L2 forwarder must still pass.
            EthDev.promiscuousEnable(id);
            EthDev.start(id);
            final PortState state =
                    new PortState(id, portSpec, info.driverName(), EthDev.macAddress(id), desc[0], desc[1]);
            ports.add(state);
            out.printf(
                    Locale.ROOT,
                    "levitate: port %d %s (%s) mac %s, %d rx/%d tx queues of %d/%d descriptors, "
                            + "mtu %d (device %d..%d)%s%n",
                    id,
                    portSpec.deviceName(),
                    info.driverName(),
                    state.macText(),
                    spec.workers(),
                    spec.workers(),
                    desc[0],
                    desc[1],
                    mtu > 0 ? mtu : PortMtu.ETHERNET_MTU,
                    info.minMtu(),
                    PortMtu.limit(portSpec, info),
                    rss != 0 ? ", RSS on" : "");
        }
        setUpExceptionPorts();
    }

    /** Port {@code i}'s configured MTU (instance.ports[i].mtu), or 0 when it has none (ports given on the command line). */
    private int configuredMtu(final int i) {
        final LevitateConfig config = spec.config();
        return config != null && i < config.instance().ports().size()
                ? config.instance().ports().get(i).mtu()
                : 0;
    }

    /**
     * Refuses an MTU the device cannot take, before anything is configured: ethdev would refuse it
     * too, but only with -EINVAL from rte_eth_dev_configure, which names neither the MTU nor the limits.
     */
    private static void checkMtu(final PortSpec portSpec, final EthDev.DevInfo info, final int mtu) {
        final int limit = PortMtu.limit(portSpec, info);
        if (mtu < info.minMtu() || mtu > limit) {
            throw new LevitateException("port '" + portSpec.deviceName() + "' (" + info.driverName() + "): mtu " + mtu
                    + " is outside what the device takes (" + info.minMtu() + ".." + limit + ")"
                    + PortMtu.hint(portSpec, info, mtu));
        }
        final int kernelMtu = PortMtu.kernelInterfaceMtu(info);
        if (PortMtu.isAfPacket(portSpec, info) && kernelMtu > 0 && kernelMtu < mtu) {
            throw new LevitateException("port '" + portSpec.deviceName() + "' (" + info.driverName() + "): mtu " + mtu
                    + " is above its kernel interface's MTU " + kernelMtu + ", which the kernel holds its frames to; "
                    + "raise the interface's MTU first (ip link set IF mtu " + mtu + ")");
        }
    }

    /**
     * The exception path: per data port a DPDK TAP whose kernel interface carries the data port's
     * MAC, so the kernel's own traffic (BGP, SSH, its ARP) looks as if it used the NIC. Workers
     * hand the kernel what is not theirs and send what the kernel writes out of the data port;
     * one queue pair per worker, like the data ports.
     */
    /** First address of a health prefix as an int (IPv4), or 0 without one. */
    static int healthBase(final Cidr prefix) {
        return prefix == null ? 0 : SnapshotBuilder.v4(prefix.network());
    }

    /** Addresses in a health prefix (at most 2^16: its length is 16..30), or 0 without one. */
    static int healthSize(final Cidr prefix) {
        return prefix == null ? 0 : 1 << (32 - prefix.length());
    }

    /** Descriptors per exception TAP queue (the pool's default size counts them, see RunCommand). */
    public static final int EXCEPTION_RING = 256;

    private void setUpExceptionPorts() {
        final String tap = EalArguments.exceptionTap(spec);
        for (int i = 0; tap != null && i < ports.size(); i++) {
            final String name = EalArguments.exceptionDevice(i);
            final int id = EthDev.portIdByName(name);
            if (id < 0) {
                throw new LevitateException("exception path: TAP '" + tap + i + "' did not come up"
                        + EalSession.explain(eal.log(), name) + " (net_tap needs /dev/net/tun and CAP_NET_ADMIN)");
            }
            final EthDev.DevInfo info = EthDev.info(id);
            if (spec.workers() > info.maxRxQueues() || spec.workers() > info.maxTxQueues()) {
                throw new LevitateException("exception path: " + spec.workers() + " workers need " + spec.workers()
                        + " queue pairs on the TAP, which has at most " + info.maxRxQueues() + "; use fewer workers or "
                        + "exception_path: drop");
            }
            final int socket = portSocket(ports.get(i).id());
            final long pool = poolFor(socket);
            // The kernel's interface gets the data port's MTU, so what it sends fits the wire; net_tap
            // takes at most 1504 in DPDK 22.11 (max_rx_pktlen 1522), so above that the kernel's own
            // traffic keeps the smaller MTU (its TCP segments are smaller, nothing is lost).
            final int portMtu = configuredMtu(i);
            final int mtu = Math.min(portMtu, info.mtuLimit());
            EthDev.configure(id, spec.workers(), spec.workers(), 0, 0);
            if (mtu > 0) {
                EthDev.setMtu(id, mtu);
            }
            // Small rings: the kernel's own traffic is a trickle, and each RX descriptor holds an
            // mbuf of the shared pool for as long as the port runs.
            final int[] desc = EthDev.adjustDescriptors(id, EXCEPTION_RING, EXCEPTION_RING);
            for (int q = 0; q < spec.workers(); q++) {
                EthDev.rxQueueSetup(id, q, desc[0], socket, pool);
                EthDev.txQueueSetup(id, q, desc[1], socket);
            }
            EthDev.setMacAddress(id, ports.get(i).mac());
            EthDev.start(id);
            final PortState state =
                    new PortState(id, PortSpec.parse(name), "net_tap", EthDev.macAddress(id), desc[0], desc[1]);
            exceptionPorts.add(state);
            out.printf(
                    Locale.ROOT,
                    "levitate: %s for port %d: kernel interface %s%d (port %d, mac %s), "
                            + "%d queue pair(s), mtu %d%s%n",
                    spec.config().instance().exceptionTap() != null
                            ? "exception path"
                            : "health probes' TAP (no exception path)",
                    ports.get(i).id(),
                    tap,
                    i,
                    id,
                    state.macText(),
                    spec.workers(),
                    mtu > 0 ? mtu : PortMtu.ETHERNET_MTU,
                    mtu < portMtu ? " (net_tap's limit, below the port's " + portMtu + ")" : "");
        }
    }

    /**
     * The NUMA socket whose memory serves a port: the device's own, or the main lcore's for
     * devices that report none (virtual devices say -1), so that ports share one pool per socket.
     */
    private static int portSocket(final int port) {
        final int socket = EthDev.socketId(port);
        return socket >= 0 ? socket : Math.max(0, Lcore.socketId());
    }

    private long poolFor(final int socketId) {
        return poolsBySocket.computeIfAbsent(socketId, socket -> {
            final int cache = spec.mbufs() >= POOL_CACHE * 3 / 2 ? POOL_CACHE : 0;
            final String name = "levitate_s" + socket;
            final long pool = Mempool.createPktmbufPool(name, spec.mbufs(), cache, poolDataRoom, socket);
            out.printf(
                    Locale.ROOT,
                    "levitate: mbuf pool %s: %d mbufs, data room %d bytes (%d headroom), cache %d%n",
                    name,
                    spec.mbufs(),
                    poolDataRoom,
                    Mbuf.HEADROOM,
                    cache);
            return pool;
        });
    }

    private void startWorkers() {
        if (spec.config() != null) {
            startLoadBalancers();
        } else {
            startL2Forwarders();
        }
        awaitWorkers();
        keepOtherThreadsOffWorkers();
    }

    /**
     * Restricts the process's other threads to the CPUs no worker uses ({@link ThreadPlacement});
     * run once the workers have pinned themselves, and again after warm-up for the threads the
     * JVM started meanwhile. A failure is reported, not fatal: forwarding works without it.
     */
    void keepOtherThreadsOffWorkers() {
        final Set<Integer> workers = new HashSet<>();
        for (final WorkerStartup startup : startups) {
            workers.add(startup.threadId());
        }
        try {
            out.println("levitate: "
                    + ThreadPlacement.keepOffWorkers(workers, spec.workerCores())
                            .describe());
        } catch (final IllegalStateException ex) {
            out.println("levitate: warning: " + ex.getMessage() + "; other threads may interrupt the workers");
        }
    }

    private void startLoadBalancers() {
        final LevitateConfig config = spec.config();
        final AddressPair ours = config.instance().addresses();
        final AddressPair gateways = config.instance().gateways();
        // instance.neighbours: static pins the gateways' MACs here for the life of the process.
        final NeighbourSettings pins = config.instance().neighbours();
        neighbours = new Neighbours(
                ours.ipv4() != null ? SnapshotBuilder.v4(ours.ipv4()) : 0,
                ours.ipv4() != null,
                ours.ipv6() != null ? SnapshotBuilder.hi(ours.ipv6()) : 0,
                ours.ipv6() != null ? SnapshotBuilder.lo(ours.ipv6()) : 0,
                ours.ipv6() != null,
                gateways.ipv4() != null ? SnapshotBuilder.v4(gateways.ipv4()) : 0,
                gateways.ipv4() != null,
                gateways.ipv6() != null ? SnapshotBuilder.hi(gateways.ipv6()) : 0,
                gateways.ipv6() != null ? SnapshotBuilder.lo(gateways.ipv6()) : 0,
                gateways.ipv6() != null,
                pins.pinned(),
                pins.gatewayV4Mac(),
                pins.gatewayV6Mac());
        control = new ControlPlane(
                out, published, this::sweptGeneration, id -> workerStats.forEach(stats -> stats.rebaseBackend(id)));
        final DataPlaneSnapshot first = control.start(config);
        for (final ServiceState service : first.services()) {
            out.printf(
                    Locale.ROOT,
                    "levitate: service %s: table size %d, digest %s, %d healthy backend(s)%n",
                    service.name,
                    service.table.size(),
                    service.table.digestHex(),
                    service.healthyBackends);
        }
        final int[] portIds = new int[ports.size()];
        final int[] peers = new int[ports.size()];
        for (int i = 0; i < portIds.length; i++) {
            portIds[i] = ports.get(i).id();
            peers[i] = spec.peerOf(i);
        }
        for (int w = 0; w < spec.workers(); w++) {
            final ConntrackTable conntrack = new ConntrackTable(config.conntrack()
                    .toConntrackConfig(config.hashSeed() + w)
                    .withServices(SnapshotBuilder.MAX_SERVICES, 0));
            for (final var service : config.services()) {
                if (service.quota() > 0) {
                    conntrack.serviceQuota(control.serviceId(service.name()), service.quota());
                }
            }
            conntracks.add(conntrack);
            final GreEncapsulator[] encapsulators = new GreEncapsulator[ports.size()];
            final ControlResponder[] responders = new ControlResponder[ports.size()];
            for (int i = 0; i < ports.size(); i++) {
                final long mac = ports.get(i).macLong();
                // MTU from the configured port; ports given on the command line instead get Ethernet's 1500.
                final int mtu = i < config.instance().ports().size()
                        ? config.instance().ports().get(i).mtu()
                        : 1500;
                encapsulators[i] = new GreEncapsulator(encapConfig(config, mac, mtu));
                responders[i] = new ControlResponder(mac, neighbours);
            }
            final WorkerCounters counters = new WorkerCounters(countersManager, w);
            final WorkerStats stats = new WorkerStats(SnapshotBuilder.MAX_SERVICES, SnapshotBuilder.BACKEND_IDS);
            captureSlots.add(new CaptureSlot());
            final WorkerStartup startup = new WorkerStartup();
            final long rx = arena.allocate(8L * spec.burst(), 64).address();
            final long tx = arena.allocate(8L * spec.burst(), 64).address();
            final long replies = arena.allocate(8L * spec.burst(), 64).address();
            final long drop = arena.allocate(8L * spec.burst(), 64).address();
            final long kernel = arena.allocate(8L * spec.burst(), 64).address();
            final int[] exception = new int[portIds.length];
            for (int i = 0; i < exception.length; i++) {
                exception[i] = i < exceptionPorts.size() ? exceptionPorts.get(i).id() : -1;
            }
            final LoadBalancerAgent agent = new LoadBalancerAgent(WorkerContext.builder()
                    .worker(w, spec.workerCores().get(w), w)
                    .burst(spec.burst())
                    .ports(portIds, peers)
                    .pointerArrays(rx, tx, replies, drop, kernel)
                    .exceptionPath(exception, config.instance().exceptionRate())
                    .healthPrefix(
                            healthBase(config.instance().healthPrefix()),
                            healthSize(config.instance().healthPrefix()),
                            config.instance().exceptionTap() != null)
                    .pool(poolsBySocket.values().iterator().next())
                    .snapshots(published)
                    .neighbours(neighbours)
                    .conntrack(conntrack)
                    .perPort(encapsulators, responders)
                    .reporting(stats, counters, startup)
                    .capture(captureSlots.get(w))
                    .build());
            mailboxes.add(agent.mailbox());
            launch(agent, counters, startup);
            workerStats.add(stats);
        }
    }

    /**
     * The lowest snapshot generation every worker has published after a full sweep of its conntrack
     * table (no workers: nothing holds a backend id). Freed backend ids wait for it (SnapshotBuilder).
     */
    private long sweptGeneration() {
        long lowest = Long.MAX_VALUE;
        for (final WorkerStats stats : workerStats) {
            lowest = Math.min(lowest, stats.sweptGeneration());
        }
        return lowest;
    }

    private static EncapConfig encapConfig(final LevitateConfig config, final long mac, final int mtu) {
        final EncapConfig.Builder b = EncapConfig.builder().portMac(mac).mtu(Math.max(EncapConfig.MIN_MTU, mtu));
        final AddressPair ours = config.instance().addresses();
        final Cidr prefix = config.instance().greSourcePrefix();
        if (ours.ipv4() != null) {
            if (prefix != null && prefix.network() instanceof java.net.Inet4Address) {
                b.sourceV4(prefix.network().getHostAddress(), prefix.length());
            } else {
                b.sourceV4(ours.ipv4().getHostAddress());
            }
        }
        if (ours.ipv6() != null) {
            if (prefix != null && prefix.network() instanceof java.net.Inet6Address) {
                b.sourceV6(prefix.network().getHostAddress(), prefix.length());
            } else {
                b.sourceV6(ours.ipv6().getHostAddress());
            }
        }
        return b.build();
    }

    /** One idle strategy per worker (they keep state), chosen by {@code instance.idle}. */
    private org.agrona.concurrent.IdleStrategy idleStrategy() {
        if (spec.config() != null && spec.config().instance().idle() == io.levitate.forwarder.config.IdleMode.BACKOFF) {
            return new org.agrona.concurrent.BackoffIdleStrategy(
                    io.levitate.forwarder.config.IdleMode.MAX_SPINS,
                    io.levitate.forwarder.config.IdleMode.MAX_YIELDS,
                    io.levitate.forwarder.config.IdleMode.MIN_PARK_NANOS,
                    io.levitate.forwarder.config.IdleMode.MAX_PARK_NANOS);
        }
        return new BusySpinIdleStrategy();
    }

    private void launch(
            final org.agrona.concurrent.Agent agent, final WorkerCounters counters, final WorkerStartup startup) {
        final AgentRunner runner = new AgentRunner(idleStrategy(), this::onWorkerError, workerErrors, agent);
        workerCounters.add(counters);
        startups.add(startup);
        runners.add(runner);
        AgentRunner.startOnThread(runner);
    }

    private void startL2Forwarders() {
        final int n = ports.size();
        final int[] rx = new int[n];
        final int[] tx = new int[n];
        for (int i = 0; i < n; i++) {
            rx[i] = ports.get(i).id();
            tx[i] = ports.get(spec.peerOf(i)).id();
        }
        for (int w = 0; w < spec.workers(); w++) {
            final WorkerCounters counters = new WorkerCounters(countersManager, w);
            final WorkerStartup startup = new WorkerStartup();
            final long mbufs = arena.allocate(8L * spec.burst(), 64).address();
            final L2ForwardAgent agent =
                    new L2ForwardAgent(w, spec.workerCores().get(w), w, spec.burst(), rx, tx, mbufs, counters, startup);
            launch(agent, counters, startup);
        }
    }

    private void awaitWorkers() {
        for (int w = 0; w < spec.workers(); w++) {
            final RuntimeException failure;
            try {
                failure = startups.get(w).await(WORKER_START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new LevitateException("interrupted while starting workers", ex);
            }
            if (failure != null) {
                throw new LevitateException(
                        "worker " + w + " could not start on CPU "
                                + spec.workerCores().get(w) + ": " + rootMessage(failure),
                        failure);
            }
            out.printf(
                    Locale.ROOT,
                    "levitate: worker %d on CPU %d as lcore %d, queue %d of every port%n",
                    w,
                    startups.get(w).cpu(),
                    startups.get(w).lcore(),
                    w);
        }
    }

    private void onWorkerError(final Throwable t) {
        System.err.println("levitate: worker error: " + t);
    }

    /** Load-balancing statistics of worker {@code w} (empty list in L2 mode). */
    public List<WorkerStats> workerStats() {
        return List.copyOf(workerStats);
    }

    /** Where {@code levitate capture} installs each load-balancing worker's tap, by worker (empty in L2 mode). */
    public CaptureSlot[] captureSlots() {
        return captureSlots.toArray(new CaptureSlot[0]);
    }

    /** Conntrack tables, one per worker (empty in L2 mode); their counters are readable from any thread. */
    /** Each load-balancing worker's conntrack mailbox (empty in L2 mode). */
    public List<ConntrackMailbox> conntrackMailboxes() {
        return List.copyOf(mailboxes);
    }

    public List<ConntrackTable> conntracks() {
        return List.copyOf(conntracks);
    }

    /** The snapshot workers currently use (null in L2 mode). */
    public DataPlaneSnapshot snapshot() {
        return published.getAcquire();
    }

    /** Configuration, snapshots, health checks and reload; null in L2 mode. */
    ControlPlane controlPlane() {
        return control;
    }

    /** The configuration in force (the last reload applied), null in L2 mode. */
    public LevitateConfig config() {
        return control == null ? null : control.config();
    }

    public Neighbours neighbours() {
        return neighbours;
    }

    /** The counters of worker {@code w}. */
    public WorkerCounters workerCounters(final int w) {
        return workerCounters.get(w);
    }

    public List<PortState> ports() {
        return List.copyOf(ports);
    }

    public int workerCount() {
        return runners.size();
    }

    /** Heap bytes allocated so far by all worker threads (HotSpot's per-thread allocation counter). */
    public long workerAllocatedBytes() {
        final com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final AgentRunner runner : runners) {
            final Thread thread = runner.thread();
            if (thread != null && thread != AgentRunner.TOMBSTONE) {
                total += Math.max(0, mx.getThreadAllocatedBytes(thread.threadId()));
            }
        }
        return total;
    }

    /** Stops and joins every worker (idempotent); counters are final afterwards. */
    public void stopWorkers() {
        for (final AgentRunner runner : runners) {
            runner.close();
        }
    }

    /** Workers stop, ports stop and close, pools are freed, the EAL is cleaned up. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (control != null) {
            control.close();
        }
        stopWorkers();
        final List<PortState> all = new ArrayList<>(ports);
        all.addAll(exceptionPorts);
        for (final PortState port : all) {
            final int stop = EthDev.stop(port.id());
            final int close = EthDev.close(port.id());
            if (stop < 0 || close < 0) {
                System.err.println("levitate: port " + port.id() + " stop/close returned " + stop + "/" + close);
            }
        }
        for (final long pool : poolsBySocket.values()) {
            Mempool.free(pool);
        }
        for (final ConntrackTable conntrack : conntracks) {
            conntrack.close();
        }
        if (eal.cleanUp()) {
            out.println(
                    "levitate: stopped: workers joined, " + ports.size() + " ports stopped and closed, EAL cleaned up");
        }
        eal.removeRuntimeDirectory();
        arena.close();
    }

    static String rootMessage(final Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
