/**
 * The Prometheus text endpoint: every counter of the counters file under stable metric names, and
 * per-worker burst latency percentiles from each worker's HdrHistogram recorder, written with
 * core's {@code PrometheusText} (as the announcer's /metrics is).
 *
 * <p>Owns: the exporter thread and the counter-to-metric naming. Must not: touch a worker's state
 * other than its recorder's interval swap, which HdrHistogram makes wait-free for the worker.
 */
package io.levitate.forwarder.metrics;
