/**
 * The RFC 4271 §8 session state machine per peer ({@code PeerSession}) with its timers (hold,
 * keepalive, RFC 9687 send hold, jittered reconnect backoff), its Adj-RIB-Out and UPDATE building
 * ({@code AdjRibOut}), the passive side and collision handling ({@code InboundConnection}), and the
 * single speaker thread that drives all sessions with poll(2) ({@code BgpSpeaker}).
 *
 * <p>Owns: every socket and timer. Must not: block on one peer (all sockets are non-blocking), do
 * health checks or other slow work on the speaker thread, or allocate per keepalive.
 */
package io.levitate.bgp.fsm;
