/**
 * Per-worker connection table: fixed off-heap memory in cache-line-aligned buckets of 8 entries,
 * each key in either of two buckets chosen by its hash (two-choice hashing: probes compare 16-bit
 * tags, inserts take the emptier bucket), a single writer, idle timeouts by protocol and TCP state,
 * eviction of the least recently seen entry of the same service, flood guard, per-service quotas
 * and counters.
 *
 * <p>Owns: flow-to-backend memory of one worker. Must not: lock, allocate per packet, be shared
 * between workers, read a clock, or depend on DPDK or any other Levitate module (keys arrive as
 * primitives, so it needs no packet flyweight).
 *
 * <p>Map: {@link io.levitate.conntrack.ConntrackTable} (the table and its per-packet API),
 * {@link io.levitate.conntrack.ConntrackConfig} (capacity, timeouts, flood guard, quotas),
 * {@link io.levitate.conntrack.BackendStates} (the down/draining snapshot a lookup consults),
 * {@link io.levitate.conntrack.ConntrackCounters} (single-writer counters, acquire reads).
 */
package io.levitate.conntrack;
