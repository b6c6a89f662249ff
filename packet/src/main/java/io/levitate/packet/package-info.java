/**
 * Off-heap packet flyweights: Ethernet/VLAN, ARP, IPv4, IPv6 and its extension headers, TCP,
 * UDP, ICMP/ICMPv6 and GRE, with checksums and flow-key extraction. Besides the length-checked
 * instance accessors, the flyweights the load-balancing worker's fast path reads have static
 * accessors (over a raw address of {@code NetworkOrder.ALL}, or over a header word already
 * loaded), so every offset and field decoding is written once, here, for the fast path and
 * {@code PacketClassifier} alike.
 *
 * <p>Owns: header layouts, length-checked field access over a {@code MemorySegment} region, the
 * classifier verdicts and drop reasons. Must not: allocate per packet, throw on malformed input,
 * or depend on DPDK or on any other Levitate module.
 */
package io.levitate.packet;
