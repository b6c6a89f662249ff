/**
 * The load-balancing data plane: the immutable snapshot workers read once per burst (VIP table,
 * Maglev tables, tunnels, backend states), the worker that turns client packets into GRE toward
 * backends, how snapshots are built ({@code SnapshotBuilder}, backend ids and their reuse), the
 * gateways' MACs ({@code Neighbours}), and the small control-protocol responders (ARP, neighbour
 * discovery, ICMP echo) a one-armed load balancer needs on its data port.
 *
 * <p>The worker is wired by one {@code WorkerContext} and made of: {@code LoadBalancerAgent} (duty
 * cycle, prefetch schedule, rx/tx, housekeeping), {@code Ipv4FastPath} and {@code Ipv6FastPath}
 * (the common IPv4 and IPv6 TCP/UDP packet: parse, lookup, tunnel header), {@code GeneralPath} (everything else, through the
 * classifier), {@code BackendSelector} (conntrack and Maglev, for both paths), {@code
 * ExceptionPath} (the kernel's TAP, rate-limited) and {@code GatewayResolver} (worker 0's ARP/ND
 * requests for the gateways).
 *
 * <p>Owns: per-packet decisions. Must not: allocate, lock, log or throw on the packet path; mutate
 * a published snapshot; write a header offset as a bare number (they are the packet module's
 * flyweight constants and static accessors, shared with {@code PacketClassifier}).
 */
package io.levitate.forwarder.lb;
