/**
 * The control socket: a Unix-domain socket only root can use, over which {@code levitate reload}
 * asks the running forwarder to re-read its configuration and hears the result, and over which
 * {@code levitate capture} receives its pcapng (the connection is handed to
 * {@code io.levitate.forwarder.capture.CaptureService}).
 *
 * <p>Owns: the socket and its one-line protocol. Must not: apply anything itself; requests are
 * handed to the control thread ({@code io.levitate.forwarder.ControlAgent}), which validates and
 * applies them.
 */
package io.levitate.forwarder.control;
