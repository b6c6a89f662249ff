/**
 * The levitate-announcer process: reads the forwarder's counters file (docs/COUNTERS.md) with
 * core's {@code CountersFileReader} and {@code CountersLayout} ({@code ForwarderCounters}),
 * decides per VIP with hysteresis, drives the speaker, and publishes metrics (/metrics, written
 * with core's {@code PrometheusText}; /status) and the status file
 * {@code <counters_dir>/<instance>/announcer.json}. Its runtime directory and pid file are
 * checked by core's {@code RuntimeDirectories}, the same rules as the forwarder's.
 *
 * <p>Owns: the health-to-route policy and the process lifecycle (signals, drain). Must not: write
 * to the counters file, or touch sockets of the speaker.
 */
package io.levitate.bgp.sidecar;
