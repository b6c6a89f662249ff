/**
 * GRE encapsulation toward backends (IPv4 or IPv6 outer, RFC 2784 with optional RFC 2890 key),
 * the MTU / ICMP too-big policy, ICMP-error steering and decapsulation for tests and tools.
 *
 * <p>Owns: the bytes Levitate puts in front of a client packet. Must not: allocate per packet or
 * depend on DPDK.
 */
package io.levitate.gre;
