/**
 * Benchmarks: JMH micro-benchmarks of the per-packet building blocks, and the whole-forwarder
 * throughput harness behind {@code scripts/bench.sh} (pcap generator, contenders, result JSON).
 *
 * <p>Owns: measurement. Must not: be depended on by any product module, or assert speed in a
 * unit test (speed is reported as ratios against peers measured in the same run).
 */
package io.levitate.perf;
