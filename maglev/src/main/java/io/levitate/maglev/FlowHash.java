package io.levitate.maglev;

import static io.levitate.maglev.XxHash64.P1;
import static io.levitate.maglev.XxHash64.P2;
import static io.levitate.maglev.XxHash64.P5;

/**
 * The per-packet flow hashes: {@link XxHash64} of a flow's <em>canonical bytes</em>, unrolled for
 * each fixed input length so a hash is a handful of multiplications with no loop, no array and no
 * allocation. Each method equals {@code XxHash64.hash(canonicalBytes, seed)} exactly (tested), so
 * another implementation reproduces it from this definition alone.
 *
 * <p>Canonical bytes are the header fields as they travel on the wire: addresses in network byte
 * order, ports big-endian, then the IP protocol number:
 * <table>
 *   <caption>canonical byte strings</caption>
 *   <tr><th>method</th><th>bytes</th><th>length</th></tr>
 *   <tr><td>{@link #v4FiveTuple}</td><td>src(4) dst(4) srcPort(2) dstPort(2) proto(1)</td><td>13</td></tr>
 *   <tr><td>{@link #v4ThreeTuple}</td><td>src(4) dst(4) proto(1)</td><td>9</td></tr>
 *   <tr><td>{@link #v4Source}</td><td>src(4)</td><td>4</td></tr>
 *   <tr><td>{@link #v6FiveTuple}</td><td>src(16) dst(16) srcPort(2) dstPort(2) proto(1)</td><td>37</td></tr>
 *   <tr><td>{@link #v6ThreeTuple}</td><td>src(16) dst(16) proto(1)</td><td>33</td></tr>
 *   <tr><td>{@link #v6Source}</td><td>src(16)</td><td>16</td></tr>
 * </table>
 *
 * <p>Arguments: an IPv4 address is the int a big-endian read of the header gives (10.0.0.1 is
 * {@code 0x0A000001}); an IPv6 address is two longs, {@code hi} the first 8 bytes big-endian and
 * {@code lo} the last 8. Ports use their low 16 bits and the protocol its low 8 bits, so a
 * sign-extended {@code short} or {@code byte} gives the same hash as its unsigned value. No input
 * throws.
 */
public final class FlowHash {
    private FlowHash() {}

    /** IPv4 5-tuple (13 canonical bytes). */
    public static long v4FiveTuple(long seed, int src, int dst, int srcPort, int dstPort, int proto) {
        long h = seed + P5 + 13;
        h = XxHash64.lane8(h, v4PairLE(src, dst));
        h = XxHash64.lane4(h, Integer.reverseBytes((srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF)));
        h = XxHash64.lane1(h, proto);
        return XxHash64.avalanche(h);
    }

    /** IPv4 3-tuple (9 canonical bytes): for fragments, which carry no ports after the first. */
    public static long v4ThreeTuple(long seed, int src, int dst, int proto) {
        long h = seed + P5 + 9;
        h = XxHash64.lane8(h, v4PairLE(src, dst));
        h = XxHash64.lane1(h, proto);
        return XxHash64.avalanche(h);
    }

    /** IPv4 source address only (4 canonical bytes): sticky sessions. */
    public static long v4Source(long seed, int src) {
        long h = seed + P5 + 4;
        h = XxHash64.lane4(h, Integer.reverseBytes(src));
        return XxHash64.avalanche(h);
    }

    /** IPv6 5-tuple (37 canonical bytes: one 32-byte stripe, then a 4-byte word and a byte). */
    public static long v6FiveTuple(
            long seed, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int proto) {
        long h = v6Stripe(seed, srcHi, srcLo, dstHi, dstLo) + 37;
        h = XxHash64.lane4(h, Integer.reverseBytes((srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF)));
        h = XxHash64.lane1(h, proto);
        return XxHash64.avalanche(h);
    }

    /** IPv6 3-tuple (33 canonical bytes). */
    public static long v6ThreeTuple(long seed, long srcHi, long srcLo, long dstHi, long dstLo, int proto) {
        long h = v6Stripe(seed, srcHi, srcLo, dstHi, dstLo) + 33;
        h = XxHash64.lane1(h, proto);
        return XxHash64.avalanche(h);
    }

    /** IPv6 source address only (16 canonical bytes). */
    public static long v6Source(long seed, long srcHi, long srcLo) {
        long h = seed + P5 + 16;
        h = XxHash64.lane8(h, Long.reverseBytes(srcHi));
        h = XxHash64.lane8(h, Long.reverseBytes(srcLo));
        return XxHash64.avalanche(h);
    }

    /**
     * Maps a flow hash to a slot of a table of size {@code m}: {@code ((hash >>> 32) * m) >>> 32}.
     * A multiply-shift instead of {@code hash % m} because a 64-bit division costs tens of cycles
     * per packet; the top 32 bits of an XXH64 output are uniform, so each slot receives
     * {@code floor} or {@code ceil} of {@code 2^32 / m} hash values (a bias below 2<sup>-12</sup> for
     * m below 2<sup>20</sup>).
     */
    public static int slot(long hash, int m) {
        return (int) (((hash >>> 32) * (m & 0xFFFF_FFFFL)) >>> 32);
    }

    private static long v4PairLE(int src, int dst) {
        // The first 8 canonical bytes are src then dst in network order; XXH64 reads them as a
        // little-endian lane, which is the byte reversal of the big-endian pair.
        return Long.reverseBytes((long) src << 32 | (dst & 0xFFFF_FFFFL));
    }

    private static long v6Stripe(long seed, long srcHi, long srcLo, long dstHi, long dstLo) {
        long v1 = XxHash64.round(seed + P1 + P2, Long.reverseBytes(srcHi));
        long v2 = XxHash64.round(seed + P2, Long.reverseBytes(srcLo));
        long v3 = XxHash64.round(seed, Long.reverseBytes(dstHi));
        long v4 = XxHash64.round(seed - P1, Long.reverseBytes(dstLo));
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = XxHash64.mergeRound(h, v1);
        h = XxHash64.mergeRound(h, v2);
        h = XxHash64.mergeRound(h, v3);
        return XxHash64.mergeRound(h, v4);
    }
}
