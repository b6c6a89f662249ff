package io.levitate.gre;

/** How the outer IPv4 header's DF bit is set. IPv6 outer headers have no DF: routers never fragment them. */
public enum DfPolicy {
    /** Always set: the tunnel path is never fragmented (the default; what Katran and GLB do). */
    SET,
    /** Never set: routers may fragment the outer packet and the backend reassembles it. */
    CLEAR,
    /** Copy the inner IPv4 DF bit; set it for inner IPv6 (which forbids in-path fragmentation). */
    COPY_INNER
}
