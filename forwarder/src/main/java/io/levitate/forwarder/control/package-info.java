/**
 * The control socket: a Unix-domain socket only root can use, over which {@code levitate reload}
 * asks the running forwarder to re-read its configuration and hears the result, the read-only
 * commands ({@code tables}, {@code lookup}) answer what the workers use now, and over which
 * {@code levitate capture} receives its pcapng (the connection is handed to
 * {@code io.levitate.forwarder.capture.CaptureService}).
 *
 * <p>Owns: the socket, its one-line protocol, its guards (a thread and a deadline per client, a
 * bound on clients and on request size) and the dispatch of commands to their handlers
 * ({@link io.levitate.forwarder.control.ControlCommands}). Must not: apply anything itself
 * (reloads are handed to the control thread, {@code io.levitate.forwarder.ControlAgent}, which
 * validates and applies them), nor read a worker's state (handlers read the published snapshot;
 * conntrack questions go through {@code io.levitate.forwarder.lb.ConntrackMailbox}).
 */
package io.levitate.forwarder.control;
