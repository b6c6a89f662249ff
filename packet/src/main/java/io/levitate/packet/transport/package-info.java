/**
 * Flyweights for what IP carries: TCP, UDP, ICMP, ICMPv6 and GRE.
 *
 * <p>Owns: their layouts and validation. Must not: allocate per packet or throw on bad input.
 */
package io.levitate.packet.transport;
