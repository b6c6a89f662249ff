/**
 * Bidirectional Forwarding Detection for the BGP peers that ask for it: RFC 5880 asynchronous
 * mode over RFC 5881 single-hop UDP (port 3784, TTL/hop limit 255 both ways). The control packet
 * codec and the §6.8.6 reception checks ({@link io.levitate.bgp.bfd.BfdWire}), the per-peer state
 * machine with its timer negotiation, jitter and Poll/Final sequence ({@link
 * io.levitate.bgp.bfd.BfdSession}, pure: no sockets, no clock of its own), and the sockets that
 * the speaker thread polls ({@link io.levitate.bgp.bfd.BfdEngine}).
 *
 * <p>Owns: the BFD sessions, their sockets, drop counters by reason. Must not: throw on untrusted
 * packets (every bad packet is a counted drop), allocate per packet, block the speaker thread, or
 * touch a BGP session other than through the state-change callback.
 */
package io.levitate.bgp.bfd;
