/**
 * The Levitate daemon, {@code levitate run}, in three parts. {@code DataPlane}: the EAL
 * ({@code EalSession}: start-up with its log captured, clean-up), ports with their MTU and mbufs
 * sized for it ({@code PortMtu}), the exception TAPs, one mbuf pool per NUMA socket, and the
 * busy-poll workers (one per core, one RX/TX queue pair per port each). {@code ControlAgent}: the
 * control side, an Agrona agent on the main thread (heartbeat, reloads, counters aggregation, the
 * stats line, the stop grace), with {@code ControlPlane} (the running configuration, the published
 * snapshot, health checks and the atomic reload). {@code Launcher}: what starts and stops them in
 * order (signals, counters file, control socket, metrics endpoint), given a validated
 * {@code RunSpec}, which the {@code cli} package makes from the options. Also: the run's printed
 * report ({@code RunReport}). The runtime directories' rules and the counters file's layout and
 * reader are shared with the announcer in levitate-core. docs/ARCHITECTURE.md describes
 * the threads and a packet's path.
 *
 * <p>Owns: process lifecycle and the wiring of packet, conntrack, maglev and gre into a worker's
 * duty cycle. Must not: lock or allocate on a worker's packet path, or share a worker's private
 * state with another thread except through published counters; the control side reaches the
 * workers only by publishing a new snapshot.
 */
package io.levitate.forwarder;
