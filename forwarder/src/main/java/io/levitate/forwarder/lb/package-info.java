/**
 * The load-balancing data plane: the immutable snapshot workers read once per burst (VIP table,
 * Maglev tables, tunnels, backend states), the worker that turns client packets into GRE toward
 * backends, and the small control-protocol responders (ARP, ICMP echo) a one-armed load balancer
 * needs on its data port.
 *
 * <p>Owns: per-packet decisions. Must not: allocate, lock, log or throw on the packet path; mutate
 * a published snapshot.
 */
package io.levitate.forwarder.lb;
