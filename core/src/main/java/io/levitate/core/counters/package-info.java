/**
 * The counters file (docs/COUNTERS.md) as both processes see it: {@link
 * io.levitate.core.counters.CountersLayout} (header offsets, type ids, the service key), the one
 * read-only {@link io.levitate.core.counters.CountersFileReader} behind {@code levitate stat}
 * and the announcer's heartbeat watch, and {@link io.levitate.core.counters.PrometheusText}, the
 * Prometheus text writer behind the forwarder's exporter and the announcer's metrics server. The
 * forwarder's {@code io.levitate.forwarder.counters.CountersFile} is the only writer.
 *
 * <p>Owns: the file's layout, its type ids and keys, and how a reader accepts or refuses a file.
 * Must not: write to a counters file, or change a byte of the layout without a new layout version.
 */
package io.levitate.core.counters;
