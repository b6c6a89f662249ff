/**
 * The load-balancing data plane: the immutable snapshot workers read once per burst (VIP table,
 * Maglev tables, tunnels, backend states), the worker that turns client packets into GRE toward
 * backends, how snapshots are built ({@code SnapshotBuilder}, backend ids and their reuse), the
 * gateways' MACs ({@code Neighbours}), and the small control-protocol responders (ARP, neighbour
 * discovery, ICMP echo) a one-armed load balancer needs on its data port.
 *
 * <p>Owns: per-packet decisions. Must not: allocate, lock, log or throw on the packet path; mutate
 * a published snapshot.
 */
package io.levitate.forwarder.lb;
