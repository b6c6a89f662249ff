/**
 * The forwarder's side of the counters file (docs/COUNTERS.md): {@code CountersFile} creates it
 * (a memory-mapped header plus Agrona counters metadata and values buffers), hands out counters,
 * and removes it on a clean stop. The layout it writes, the reader ({@code levitate stat}, the
 * announcer) and the Prometheus writer are shared with the announcer in
 * {@code io.levitate.core.counters}.
 *
 * <p>Owns: creating, heart-beating and removing the file. Must not: be written by anyone but the
 * forwarder process that created it.
 */
package io.levitate.forwarder.counters;
