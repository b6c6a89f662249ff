/**
 * The levitate-announcer process: reads the forwarder's counters file (docs/COUNTERS.md) with
 * Agrona's CountersReader, decides per VIP with hysteresis, drives the speaker, and publishes
 * metrics (/metrics, /status) and the status file {@code <counters_dir>/<instance>/announcer.json}.
 *
 * <p>Owns: the health-to-route policy and the process lifecycle (signals, drain). Must not: write
 * to the counters file, or touch sockets of the speaker.
 */
package io.levitate.bgp.sidecar;
