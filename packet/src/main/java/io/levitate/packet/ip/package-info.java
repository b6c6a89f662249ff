/**
 * Network-layer flyweights: IPv4 (options, fragments) and IPv6 with its extension headers.
 *
 * <p>Owns: their layouts and validation. Must not: allocate per packet or throw on bad input;
 * the bounded extension-header walk itself lives in {@link io.levitate.packet.PacketClassifier}.
 */
package io.levitate.packet.ip;
