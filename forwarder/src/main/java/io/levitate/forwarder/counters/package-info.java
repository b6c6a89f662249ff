/**
 * The counters file (docs/COUNTERS.md): a memory-mapped header plus Agrona counters metadata and
 * values buffers, written by the forwarder and read by {@code levitate stat}, the metrics
 * exporter and the BGP sidecar without disturbing the forwarder.
 *
 * <p>Owns: the file's layout, its type ids and keys. Must not: be written by anyone but the
 * forwarder process that created it.
 */
package io.levitate.forwarder.counters;
