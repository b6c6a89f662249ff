/**
 * Link-layer flyweights: Ethernet II with 802.1Q/802.1ad tags, and ARP for IPv4 over Ethernet.
 *
 * <p>Owns: their layouts and validation. Must not: allocate per packet or throw on bad input.
 */
package io.levitate.packet.ethernet;
