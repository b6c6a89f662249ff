package io.levitate.forwarder.lb;

import io.levitate.conntrack.BackendStates;
import io.levitate.gre.GreTunnel;
import java.util.List;

/**
 * Everything a worker needs to forward, immutable: the control thread builds a new one for every
 * change and publishes it with a release store; a worker picks up the newest once per burst with
 * an acquire load. Nothing in here is ever mutated after publication.
 */
public final class DataPlaneSnapshot {
    public final long generation;
    public final VipTable vips;
    final ServiceState[] services;
    /** By global backend id; the next-hop MAC is patched per packet from {@link Neighbours}. */
    final GreTunnel[] tunnels;
    /** Backend label by global backend id ("service/address:port"), for counters and logs. */
    final String[] backendNames;
    /** Service index by global backend id. */
    final int[] backendService;

    public final BackendStates backendStates;

    DataPlaneSnapshot(
            final long generation,
            final VipTable vips,
            final ServiceState[] services,
            final GreTunnel[] tunnels,
            final String[] backendNames,
            final int[] backendService,
            final BackendStates backendStates) {
        this.generation = generation;
        this.vips = vips;
        this.services = services;
        this.tunnels = tunnels;
        this.backendNames = backendNames;
        this.backendService = backendService;
        this.backendStates = backendStates;
    }

    /** The configured services (ids of services removed by a reload leave gaps, skipped here). */
    public List<ServiceState> services() {
        final List<ServiceState> list = new java.util.ArrayList<>(services.length);
        for (final ServiceState s : services) {
            if (s != null) {
                list.add(s);
            }
        }
        return list;
    }

    /** A service by name, or null. */
    public ServiceState service(final String name) {
        for (final ServiceState s : services) {
            if (s != null && s.name.equals(name)) {
                return s;
            }
        }
        return null;
    }

    public int backendCount() {
        return tunnels.length;
    }

    public String backendName(final int id) {
        return backendNames[id];
    }

    public int backendService(final int id) {
        return backendService[id];
    }

    public GreTunnel tunnel(final int id) {
        return tunnels[id];
    }
}
