/**
 * The BGP-4 announce-only speaker and the sidecar that ties VIP announcements to the forwarder's
 * health, read from the forwarder's counters file.
 *
 * <p>Owns: sessions, the FSM, timers and UPDATE encoding. Must not: install routes or depend on
 * other Levitate modules.
 */
package io.levitate.bgp;
