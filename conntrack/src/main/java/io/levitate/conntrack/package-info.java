/**
 * Per-worker connection table: fixed off-heap memory, open addressing, a single writer, idle
 * timeouts by protocol and TCP state, eviction, flood guard, per-service quotas and counters.
 *
 * <p>Owns: flow-to-backend memory of one worker. Must not: lock, allocate per packet, be shared
 * between workers, or depend on DPDK.
 */
package io.levitate.conntrack;
