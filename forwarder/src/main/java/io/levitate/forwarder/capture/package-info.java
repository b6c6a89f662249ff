/**
 * {@code levitate capture}: the frames a running forwarder receives, sends or drops, as pcapng.
 *
 * <p>Worker side: each load-balancing worker has a {@code CaptureSlot}; it reads it once per burst
 * and, with no capture running, does nothing else. A running capture installs a {@code CaptureTap}
 * (a compiled {@code CaptureFilter} of primitive fields and a single-producer single-consumer
 * Agrona ring over direct memory) in every slot; the worker tests each packet against it as
 * received and once handled, and copies matching frames (up to the snaplen) with their metadata
 * into the ring, never waiting: a full ring is counted. Control side: {@code CaptureService} takes
 * a {@code capture} request's connection from the control socket ({@code control.ControlServer}),
 * drains the rings on its own thread ({@code levitate-capture}) and streams pcapng
 * ({@code PcapngWriter}) back until the count, the duration, a stop or the client's end.
 *
 * <p>Owns: the filter, the taps, the session and the pcapng format. Must not: allocate, lock or
 * wait on a worker's path; run more than one capture at a time; outlive its client by more than
 * the session's check interval (100 ms).
 */
package io.levitate.forwarder.capture;
