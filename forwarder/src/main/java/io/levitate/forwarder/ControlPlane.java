package io.levitate.forwarder;

import io.levitate.forwarder.config.BackendDefinition;
import io.levitate.forwarder.config.ConfigPlan;
import io.levitate.forwarder.config.HealthCheckConfig;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.forwarder.health.HealthChecker;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.ServiceState;
import io.levitate.forwarder.lb.SnapshotBuilder;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.MovedShare;
import io.levitate.maglev.ServiceTable;
import io.levitate.maglev.TableSizes;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The forwarder's control plane, apart from DPDK: the running configuration, the snapshot workers
 * take ({@link #published}), the health checker, and live reload.
 *
 * <p>A reload is a transaction. Everything the new configuration needs is built first, while the
 * old one keeps running untouched, health checks included: the tables, the backend ids (which may
 * run out), the snapshot, the health-check plan, and the new health checker, started. Only then is
 * it committed, by steps that cannot fail: the builder adopts the ids, the snapshot is published
 * (release store), the configuration is switched, and the old checker is stopped. A failure at any
 * step before the commit stops what was started for the new configuration and leaves the old one
 * in force. {@link #faults} lets tests fail each step ({@link Step}).
 *
 * <p>Everything here runs on the control thread ({@link ControlAgent}, which applies reloads) or a
 * health-check thread (a verdict rebuilds the snapshot), serialised by one lock; workers only read
 * {@link #published}, so the lock never reaches them. {@link DataPlane} creates it, because the
 * first snapshot must exist before the first worker starts.
 */
final class ControlPlane implements AutoCloseable {
    /** The steps of a reload before its commit, in order; tests inject a fault after each. */
    enum Step {
        TABLES,
        BACKEND_IDS,
        SNAPSHOT,
        HEALTH_PLAN,
        HEALTH_START
    }

    /** Called after each {@link Step}; throwing aborts the reload (the fault-injection seam). */
    interface FaultHook {
        void after(Step step);
    }

    /** Most probe threads per checker: probes are short and mostly wait on the network. */
    private static final int MAX_HEALTH_THREADS = 4;

    private final PrintStream out;
    private final AtomicReference<DataPlaneSnapshot> published;
    private final SnapshotBuilder snapshots;
    private final IntConsumer recycled;
    private final Object lock = new Object();
    /** Package-private for fault-injection tests; never set in production. */
    FaultHook faults = step -> {};

    private HealthChecker health;
    /** The configuration the published snapshot was built from; changed only under {@link #lock}. */
    private volatile LevitateConfig currentConfig;

    /**
     * @param swept the lowest snapshot generation every worker has swept its conntrack table at
     *              (see {@link SnapshotBuilder}: freed backend ids wait for it)
     * @param recycled told of each backend id a reload gives to a new backend, before it is published
     *                 (the workers' statistics start the id's counts afresh)
     */
    ControlPlane(
            final PrintStream out,
            final AtomicReference<DataPlaneSnapshot> published,
            final LongSupplier swept,
            final IntConsumer recycled) {
        this.out = out;
        this.published = published;
        this.snapshots = new SnapshotBuilder(swept);
        this.recycled = recycled;
    }

    /** Publishes the first snapshot of {@code config} and starts its health checks. */
    DataPlaneSnapshot start(final LevitateConfig config) {
        synchronized (lock) {
            final DataPlaneSnapshot first = snapshots.build(config, Map.of());
            currentConfig = config;
            published.setRelease(first);
            health = startHealth(healthTargets(config, snapshots::backendId), Map.of());
            return first;
        }
    }

    /** The running configuration (null before {@link #start}). */
    LevitateConfig config() {
        return currentConfig;
    }

    /** The running health checker, or null when no backend is checked (tests). */
    HealthChecker health() {
        synchronized (lock) {
            return health;
        }
    }

    SnapshotBuilder snapshots() {
        return snapshots;
    }

    /** The id conntrack quotas and statistics use for a service of the running configuration. */
    int serviceId(final String name) {
        synchronized (lock) {
            return snapshots.serviceId(name);
        }
    }

    /**
     * Applies a new, already validated configuration without stopping workers: services added,
     * removed or changed get new tables, unchanged ones keep theirs (same digest), and the whole
     * snapshot is published at once. What needs a restart (ports, workers, cores, memory, our
     * addresses, gateways, conntrack sizing, metrics; {@link #restartOnlyChanges}) is refused and
     * the running configuration stays. So is a change of a service's table size M unless
     * {@code allowTableResize}: a new M reshuffles nearly every slot, so it must be meant, not the
     * side effect of a backend count crossing a threshold of the default ladder. The reload is
     * atomic (see the class comment): tables, backend ids, snapshot and health checks are all
     * built before anything switches, and a failure at any of them (for instance no free backend
     * ids) is a refusal with the old configuration running.
     *
     * @return one line per service saying what happened, or the reason for refusing.
     */
    List<String> reload(final LevitateConfig next, final boolean allowTableResize) {
        synchronized (lock) {
            final LevitateConfig running = currentConfig;
            if (running == null) {
                return List.of("refused: not running in load-balancing mode");
            }
            final List<String> restart = restartOnlyChanges(running, next);
            if (!restart.isEmpty()) {
                return List.of("refused: " + String.join(", ", restart) + " changed; that needs a restart "
                        + "(the running configuration stays)");
            }
            if (!allowTableResize) {
                final List<String> resized = tableResizes(running, next);
                if (!resized.isEmpty()) {
                    final List<String> refused = new ArrayList<>();
                    for (final String r : resized) {
                        refused.add("refused: " + r + "; levitate reload --allow-table-resize applies it "
                                + "(the running configuration stays)");
                    }
                    return refused;
                }
            }
            // The old checker keeps probing while the new configuration is built; its verdicts seed
            // the new one, so a backend known to be down stays down across the reload.
            final Map<String, Boolean> verdicts = health != null ? health.states() : Map.of();
            final SnapshotBuilder.Prepared prepared;
            HealthChecker started = null;
            try {
                prepared = snapshots.prepare(
                        next, downOverrides(verdicts), step -> faults.after(Step.valueOf(step.name())));
                final List<HealthChecker.Target> targets = healthTargets(next, prepared::backendId);
                faults.after(Step.HEALTH_PLAN);
                started = startHealth(targets, verdicts);
                faults.after(Step.HEALTH_START);
            } catch (final RuntimeException ex) {
                if (started != null) {
                    started.close();
                }
                return List.of("refused: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString())
                        + " (the running configuration stays)");
            }
            // Commit: nothing from here on can fail.
            final DataPlaneSnapshot before = published.getAcquire();
            snapshots.commit(prepared);
            prepared.recycledIds().forEach(recycled::accept);
            published.setRelease(prepared.snapshot);
            currentConfig = next;
            final HealthChecker retired = health;
            health = started;
            if (retired != null) {
                retired.close();
            }
            return report(before, prepared.snapshot);
        }
    }

    /**
     * One line per service of both configurations whose table size M differs, with the share of new
     * flows the change would move (computed from the configured tables, health aside): the
     * one-line form {@code levitate plan} prints.
     */
    static List<String> tableResizes(final LevitateConfig running, final LevitateConfig next) {
        final List<String> lines = new ArrayList<>();
        for (final ServiceDefinition s : next.services()) {
            final ServiceDefinition was = running.service(s.name());
            if (was == null
                    || TableSizes.resolve(was.tableSize(), was.backends().size())
                            == TableSizes.resolve(s.tableSize(), s.backends().size())) {
                continue;
            }
            final ServiceTable before = was.buildTable(running.hashSeed());
            final ServiceTable after = s.buildTable(next.hashSeed());
            lines.add("service " + s.name() + ": table size " + before.size() + " -> " + after.size()
                    + (s.tableSize() == 0
                            ? " (" + ConfigPlan.defaultRange(s.backends().size()) + ")"
                            : "")
                    + " would move "
                    + ConfigPlan.percent(MovedShare.between(before, after).share()) + " of new flows");
        }
        return lines;
    }

    /** What a reload cannot change: the parts of the configuration the EAL, ports and workers were built from. */
    static List<String> restartOnlyChanges(final LevitateConfig a, final LevitateConfig b) {
        final List<String> changed = new ArrayList<>();
        final var ia = a.instance();
        final var ib = b.instance();
        if (!ia.ports().equals(ib.ports())) {
            changed.add("instance.ports");
        }
        if (ia.workers() != ib.workers() || !ia.cores().equals(ib.cores()) || ia.mainCore() != ib.mainCore()) {
            changed.add("instance.workers/cores");
        }
        if (ia.hugepages() != ib.hugepages() || ia.memoryMb() != ib.memoryMb() || ia.mbufs() != ib.mbufs()) {
            changed.add("instance memory");
        }
        if (!ia.addresses().equals(ib.addresses())
                || !ia.gateways().equals(ib.gateways())
                || !java.util.Objects.equals(ia.greSourcePrefix(), ib.greSourcePrefix())) {
            changed.add("instance addresses/gateways");
        }
        if (!ia.neighbours().equals(ib.neighbours())) {
            changed.add("instance.neighbours/gateway MACs");
        }
        if (!ia.name().equals(ib.name()) || !java.util.Objects.equals(ia.countersDir(), ib.countersDir())) {
            changed.add("instance name/counters_dir");
        }
        if (ia.idle() != ib.idle()
                || !java.util.Objects.equals(ia.exceptionTap(), ib.exceptionTap())
                || ia.exceptionRate() != ib.exceptionRate()) {
            changed.add("instance idle/exception_path");
        }
        if (!a.conntrack().equals(b.conntrack())) {
            changed.add("conntrack");
        }
        if (!java.util.Objects.equals(a.metrics(), b.metrics())
                || !java.util.Objects.equals(a.control(), b.control())) {
            changed.add("metrics/control");
        }
        return changed;
    }

    private static List<String> report(final DataPlaneSnapshot before, final DataPlaneSnapshot after) {
        final List<String> report = new ArrayList<>();
        final Map<String, ServiceState> old = new HashMap<>();
        before.services().forEach(s -> old.put(s.name, s));
        for (final ServiceState s : after.services()) {
            final ServiceState was = old.remove(s.name);
            if (was == null) {
                report.add("service " + s.name + ": added, digest " + s.table.digestHex());
            } else if (was.table.digest() == s.table.digest()) {
                report.add("service " + s.name + ": unchanged, digest " + s.table.digestHex());
            } else if (was.table.size() != s.table.size()) {
                report.add(String.format(
                        Locale.ROOT,
                        "service %s: table size %d -> %d, %s of new flows move, "
                                + "digest %s -> %s, %d healthy backend(s)",
                        s.name,
                        was.table.size(),
                        s.table.size(),
                        ConfigPlan.percent(
                                MovedShare.between(was.table, s.table).share()),
                        was.table.digestHex(),
                        s.table.digestHex(),
                        s.healthyBackends));
            } else {
                report.add("service " + s.name + ": table rebuilt, digest " + was.table.digestHex() + " -> "
                        + s.table.digestHex() + ", " + s.healthyBackends + " healthy backend(s)");
            }
        }
        old.keySet().forEach(name -> report.add("service " + name + ": removed"));
        return report;
    }

    /** A backend's id in a snapshot (committed or prepared), or -1. */
    interface BackendIds {
        int backendId(String service, io.levitate.maglev.Backend backend);
    }

    /**
     * The health-check plan of a configuration: one target per checked backend. A check travels
     * through the tunnel when it says {@code via: tunnel}, or says nothing and the instance has a
     * {@code health_prefix} (the default for GRE services where the machine can do it); it needs
     * an IPv4 VIP and backend and a backend id inside the prefix, and is checked directly otherwise,
     * with a warning (the binder already refused {@code via: tunnel} without a prefix).
     */
    List<HealthChecker.Target> healthTargets(final LevitateConfig config, final BackendIds ids) {
        final List<HealthChecker.Target> targets = new ArrayList<>();
        final io.levitate.forwarder.config.Cidr prefix = config.instance().healthPrefix();
        for (final ServiceDefinition service : config.services()) {
            for (final BackendDefinition backend : service.backends()) {
                final HealthCheckConfig check =
                        backend.healthCheck() != null ? backend.healthCheck() : service.healthCheck();
                if (check == null) {
                    continue;
                }
                final String label = service.name() + "/" + backend.toBackend().identity();
                final java.net.InetAddress source = tunnelSource(
                        prefix, check, service, backend, ids.backendId(service.name(), backend.toBackend()), label);
                targets.add(new HealthChecker.Target(
                        label,
                        source != null ? service.vip() : backend.address(),
                        backend.port(),
                        check,
                        service.name(),
                        service.vip(),
                        source));
            }
        }
        return targets;
    }

    /** The probe's source address in the health prefix (backend id i: the prefix's address i), or null for direct. */
    private java.net.InetAddress tunnelSource(
            final io.levitate.forwarder.config.Cidr prefix,
            final HealthCheckConfig check,
            final ServiceDefinition service,
            final BackendDefinition backend,
            final int id,
            final String label) {
        final HealthCheckConfig.Via via = check.via();
        if (via == HealthCheckConfig.Via.DIRECT || prefix == null || !check.tunnelable()) {
            return null;
        }
        final boolean v4 =
                service.vip() instanceof java.net.Inet4Address && backend.address() instanceof java.net.Inet4Address;
        final long size = 1L << (32 - prefix.length());
        String why = null;
        if (!v4) {
            why = "checks through the tunnel are IPv4 only";
        } else if (id < 0 || id >= size) {
            why = "its backend id " + id + " has no address in instance.health_prefix " + prefix + " (" + size
                    + " addresses; a longer prefix gives every backend one)";
        }
        if (why != null) {
            if (via == HealthCheckConfig.Via.TUNNEL || v4) {
                out.println("levitate: warning: health check of " + label + " goes direct: " + why);
            }
            return null;
        }
        final int address = SnapshotBuilder.v4(prefix.network()) + id;
        try {
            return java.net.InetAddress.getByAddress(
                    new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
                    });
        } catch (final java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * Health checks on their own threads: a transition rebuilds the snapshot with the down backends
     * overridden and publishes it (release store); workers pick it up at their next burst. Tables
     * of services without a changed backend come out identical (same digest). A checker that a
     * reload has replaced (or one a failed reload started) is ignored.
     */
    private HealthChecker startHealth(final List<HealthChecker.Target> targets, final Map<String, Boolean> initial) {
        if (targets.isEmpty()) {
            return null;
        }
        final HealthChecker[] self = new HealthChecker[1];
        // Its listener takes the lock, which the caller holds until self[0] is set.
        self[0] = new HealthChecker(
                targets,
                Math.min(MAX_HEALTH_THREADS, targets.size()),
                (up, transition) -> {
                    synchronized (lock) {
                        if (health != self[0]) {
                            return;
                        }
                        final DataPlaneSnapshot before = published.getAcquire();
                        final DataPlaneSnapshot next;
                        try {
                            next = snapshots.build(currentConfig, downOverrides(up));
                        } catch (final RuntimeException ex) {
                            out.println(
                                    "levitate: health: " + transition + "; snapshot not rebuilt: " + ex.getMessage());
                            return;
                        }
                        published.setRelease(next);
                        out.println("levitate: health: " + transition);
                        for (final ServiceState service : next.services()) {
                            final ServiceState old = before.service(service.name);
                            if (old != null && old.table.digest() != service.table.digest()) {
                                out.printf(
                                        Locale.ROOT,
                                        "levitate: service %s: table rebuilt, digest %s -> %s, %d healthy backend(s)%n",
                                        service.name,
                                        old.table.digestHex(),
                                        service.table.digestHex(),
                                        service.healthyBackends);
                            }
                        }
                    }
                },
                initial);
        out.println("levitate: health checks for " + targets.size() + " backend(s)");
        return self[0];
    }

    private static Map<String, BackendState> downOverrides(final Map<String, Boolean> up) {
        final Map<String, BackendState> overrides = new HashMap<>();
        up.forEach((label, isUp) -> {
            if (!isUp) {
                overrides.put(label, BackendState.DOWN);
            }
        });
        return overrides;
    }

    /** Stops the health checks (idempotent). */
    @Override
    public void close() {
        synchronized (lock) {
            if (health != null) {
                health.close();
                health = null;
            }
        }
    }
}
