/**
 * BGP-4 message encoding and decoding (RFC 4271 §4, RFC 4760, RFC 5492, RFC 6793, RFC 9072,
 * RFC 1997, RFC 8092, RFC 8326, RFC 9003). Pure functions over byte arrays and ByteBuffers.
 *
 * <p>Owns: layouts and the verdict (accept / NOTIFICATION) on received bytes. Must not: throw on
 * untrusted input, keep session state, or touch sockets.
 */
package io.levitate.bgp.wire;
