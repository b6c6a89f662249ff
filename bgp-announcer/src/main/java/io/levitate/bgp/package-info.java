/**
 * The BGP-4 announce-only speaker and the sidecar that ties VIP announcements to the forwarder's
 * health, read from the forwarder's counters file. See bgp-announcer/README.md for operation.
 *
 * <p>This package holds the speaker's API types ({@link io.levitate.bgp.SpeakerConfig},
 * {@link io.levitate.bgp.PeerConfig}, {@link io.levitate.bgp.PeerStatus}). Sub-packages by role:
 * {@code wire} (message codec), {@code fsm} (sessions, timers, the speaker thread), {@code net}
 * (libc sockets and TCP_MD5SIG through FFM), {@code bfd} (BFD sessions that gate BGP sessions),
 * {@code config} (the announcer's part of the shared config file), {@code sidecar}
 * (counters-file watcher, hysteresis, metrics, main).
 *
 * <p>Owns: sessions, the FSM, timers and UPDATE encoding. Must not: install routes, depend on
 * other Levitate modules than packet (for its address formatter, {@code Addresses}) and core (the
 * counters file's layout and reader, runtime directories; the forwarder is known only through its
 * counters file), or reset a session because routes changed.
 */
package io.levitate.bgp;
