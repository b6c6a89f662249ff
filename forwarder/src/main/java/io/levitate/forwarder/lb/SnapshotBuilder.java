package io.levitate.forwarder.lb;

import io.levitate.conntrack.BackendStates;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.gre.GreTunnel;
import io.levitate.maglev.Backend;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.ServiceTable;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link DataPlaneSnapshot}s from configuration on the control thread. Backend ids are
 * assigned once per (service, backend identity) and never reused for another backend while the
 * process lives, because conntrack remembers flows by backend id across reloads.
 */
public final class SnapshotBuilder
{
    /** Upper bound on backend ids: sizes per-worker statistics arrays and the counters file. */
    public static final int MAX_BACKENDS = 4096;
    public static final int MAX_SERVICES = 1024;

    private final Map<String, Integer> backendIds = new HashMap<>();
    private final Map<String, Integer> serviceIds = new HashMap<>();
    private long generation;

    /** The stable id of a service (by name); conntrack quotas and statistics are indexed by it. */
    public int serviceId(final String name)
    {
        final Integer id = serviceIds.get(name);
        if (id != null)
        {
            return id;
        }
        if (serviceIds.size() >= MAX_SERVICES)
        {
            throw new IllegalStateException("more than " + MAX_SERVICES + " services");
        }
        serviceIds.put(name, serviceIds.size());
        return serviceIds.size() - 1;
    }

    /** The stable id of a backend of a service. */
    public int backendId(final String service, final Backend backend)
    {
        final String key = service + "/" + backend.identity();
        final Integer id = backendIds.get(key);
        if (id != null)
        {
            return id;
        }
        if (backendIds.size() >= MAX_BACKENDS)
        {
            throw new IllegalStateException("more than " + MAX_BACKENDS + " backends");
        }
        backendIds.put(key, backendIds.size());
        return backendIds.size() - 1;
    }

    /**
     * A snapshot of {@code config}, with backend states overridden by {@code health} (backend
     * label "service/address:port" to state) where given: health checks mark backends down.
     */
    public DataPlaneSnapshot build(final LevitateConfig config, final Map<String, BackendState> health)
    {
        final List<ServiceDefinition> definitions = config.services();
        final List<VipTable.Entry> vips = new ArrayList<>();
        final List<ServiceState> services = new ArrayList<>();
        final Map<Integer, Backend> byId = new HashMap<>();
        final Map<Integer, String> names = new HashMap<>();
        final Map<Integer, Integer> owner = new HashMap<>();
        for (final ServiceDefinition definition : definitions)
        {
            final int serviceIndex = serviceId(definition.name());
            final List<Backend> backends = new ArrayList<>();
            for (final var b : definition.backends())
            {
                Backend backend = b.toBackend();
                final BackendState override = health.get(definition.name() + "/" + backend.identity());
                if (override != null && backend.state() != BackendState.DRAINING)
                {
                    backend = backend.withState(override);
                }
                backends.add(backend);
            }
            final ServiceTable table = ServiceTable.build(definition.toServiceConfig().withBackends(backends), config.hashSeed());
            final int[] ids = new int[table.backendCount()];
            int healthy = 0;
            for (int i = 0; i < ids.length; i++)
            {
                final Backend backend = table.backend(i);
                ids[i] = backendId(definition.name(), backend);
                byId.put(ids[i], backend);
                names.put(ids[i], definition.name() + "/" + backend.identity());
                owner.put(ids[i], serviceIndex);
                if (backend.eligible())
                {
                    healthy++;
                }
            }
            services.add(new ServiceState(serviceIndex, definition.name(), table, ids, healthy));
            final long[] vip = halves(definition.vip());
            vips.add(new VipTable.Entry(definition.vip() instanceof Inet4Address ? 4 : 6, vip[0], vip[1],
                definition.port(), definition.protocol().number, serviceIndex, definition.takesFragments(definitions)));
        }
        final int backendCount = backendIds.size();
        final GreTunnel[] tunnels = new GreTunnel[backendCount];
        final String[] labels = new String[backendCount];
        final int[] owners = new int[backendCount];
        final byte[] states = new byte[backendCount];
        for (int id = 0; id < backendCount; id++)
        {
            final Backend backend = byId.get(id);
            if (backend == null)
            {
                // An id from an earlier configuration whose backend is gone: flows pinned to it re-resolve.
                tunnels[id] = GreTunnel.ipv4(0, 0);
                labels[id] = "(removed)";
                owners[id] = -1;
                states[id] = BackendStates.DOWN;
                continue;
            }
            final long[] a = halves(backend.address());
            tunnels[id] = backend.address() instanceof Inet4Address ? GreTunnel.ipv4((int)a[1], 0) : GreTunnel.ipv6(a[0], a[1], 0);
            labels[id] = names.get(id);
            owners[id] = owner.get(id);
            states[id] = switch (backend.state())
            {
                case ACTIVE -> backend.weight() > 0 ? BackendStates.USABLE : BackendStates.DRAINING;
                case DRAINING -> BackendStates.DRAINING;
                case DOWN -> BackendStates.DOWN;
            };
        }
        final ServiceState[] serviceArray = new ServiceState[serviceIds.size()];
        for (final ServiceState s : services)
        {
            serviceArray[s.index] = s;
        }
        return new DataPlaneSnapshot(++generation, VipTable.of(vips), serviceArray, tunnels, labels, owners,
            BackendStates.of(states));
    }

    /** An IPv4 address as an int (network order value). */
    public static int v4(final InetAddress address)
    {
        return (int)halves(address)[1];
    }

    /** High half of an IPv6 address. */
    public static long hi(final InetAddress address)
    {
        return halves(address)[0];
    }

    /** Low half of an IPv6 address. */
    public static long lo(final InetAddress address)
    {
        return halves(address)[1];
    }

    /** An address as two longs (IPv4: the address in the low 32 bits of the second). */
    static long[] halves(final InetAddress address)
    {
        final byte[] b = address.getAddress();
        if (b.length == 4)
        {
            return new long[] {0, ByteBuffer.wrap(b).getInt() & 0xFFFF_FFFFL};
        }
        final ByteBuffer buffer = ByteBuffer.wrap(b);
        return new long[] {buffer.getLong(), buffer.getLong()};
    }
}
