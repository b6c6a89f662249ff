/**
 * Busy-poll workers: Agent-style duty cycles that own their queues, mbuf arrays and counters.
 *
 * <p>Owns: what runs on a worker core. Must not: lock, block, allocate, log or throw on the packet
 * path; read shared state other than immutable snapshots published by release stores.
 */
package io.levitate.forwarder.worker;
