/**
 * The RFC 4271 §8 session state machine per peer, its timers (hold, keepalive, RFC 9687 send hold,
 * jittered reconnect backoff), collision handling, and the single speaker thread that drives all
 * sessions with poll(2).
 *
 * <p>Owns: every socket and timer. Must not: block on one peer (all sockets are non-blocking), do
 * health checks or other slow work on the speaker thread, or allocate per keepalive.
 */
package io.levitate.bgp.fsm;
