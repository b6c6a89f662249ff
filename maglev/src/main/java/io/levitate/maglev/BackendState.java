package io.levitate.maglev;

/**
 * What a backend may receive. Only {@link #ACTIVE} backends with a weight above zero own table
 * slots, so both other states take no new flows; they differ in what happens to existing flows,
 * which is conntrack's business: a draining backend keeps its established flows, a down backend
 * loses them (they are re-resolved through the current table).
 */
public enum BackendState {
    /** Healthy and in service. */
    ACTIVE,
    /** Taken out of service by the operator: no new flows, existing flows stay. */
    DRAINING,
    /** Failed its health check (or removed): no flows at all. */
    DOWN
}
