package io.levitate.forwarder.lb;

import io.levitate.maglev.ServiceTable;

/**
 * One service inside a {@link DataPlaneSnapshot}: its Maglev table and the mapping from the
 * table's backend numbers to the process-wide backend ids conntrack remembers.
 */
public final class ServiceState {
    public final int index;
    public final String name;
    public final ServiceTable table;
    /** table backend number -> global backend id. */
    final int[] backendIds;
    /** Backends able to take new flows (the BGP sidecar withdraws the VIP at 0). */
    public final int healthyBackends;

    ServiceState(
            final int index,
            final String name,
            final ServiceTable table,
            final int[] backendIds,
            final int healthyBackends) {
        this.index = index;
        this.name = name;
        this.table = table;
        this.backendIds = backendIds;
        this.healthyBackends = healthyBackends;
    }

    /** Global backend id of a table backend number. */
    public int backendId(final int tableBackend) {
        return backendIds[tableBackend];
    }
}
