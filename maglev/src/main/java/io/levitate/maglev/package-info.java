/**
 * Maglev consistent hashing: seeded, JVM-independent hashes, weighted table population, per-service
 * tables, digests and table diffs ("how many flows would move").
 *
 * <p>Owns: the lookup tables every Levitate machine must compute identically from the same config.
 * Must not: use {@code Object.hashCode()}, depend on any other Levitate module, or mutate a table
 * after it is built.
 */
package io.levitate.maglev;
