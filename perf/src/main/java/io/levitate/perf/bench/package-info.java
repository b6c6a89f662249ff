/**
 * The whole-forwarder throughput harness behind {@code scripts/bench.sh}: a deterministic pcap
 * generator (64-byte TCP frames over N flows, optional SYN share, IPv4 or IPv6), the contenders
 * (testpmd io, DPDK's l3fwd in exact-match mode, Levitate) launched on the same vdevs and core,
 * an outside-the-process rate probe over the DPDK telemetry socket, and the result table/JSON.
 *
 * <p>Owns: launching contenders, sampling their sink port counters, reporting ratios. Must not:
 * link to DPDK or to Levitate's modules (every contender is a separate process measured from
 * outside, so none measures itself), or assert speed (it reports, the reader judges).
 */
package io.levitate.perf.bench;
