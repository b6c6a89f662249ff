/**
 * Off-heap packet flyweights: Ethernet/VLAN, ARP, IPv4, IPv6 and its extension headers, TCP,
 * UDP, ICMP/ICMPv6 and GRE, with checksums and flow-key extraction.
 *
 * <p>Owns: header layouts, length-checked field access over a {@code MemorySegment} region, the
 * classifier verdicts and drop reasons. Must not: allocate per packet, throw on malformed input,
 * or depend on DPDK or on any other Levitate module.
 */
package io.levitate.packet;
