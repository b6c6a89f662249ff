/**
 * The Levitate daemon: EAL and port set-up (mbufs sized for the ports' MTU, {@code PortMtu}),
 * busy-poll workers (one per core, one RX/TX queue pair per port each), the control plane
 * ({@code ControlPlane}: the running configuration, the published snapshot, health checks and
 * the atomic reload), counters, clean shutdown, and the {@code levitate} command line.
 * docs/ARCHITECTURE.md describes the threads and a packet's path. The runtime directories' rules
 * and the counters file's layout and reader are shared with the announcer in levitate-core.
 *
 * <p>Owns: process lifecycle and the wiring of packet, conntrack, maglev and gre into a worker's
 * duty cycle. Must not: lock or allocate on a worker's packet path, or share a worker's private
 * state with another thread except through published counters.
 */
package io.levitate.forwarder;
