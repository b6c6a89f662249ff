/**
 * What both processes need from the machine they run on: {@link
 * io.levitate.core.runtime.RuntimeDirectories}, the one set of rules (sshd's StrictModes) for the
 * directories that hold the counters file, the control socket, and the announcer's pid and
 * status files; and {@link io.levitate.core.runtime.BoundedFiles}, reading a file an operator
 * names (the configuration file) with a size cap, refusing FIFOs and devices before opening them.
 *
 * <p>Owns: those checks and their one-line messages. Must not: start threads or open sockets.
 */
package io.levitate.core.runtime;
