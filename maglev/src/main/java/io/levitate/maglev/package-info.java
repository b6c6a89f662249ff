/**
 * Maglev consistent hashing: seeded, JVM-independent hashes, weighted table population, per-service
 * tables, digests and table diffs ("how many flows would move").
 *
 * <p>Owns: the lookup tables every Levitate machine must compute identically from the same config.
 * Must not: use {@code Object.hashCode()}, depend on any other Levitate module than packet (for
 * its one address formatter, {@code Addresses}), or mutate a table after it is built.
 *
 * <p>Map: {@link io.levitate.maglev.XxHash64} (the one hash, with its definition),
 * {@link io.levitate.maglev.FlowHash} (per-packet flow hashes over canonical bytes, and the
 * hash-to-slot mapping), {@link io.levitate.maglev.MaglevPopulation} (the paper's algorithm with
 * weights), {@link io.levitate.maglev.TableSizes} (choice of M),
 * {@link io.levitate.maglev.ServiceTable} (a built, immutable table: lookup, digest, slot counts),
 * {@link io.levitate.maglev.TableDiff} (share of new flows a change of table moves, exactly),
 * {@link io.levitate.maglev.MovedShare} (the same, sampled when the flow hash changes). Everything a worker calls
 * per packet ({@code ServiceTable.hash*}, {@code lookup*}) allocates nothing and throws nothing.
 * {@code src/test/python/maglev_reference.py} re-implements the documented definitions
 * independently and reproduces the pinned digests.
 */
package io.levitate.maglev;
