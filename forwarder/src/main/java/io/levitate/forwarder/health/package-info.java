/**
 * Backend health checks: TCP connect, HTTP GET with an expected status, the same over TLS
 * ({@code TlsContexts}: JDK TLS, optional SNI, certificates accepted or checked against a CA file),
 * a UDP DNS query ({@code DnsProbe}, with the hand-written {@code DnsMessage} codec) or an
 * operator's command ({@code ExecProbe}), with interval, timeout, rise and fall. A small pool of
 * platform threads keeps time; each probe runs on a virtual thread of its own with kernel sockets
 * or a child process, so one hung backend never holds up another's probes. A probe goes to the
 * backend's own address ({@code via: direct}) or, through the tunnel, to the VIP from the
 * backend's address in {@code instance.health_prefix}, which a worker maps back to the backend and
 * GRE-encapsulates (the lb package's {@code GeneralPath.healthProbe}): the checker only binds its
 * socket; the control plane chooses the addresses.
 *
 * <p>Owns: each backend's up/down verdict. Must not: run on a worker or touch a worker's state;
 * it reports transitions, and the control plane publishes a new snapshot.
 */
package io.levitate.forwarder.health;
