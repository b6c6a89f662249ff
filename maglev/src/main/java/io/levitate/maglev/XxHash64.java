package io.levitate.maglev;

import java.util.function.IntToLongFunction;

/**
 * XXH64 (Yann Collet's xxHash, 64-bit variant), written from the published algorithm
 * description. It is the one hash Levitate uses wherever a value must be identical in every JVM and
 * on every machine: backend permutations, flow hashes and table digests.
 *
 * <p>Why XXH64: it is seeded, fast on short inputs (a 13-byte IPv4 5-tuple costs about eight
 * multiplications), well mixed (passes SMHasher), and is widely implemented, so any other tool
 * (Python's {@code xxhash}, {@code xxhsum}, a C program) reproduces Levitate's values from the
 * canonical bytes documented on each caller. The test suite checks this class against vectors
 * produced by the reference C implementation.
 *
 * <p>Definition, for an input of {@code len} bytes and a 64-bit {@code seed}, all arithmetic modulo
 * 2<sup>64</sup>, lanes read <em>little-endian</em> (as the reference does):
 * <pre>
 *   P1 = 0x9E3779B185EBCA87  P2 = 0xC2B2AE3D27D4EB4F  P3 = 0x165667B19E3779F9
 *   P4 = 0x85EBCA77C2B2AE63  P5 = 0x27D4EB2F165667C5
 *   round(acc, x) = rotl(acc + x*P2, 31) * P1
 *   if len &gt;= 32: v1 = seed+P1+P2, v2 = seed+P2, v3 = seed, v4 = seed-P1;
 *                  for each whole 32-byte stripe: v1..v4 = round(v1..v4, four 8-byte lanes)
 *                  h = rotl(v1,1)+rotl(v2,7)+rotl(v3,12)+rotl(v4,18)
 *                  for v in v1..v4: h = (h ^ round(0, v)) * P1 + P4
 *   else:          h = seed + P5
 *   h += len
 *   each remaining 8-byte lane k: h = rotl(h ^ round(0, k), 27) * P1 + P4
 *   a remaining 4-byte word w:   h = rotl(h ^ (w * P1), 23) * P2 + P3      (w unsigned)
 *   each remaining byte b:       h = rotl(h ^ (b * P5), 11) * P1           (b unsigned)
 *   h ^= h &gt;&gt;&gt; 33; h *= P2; h ^= h &gt;&gt;&gt; 29; h *= P3; h ^= h &gt;&gt;&gt; 32
 * </pre>
 * All methods are static, allocation-free and never throw for in-range arguments.
 */
public final class XxHash64 {
    static final long P1 = 0x9E3779B185EBCA87L;
    static final long P2 = 0xC2B2AE3D27D4EB4FL;
    static final long P3 = 0x165667B19E3779F9L;
    static final long P4 = 0x85EBCA77C2B2AE63L;
    static final long P5 = 0x27D4EB2F165667C5L;

    private XxHash64() {}

    /** XXH64 of {@code data[off, off+len)} with the given seed. Used at build time, not per packet. */
    public static long hash(byte[] data, int off, int len, long seed) {
        int p = off;
        final int end = off + len;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            final int limit = end - 32;
            do {
                v1 = round(v1, readLongLE(data, p));
                v2 = round(v2, readLongLE(data, p + 8));
                v3 = round(v3, readLongLE(data, p + 16));
                v4 = round(v4, readLongLE(data, p + 24));
                p += 32;
            } while (p <= limit);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = mergeRound(h, v1);
            h = mergeRound(h, v2);
            h = mergeRound(h, v3);
            h = mergeRound(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        while (p + 8 <= end) {
            h = lane8(h, readLongLE(data, p));
            p += 8;
        }
        if (p + 4 <= end) {
            h = lane4(h, readIntLE(data, p));
            p += 4;
        }
        while (p < end) {
            h = lane1(h, data[p]);
            p++;
        }
        return avalanche(h);
    }

    /** XXH64 of a whole array. */
    public static long hash(byte[] data, long seed) {
        return hash(data, 0, data.length, seed);
    }

    /**
     * XXH64 of the byte string formed by {@code count} 64-bit words, each written big-endian, with
     * {@code word.applyAsLong(i)} the i-th word. Equal to {@link #hash(byte[], long)} of those bytes;
     * exists so a digest over a large table needs no byte array. Build time only.
     */
    public static long hashBigEndianWords(int count, long seed, IntToLongFunction word) {
        final long len = (long) count * 8;
        int i = 0;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            do {
                v1 = round(v1, Long.reverseBytes(word.applyAsLong(i)));
                v2 = round(v2, Long.reverseBytes(word.applyAsLong(i + 1)));
                v3 = round(v3, Long.reverseBytes(word.applyAsLong(i + 2)));
                v4 = round(v4, Long.reverseBytes(word.applyAsLong(i + 3)));
                i += 4;
            } while (i + 4 <= count);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = mergeRound(h, v1);
            h = mergeRound(h, v2);
            h = mergeRound(h, v3);
            h = mergeRound(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        for (; i < count; i++) {
            h = lane8(h, Long.reverseBytes(word.applyAsLong(i)));
        }
        return avalanche(h);
    }

    // The steps below are shared with the fixed-length flow hashes in FlowHash, which unroll the
    // algorithm for their input sizes so a flow hash has no loops and no array.

    static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    static long mergeRound(long acc, long v) {
        acc ^= round(0, v);
        return acc * P1 + P4;
    }

    /** Remainder step for one 8-byte lane (already in little-endian numeric form). */
    static long lane8(long h, long lane) {
        h ^= round(0, lane);
        return Long.rotateLeft(h, 27) * P1 + P4;
    }

    /** Remainder step for one 4-byte word (already in little-endian numeric form). */
    static long lane4(long h, int word) {
        h ^= (word & 0xFFFF_FFFFL) * P1;
        return Long.rotateLeft(h, 23) * P2 + P3;
    }

    /** Remainder step for one byte. */
    static long lane1(long h, int b) {
        h ^= (b & 0xFFL) * P5;
        return Long.rotateLeft(h, 11) * P1;
    }

    static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long readLongLE(byte[] b, int p) {
        return (b[p] & 0xFFL)
                | (b[p + 1] & 0xFFL) << 8
                | (b[p + 2] & 0xFFL) << 16
                | (b[p + 3] & 0xFFL) << 24
                | (b[p + 4] & 0xFFL) << 32
                | (b[p + 5] & 0xFFL) << 40
                | (b[p + 6] & 0xFFL) << 48
                | (b[p + 7] & 0xFFL) << 56;
    }

    private static int readIntLE(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    }
}
