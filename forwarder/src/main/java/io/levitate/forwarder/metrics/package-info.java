/**
 * The Prometheus text endpoint: every counter of the counters file under stable metric names, and
 * per-worker burst latency percentiles from each worker's HdrHistogram recorder.
 *
 * <p>Owns: the exporter thread. Must not: touch a worker's state other than its recorder's
 * interval swap, which HdrHistogram makes wait-free for the worker.
 */
package io.levitate.forwarder.metrics;
