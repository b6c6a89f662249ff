package io.levitate.forwarder.lb;

import io.levitate.conntrack.ConntrackTable;
import io.levitate.forwarder.capture.CaptureSlot;
import io.levitate.forwarder.config.ConfigDefaults;
import io.levitate.forwarder.worker.WorkerCounters;
import io.levitate.forwarder.worker.WorkerStartup;
import io.levitate.gre.GreEncapsulator;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything one load-balancing worker is wired to, fixed before it starts: its core and queue,
 * the ports it polls and where each port's tunnel packets leave, its off-heap pointer arrays, its
 * exception TAPs, and the tables, statistics and counters it owns or reads (as DPDK l3fwd's
 * {@code lcore_conf} or Aeron's {@code Context}). Built once by {@link Builder#build}, which checks
 * that the per-port arrays agree; immutable afterwards (arrays are copied in and never written).
 *
 * <p>The worker's parts ({@link LoadBalancerAgent}, {@link Ipv4FastPath}, {@link Ipv6FastPath}, {@link GeneralPath},
 * {@link ExceptionPath}, {@link BackendSelector}, {@link GatewayResolver}) copy what they use into
 * their own final fields when they are constructed, so the packet path reads the same fields it
 * always did and never goes through this object.
 */
public final class WorkerContext {
    /** The worker's index (worker 0 also resolves the gateways), its CPU and the queue it polls on every port. */
    final int worker;

    final int cpu;
    final int queue;
    /** Most mbufs one rx burst takes, and the length of every pointer array below. */
    final int burst;
    /** DPDK port ids, polled in this order. */
    final int[] ports;
    /** By port position: the position of the port tunnel packets leave on (itself when one-armed). */
    final int[] peers;
    /** Addresses of off-heap arrays of {@link #burst} mbuf pointers: received, tunnels, replies, drops, for the kernel. */
    final long rx;

    final long tx;
    final long replies;
    final long drop;
    final long kernel;
    /** By port position: the DPDK port of its exception TAP, or -1 (no exception path on that port). */
    final int[] exceptionPorts;
    /** Whether any port has an exception TAP. */
    final boolean exceptionPath;
    /** Frames per second the exception path hands the kernel ({@code instance.exception_rate}). */
    final int exceptionRate;
    /**
     * Whether the TAPs carry the host's traffic (instance.exception_path: tap); false when they
     * exist only for health probes through the tunnel (a kernel-homed machine with a health prefix).
     */
    final boolean hostTraffic;
    /** First address of instance.health_prefix (IPv4, as an int), and its number of addresses (0: none). */
    final int healthBase;

    final int healthSize;
    /** The mbuf pool worker 0 allocates gateway requests from. */
    final long pool;

    final AtomicReference<DataPlaneSnapshot> published;
    final Neighbours neighbours;
    final ConntrackTable conntrack;
    /** By port position: each port has its own MAC, so its own encapsulator and responder. */
    final GreEncapsulator[] encapsulators;

    final ControlResponder[] responders;
    final WorkerStats stats;
    final WorkerCounters counters;
    final WorkerStartup startup;
    /** Where {@code levitate capture} installs this worker's tap (a slot of its own when none was given). */
    final CaptureSlot capture;

    private WorkerContext(final Builder b) {
        worker = b.worker;
        cpu = b.cpu;
        queue = b.queue;
        burst = b.burst;
        ports = b.ports.clone();
        peers = b.peers.clone();
        rx = b.rx;
        tx = b.tx;
        replies = b.replies;
        drop = b.drop;
        kernel = b.kernel;
        exceptionPorts = b.exceptionPorts != null ? b.exceptionPorts.clone() : noTaps(ports.length);
        boolean any = false;
        for (final int p : exceptionPorts) {
            any |= p >= 0;
        }
        exceptionPath = any;
        exceptionRate = b.exceptionRate;
        hostTraffic = b.hostTraffic;
        healthBase = b.healthBase;
        healthSize = b.healthSize;
        pool = b.pool;
        published = b.published;
        neighbours = b.neighbours;
        conntrack = b.conntrack;
        encapsulators = b.encapsulators.clone();
        responders = b.responders.clone();
        stats = b.stats;
        counters = b.counters;
        startup = b.startup;
        capture = b.capture != null ? b.capture : new CaptureSlot();
    }

    private static int[] noTaps(final int ports) {
        final int[] none = new int[ports];
        Arrays.fill(none, -1);
        return none;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects a worker's wiring; {@link #build} refuses a missing part or per-port arrays of
     * different lengths with an {@link IllegalArgumentException} naming it.
     */
    public static final class Builder {
        private int worker;
        private int cpu;
        private int queue;
        private int burst;
        private int[] ports;
        private int[] peers;
        private long rx;
        private long tx;
        private long replies;
        private long drop;
        private long kernel;
        private int[] exceptionPorts;
        private int exceptionRate = ConfigDefaults.EXCEPTION_RATE;
        private boolean hostTraffic = true;
        private int healthBase;
        private int healthSize;
        private long pool;
        private AtomicReference<DataPlaneSnapshot> published;
        private Neighbours neighbours;
        private ConntrackTable conntrack;
        private GreEncapsulator[] encapsulators;
        private ControlResponder[] responders;
        private WorkerStats stats;
        private WorkerCounters counters;
        private WorkerStartup startup;
        private CaptureSlot capture;

        private Builder() {}

        /** The worker's index, the CPU its thread is pinned to, and the queue it polls on every port. */
        public Builder worker(final int worker, final int cpu, final int queue) {
            this.worker = worker;
            this.cpu = cpu;
            this.queue = queue;
            return this;
        }

        public Builder burst(final int burst) {
            this.burst = burst;
            return this;
        }

        /** DPDK port ids, and by position the position of each one's peer (itself when one-armed). */
        public Builder ports(final int[] ports, final int[] peers) {
            this.ports = ports;
            this.peers = peers;
            return this;
        }

        /**
         * Addresses of five off-heap arrays of {@code burst} mbuf pointers: received, tunnels,
         * replies, drops, for the kernel (0 for a worker that never receives or transmits: tests).
         */
        public Builder pointerArrays(
                final long rx, final long tx, final long replies, final long drop, final long kernel) {
            this.rx = rx;
            this.tx = tx;
            this.replies = replies;
            this.drop = drop;
            this.kernel = kernel;
            return this;
        }

        /**
         * By port position the DPDK port of its exception TAP, or -1; and the rate the kernel is
         * handed frames at. Without this call no port has an exception path.
         */
        public Builder exceptionPath(final int[] exceptionPorts, final int ratePerSecond) {
            this.exceptionPorts = exceptionPorts;
            this.exceptionRate = ratePerSecond;
            return this;
        }

        /**
         * Health probes through the tunnel: sources {@code base .. base + size - 1} (IPv4, host
         * order as an int) are backend ids 0 .. size - 1. With {@code hostTraffic} false the TAPs
         * exist for these probes only: nothing else goes to or comes from the kernel through them.
         */
        public Builder healthPrefix(final int base, final int size, final boolean hostTraffic) {
            this.healthBase = base;
            this.healthSize = size;
            this.hostTraffic = hostTraffic;
            return this;
        }

        /** The mbuf pool worker 0 allocates gateway requests from. */
        public Builder pool(final long pool) {
            this.pool = pool;
            return this;
        }

        /** Where the control plane publishes snapshots. */
        public Builder snapshots(final AtomicReference<DataPlaneSnapshot> published) {
            this.published = published;
            return this;
        }

        public Builder neighbours(final Neighbours neighbours) {
            this.neighbours = neighbours;
            return this;
        }

        /** The worker's own conntrack table. */
        public Builder conntrack(final ConntrackTable conntrack) {
            this.conntrack = conntrack;
            return this;
        }

        /** By port position, the port's encapsulator and responder (each carries the port's MAC). */
        public Builder perPort(final GreEncapsulator[] encapsulators, final ControlResponder[] responders) {
            this.encapsulators = encapsulators;
            this.responders = responders;
            return this;
        }

        /** The worker's statistics, its counters in the counters file, and its thread's start-up. */
        public Builder reporting(final WorkerStats stats, final WorkerCounters counters, final WorkerStartup startup) {
            this.stats = stats;
            this.counters = counters;
            this.startup = startup;
            return this;
        }

        /** Where the control side's capture service installs this worker's tap (optional). */
        public Builder capture(final CaptureSlot capture) {
            this.capture = capture;
            return this;
        }

        public WorkerContext build() {
            require(ports, "ports");
            require(peers, "peers");
            require(published, "snapshots");
            require(neighbours, "neighbours");
            require(conntrack, "conntrack");
            require(encapsulators, "encapsulators");
            require(responders, "responders");
            require(stats, "stats");
            require(counters, "counters");
            require(startup, "startup");
            if (burst < 1) {
                throw new IllegalArgumentException("worker " + worker + ": burst must be at least 1, got " + burst);
            }
            if (ports.length == 0) {
                throw new IllegalArgumentException("worker " + worker + ": no ports");
            }
            sameLength(peers.length, "peers");
            sameLength(encapsulators.length, "encapsulators");
            sameLength(responders.length, "responders");
            if (exceptionPorts != null) {
                sameLength(exceptionPorts.length, "exception ports");
            }
            for (final int peer : peers) {
                if (peer < 0 || peer >= ports.length) {
                    throw new IllegalArgumentException(
                            "worker " + worker + ": peer position " + peer + " is not a port");
                }
            }
            if (exceptionRate < 1) {
                throw new IllegalArgumentException(
                        "worker " + worker + ": exception rate must be positive, got " + exceptionRate);
            }
            return new WorkerContext(this);
        }

        private void require(final Object part, final String name) {
            if (part == null) {
                throw new IllegalArgumentException("worker " + worker + ": no " + name);
            }
        }

        private void sameLength(final int length, final String name) {
            if (length != ports.length) {
                throw new IllegalArgumentException(
                        "worker " + worker + ": " + ports.length + " ports but " + length + " " + name);
            }
        }
    }
}
