package io.levitate.forwarder.lb;

import io.levitate.conntrack.BackendStates;
import io.levitate.forwarder.config.ConfigDefaults;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.gre.GreTunnel;
import io.levitate.maglev.Backend;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.ServiceTable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Builds {@link DataPlaneSnapshot}s from configuration on the control thread, in two steps so that
 * a reload is atomic: {@link #prepare} builds everything (tables, backend ids, the snapshot) and
 * changes nothing; {@link #commit} adopts what was prepared and cannot fail. {@link #build} is both.
 *
 * <h2>Backend ids and their reuse</h2>
 * Conntrack entries remember a flow's backend by id across reloads, so an id names one backend
 * (service and address:port) for as long as any entry may hold it. A backend keeps its id while it
 * stays configured. When a reload removes it, its id is <em>freed at</em> the generation of that
 * snapshot, in which the id is {@link BackendStates#REMOVED}: lookups that hit it re-resolve, no
 * Maglev table names it, so from the moment a worker takes that snapshot it never writes the id
 * into an entry again, and its conntrack expiry sweep frees every entry that still holds it.
 * Each worker publishes, after each full sweep of its table, the generation it had taken when that
 * sweep began ({@code LoadBalancerAgent}, housekeeping). An id freed at generation {@code g} is
 * <em>quarantined</em> until every worker has published a generation &ge; {@code g}
 * ({@code swept}): then no entry of any worker holds it, and it may name another backend. Without
 * that, a flow pinned to a removed backend could, after the id's reuse, be tunnelled to a backend
 * of another service, or one it was never bound to. A worker's in-flight burst may still use an
 * older snapshot, but in any snapshot the id names its backend of that time.
 *
 * <p>There are {@link #BACKEND_IDS} ids, twice {@link #MAX_BACKENDS}, the most a file may configure
 * ({@code levitate check} refuses more): so a reload that replaces every backend of the largest
 * file finds ids for the new ones while the old ones are still held, provided the ids freed by the
 * reloads before it have been swept (each worker's sweep of its table takes a second or so on a
 * busy worker). When a reload needs more ids than are free it is refused, and nothing changes.
 *
 * <p>Service ids (by name) are never reused: {@link #MAX_SERVICES} names over the life of a process.
 */
public final class SnapshotBuilder {
    /** Most backends a configuration may have, in all its services together (ConfigDefaults). */
    public static final int MAX_BACKENDS = ConfigDefaults.MAX_BACKENDS;
    /** Most services a configuration may have, and service ids over the life of the process. */
    public static final int MAX_SERVICES = ConfigDefaults.MAX_SERVICES;
    /**
     * Backend ids: twice {@link #MAX_BACKENDS}, so that the backends of two configurations fit at
     * once (a reload's new backends while its removed ones wait out their quarantine). Sizes
     * per-worker statistics arrays.
     */
    public static final int BACKEND_IDS = 2 * MAX_BACKENDS;

    /** An id whose backend was removed, and the generation of the first snapshot without it. */
    private record Freed(int id, long generation) {}

    /**
     * What {@link #prepare} built: the snapshot, and the id assignment {@link #commit} adopts with
     * it. Nothing in the builder changed to make it.
     */
    public static final class Prepared {
        public final DataPlaneSnapshot snapshot;
        private final long base;
        private final Map<String, Integer> backendIds;
        private final Map<String, Integer> serviceIds;
        private final List<Integer> recycled;
        private final List<Integer> freed;
        private final int fresh;

        private Prepared(
                final DataPlaneSnapshot snapshot,
                final long base,
                final Map<String, Integer> backendIds,
                final Map<String, Integer> serviceIds,
                final List<Integer> recycled,
                final List<Integer> freed,
                final int fresh) {
            this.snapshot = snapshot;
            this.base = base;
            this.backendIds = backendIds;
            this.serviceIds = serviceIds;
            this.recycled = recycled;
            this.freed = freed;
            this.fresh = fresh;
        }

        /** The id this snapshot gives a backend of a service, or -1. */
        public int backendId(final String service, final Backend backend) {
            final Integer id = backendIds.get(key(service, backend));
            return id == null ? -1 : id;
        }

        /** Ids this snapshot gives to new backends that earlier backends had (for counters). */
        public List<Integer> recycledIds() {
            return recycled;
        }
    }

    /** A step of {@link #prepare}, for fault-injection tests of an atomic reload. */
    public enum Step {
        TABLES,
        BACKEND_IDS,
        SNAPSHOT
    }

    /** Called after each step of {@link #prepare}; throwing aborts it (tests inject faults so). */
    public interface StepHook {
        StepHook NONE = step -> {};

        void after(Step step);
    }

    /** The lowest generation every worker has swept its conntrack table at (or past). */
    private final LongSupplier swept;

    private Map<String, Integer> backendIds = new HashMap<>();
    private Map<String, Integer> serviceIds = new HashMap<>();
    /** Freed ids in the order they were freed (so by generation). */
    private final ArrayDeque<Freed> quarantine = new ArrayDeque<>();
    /** Ids below this have been given out at least once; snapshots cover them all. */
    private int fresh;

    private long generation;

    /**
     * A builder for a process without conntrack tables (tools, tests of tables): nothing holds a
     * freed id, so it is free at once.
     */
    public SnapshotBuilder() {
        this(() -> Long.MAX_VALUE);
    }

    /**
     * @param swept the lowest generation all workers have published after a full sweep of their
     *              conntrack table; an id freed at generation g is reused only once this is &ge; g.
     */
    public SnapshotBuilder(final LongSupplier swept) {
        this.swept = swept;
    }

    /** The id of a service (by name) in the committed configuration, or -1. */
    public int serviceId(final String name) {
        final Integer id = serviceIds.get(name);
        return id == null ? -1 : id;
    }

    /** The id of a backend of a service in the committed configuration, or -1. */
    public int backendId(final String service, final Backend backend) {
        final Integer id = backendIds.get(key(service, backend));
        return id == null ? -1 : id;
    }

    /** Generation of the last committed snapshot. */
    public long generation() {
        return generation;
    }

    /** Ids given out at least once (the high-water mark: snapshots have this many). */
    public int idsUsed() {
        return fresh;
    }

    /** Freed ids not yet reusable or reused. */
    public int quarantined() {
        return quarantine.size();
    }

    private static String key(final String service, final Backend backend) {
        return service + "/" + backend.identity();
    }

    /**
     * {@link #prepare} and {@link #commit}: a snapshot of {@code config}, with backend states
     * overridden by {@code health} (backend label "service/address:port" to state) where given.
     */
    public DataPlaneSnapshot build(final LevitateConfig config, final Map<String, BackendState> health) {
        final Prepared prepared = prepare(config, health, StepHook.NONE);
        commit(prepared);
        return prepared.snapshot;
    }

    /**
     * Everything a snapshot of {@code config} needs, built without changing the builder: a failure
     * (an exception, such as no free ids) leaves it as it was.
     *
     * @throws IllegalStateException when the configuration needs more ids than are free.
     */
    public Prepared prepare(final LevitateConfig config, final Map<String, BackendState> health, final StepHook hook) {
        final List<ServiceDefinition> definitions = config.services();
        // Tables first: the expensive part, and independent of ids.
        final List<ServiceTable> tables = new ArrayList<>(definitions.size());
        for (final ServiceDefinition definition : definitions) {
            final List<Backend> backends = new ArrayList<>();
            for (final var b : definition.backends()) {
                Backend backend = b.toBackend();
                final BackendState override = health.get(key(definition.name(), backend));
                if (override != null && backend.state() != BackendState.DRAINING) {
                    backend = backend.withState(override);
                }
                backends.add(backend);
            }
            tables.add(ServiceTable.build(definition.toServiceConfig().withBackends(backends), config.hashSeed()));
        }
        hook.after(Step.TABLES);

        final Map<String, Integer> nextServices = new HashMap<>(serviceIds);
        final Map<String, Integer> nextBackends = new HashMap<>();
        final java.util.Set<String> added = new java.util.LinkedHashSet<>();
        for (int s = 0; s < definitions.size(); s++) {
            final String name = definitions.get(s).name();
            if (!nextServices.containsKey(name)) {
                if (nextServices.size() >= MAX_SERVICES) {
                    throw new IllegalStateException("no service id for service " + name + ": " + MAX_SERVICES
                            + " service names have been configured since the forwarder started (ids are kept per name); "
                            + "a restart frees them");
                }
                nextServices.put(name, nextServices.size());
            }
            final ServiceTable table = tables.get(s);
            for (int i = 0; i < table.backendCount(); i++) {
                final String key = key(name, table.backend(i));
                final Integer id = backendIds.get(key);
                if (id != null) {
                    nextBackends.put(key, id);
                } else {
                    added.add(key);
                }
            }
        }
        // New backends take quarantined ids every worker has swept past, oldest first, then fresh ones.
        final long sweptTo = swept.getAsLong();
        final List<Integer> recycled = new ArrayList<>();
        int nextFresh = fresh;
        final java.util.Iterator<Freed> waiting = quarantine.iterator();
        for (final String key : added) {
            final Freed f = waiting.hasNext() ? waiting.next() : null;
            if (f != null && f.generation() <= sweptTo) {
                recycled.add(f.id());
                nextBackends.put(key, f.id());
            } else if (nextFresh < BACKEND_IDS) {
                nextBackends.put(key, nextFresh++);
            } else {
                throw new IllegalStateException("no backend id for " + key + ": the configuration adds " + added.size()
                        + " backends and " + (BACKEND_IDS - fresh + recycled.size()) + " ids are free; "
                        + quarantine.size()
                        + " ids of removed backends wait for every worker's conntrack sweep (about a second); retry");
            }
            if (f != null && f.generation() > sweptTo) {
                // Quarantine is ordered by generation: nothing after f is free either.
                while (waiting.hasNext()) {
                    waiting.next();
                }
            }
        }
        final List<Integer> freed = new ArrayList<>();
        backendIds.forEach((key, id) -> {
            if (!nextBackends.containsKey(key)) {
                freed.add(id);
            }
        });
        hook.after(Step.BACKEND_IDS);

        final List<VipTable.Entry> vips = new ArrayList<>();
        final List<ServiceState> services = new ArrayList<>();
        final int idCount = nextFresh;
        final GreTunnel[] tunnels = new GreTunnel[idCount];
        final String[] labels = new String[idCount];
        final int[] owners = new int[idCount];
        final byte[] states = new byte[idCount];
        // Every id no backend has now: removed (re-resolve on a hit, freed by the sweep).
        java.util.Arrays.fill(tunnels, GreTunnel.ipv4(0, 0));
        java.util.Arrays.fill(labels, "(removed)");
        java.util.Arrays.fill(owners, -1);
        java.util.Arrays.fill(states, BackendStates.REMOVED);
        for (int s = 0; s < definitions.size(); s++) {
            final ServiceDefinition definition = definitions.get(s);
            final int serviceIndex = nextServices.get(definition.name());
            final ServiceTable table = tables.get(s);
            final int[] ids = new int[table.backendCount()];
            int healthy = 0;
            for (int i = 0; i < ids.length; i++) {
                final Backend backend = table.backend(i);
                final int id = nextBackends.get(key(definition.name(), backend));
                ids[i] = id;
                final long[] a = halves(backend.address());
                tunnels[id] = backend.address() instanceof Inet4Address
                        ? GreTunnel.ipv4((int) a[1], 0)
                        : GreTunnel.ipv6(a[0], a[1], 0);
                labels[id] = key(definition.name(), backend);
                owners[id] = serviceIndex;
                states[id] = switch (backend.state()) {
                    case ACTIVE -> backend.weight() > 0 ? BackendStates.USABLE : BackendStates.DRAINING;
                    case DRAINING -> BackendStates.DRAINING;
                    case DOWN -> BackendStates.DOWN;
                };
                if (backend.eligible()) {
                    healthy++;
                }
            }
            services.add(new ServiceState(serviceIndex, definition.name(), table, ids, healthy));
            final long[] vip = halves(definition.vip());
            vips.add(new VipTable.Entry(
                    definition.vip() instanceof Inet4Address ? 4 : 6,
                    vip[0],
                    vip[1],
                    definition.port(),
                    definition.protocol().number,
                    serviceIndex,
                    definition.takesFragments(definitions)));
        }
        final ServiceState[] serviceArray = new ServiceState[nextServices.size()];
        for (final ServiceState s : services) {
            serviceArray[s.index] = s;
        }
        final DataPlaneSnapshot snapshot = new DataPlaneSnapshot(
                generation + 1, VipTable.of(vips), serviceArray, tunnels, labels, owners, BackendStates.of(states));
        hook.after(Step.SNAPSHOT);
        return new Prepared(
                snapshot, generation, nextBackends, nextServices, List.copyOf(recycled), List.copyOf(freed), nextFresh);
    }

    /**
     * Adopts what {@link #prepare} built: its ids become the builder's, the ids it freed enter
     * quarantine at its generation. Call it before publishing the snapshot; nothing may have been
     * committed since the prepare.
     */
    public void commit(final Prepared prepared) {
        if (prepared.base != generation) {
            throw new IllegalStateException("prepared at generation " + prepared.base + ", builder at " + generation);
        }
        for (int i = 0; i < prepared.recycled.size(); i++) {
            // Recycled ids are the quarantine's oldest, in order.
            quarantine.removeFirst();
        }
        for (final int id : prepared.freed) {
            quarantine.addLast(new Freed(id, prepared.snapshot.generation));
        }
        backendIds = prepared.backendIds;
        serviceIds = prepared.serviceIds;
        fresh = prepared.fresh;
        generation = prepared.snapshot.generation;
    }

    /** An IPv4 address as an int (network order value). */
    public static int v4(final InetAddress address) {
        return (int) halves(address)[1];
    }

    /** High half of an IPv6 address. */
    public static long hi(final InetAddress address) {
        return halves(address)[0];
    }

    /** Low half of an IPv6 address. */
    public static long lo(final InetAddress address) {
        return halves(address)[1];
    }

    /** An address as two longs (IPv4: the address in the low 32 bits of the second). */
    static long[] halves(final InetAddress address) {
        final byte[] b = address.getAddress();
        if (b.length == 4) {
            return new long[] {0, ByteBuffer.wrap(b).getInt() & 0xFFFF_FFFFL};
        }
        final ByteBuffer buffer = ByteBuffer.wrap(b);
        return new long[] {buffer.getLong(), buffer.getLong()};
    }
}
