package io.levitate.maglev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * XXH64 and the flow hashes against vectors produced by the reference C implementation (through
 * Python's {@code xxhash} 4.0.1: {@code xxhash.xxh64(data, seed=seed).intdigest()}).
 */
class XxHash64Test {
    private static final int[] LENGTHS = {0, 1, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 31, 32, 33, 37, 40, 63, 64, 65, 100};

    // data(n) = bytes (i * 7 + 3) & 0xff for i in 0..n-1
    private static final long[] SEED_0 = {
        0xef46db3751d8e999L, 0x1f25c8d0bc1f4bb6L, 0x31d2363f52e564c9L, 0x9bb64b7d66ee9fdaL, 0xc7608efddb7051feL,
        0x9a7b149959ce60d8L, 0xdab99d95c6f90092L, 0x170bb6bf975b4c02L, 0xd52e407833af5133L, 0xf78b031308f5bfc8L,
        0x434850232b787be2L, 0x1efa7025f1b97a7aL, 0xa2aa5f33cc4a6119L, 0x23c3c17ef790fd97L, 0x50a7cfc7ba588784L,
        0xe32ef63802f5a3fdL, 0xb620306b253d76b6L, 0x5e3e54b431c7493cL, 0x0eb64b3ef6eeb01fL, 0xa383b724b2bd12f1L,
        0xa61f8d4c170fe531L
    };
    private static final long[] SEED_0123456789ABCDEF = {
        0x51e24c0e9077a48cL, 0x20f9f4e3fba1be06L, 0x076b77199119d7ddL, 0x27a7e5587a8a5c2eL, 0x7ac093fe3e6c37daL,
        0xcff13e1a810bec27L, 0x841e06da64a07ce8L, 0x3a022da88809d1dfL, 0xbffccf3339b09e6aL, 0x71206de9a8f0d726L,
        0x128343a71d73ecc8L, 0xb8d0f371d325a207L, 0x6ba872e910fbce5cL, 0x25cc07da699894a9L, 0xbf84912d4dea9670L,
        0x35a15f7975376f4bL, 0xdd9426638fff7d15L, 0x737629700e723da5L, 0xfded24eb11992703L, 0x25093c97f4068972L,
        0xfe1fce732c97c212L
    };
    private static final long[] SEED_ALL_ONES = {
        0x298f4c84b24f5380L, 0x7b75c7a6356b0b4dL, 0xe422054a9bc43a06L, 0x1c1305b583b5e78cL, 0xe214d71e0881f9f3L,
        0x76c17f70933c79edL, 0x91981f79e1f7d960L, 0x0a2944c2531f4d0eL, 0x24d935be81c72ab6L, 0x0ecd6e5efcf2e18cL,
        0xfa3ec5c9ede3b42fL, 0xf762cd491cf4f716L, 0x931df7ff3b1d1e4aL, 0x2cd9b29bf8eed6bfL, 0xdbbac9766bb3adf7L,
        0x917108fe5c196037L, 0xaaccbb1d75873ad7L, 0x4dc01bdafe25fcbcL, 0xe90717d28b13c3e9L, 0xe75f1116c7e3c58cL,
        0x7d5ca39dfcfbeacaL
    };

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    @Test
    void matchesReferenceVectors() {
        for (int k = 0; k < LENGTHS.length; k++) {
            byte[] d = data(LENGTHS[k]);
            assertEquals(SEED_0[k], XxHash64.hash(d, 0L), "len " + LENGTHS[k] + " seed 0");
            assertEquals(SEED_0123456789ABCDEF[k], XxHash64.hash(d, 0x0123456789ABCDEFL), "len " + LENGTHS[k]);
            assertEquals(SEED_ALL_ONES[k], XxHash64.hash(d, -1L), "len " + LENGTHS[k] + " seed -1");
        }
    }

    @Test
    void hashesAnArraySlice() {
        byte[] padded = new byte[50];
        System.arraycopy(data(37), 0, padded, 5, 37);
        assertEquals(SEED_0[15], XxHash64.hash(padded, 5, 37, 0L));
    }

    @Test
    void bigEndianWordsEqualTheirBytes() {
        SplittableRandom r = new SplittableRandom(1);
        for (int count = 0; count < 20; count++) {
            long[] words = new long[count];
            ByteBuffer bb = ByteBuffer.allocate(count * 8);
            for (int i = 0; i < count; i++) {
                words[i] = r.nextLong();
                bb.putLong(words[i]);
            }
            long seed = r.nextLong();
            assertEquals(
                    XxHash64.hash(bb.array(), seed),
                    XxHash64.hashBigEndianWords(count, seed, i -> words[i]),
                    "count " + count);
        }
    }

    // Flow vectors: seed 0x5EED; v4 10.1.2.3:54321 -> 192.0.2.10:443 TCP (3-tuple with proto 17);
    // v6 [2001:db8::1]:40000 -> [2001:db8:ffff::abcd:1]:80 TCP (3-tuple with proto 17).
    private static final long SEED = 0x5EED;
    private static final int V4_SRC = 0x0A010203;
    private static final int V4_DST = 0xC000020A;
    private static final long V6_SRC_HI = 0x20010db800000000L;
    private static final long V6_SRC_LO = 0x0000000000000001L;
    private static final long V6_DST_HI = 0x20010db8ffff0000L;
    private static final long V6_DST_LO = 0x00000000abcd0001L;

    @Test
    void flowHashesMatchReferenceOnCanonicalBytes() {
        assertEquals(0x2cd90cd743c51b82L, FlowHash.v4FiveTuple(SEED, V4_SRC, V4_DST, 54321, 443, 6));
        assertEquals(0x821d2c75488c37f3L, FlowHash.v4ThreeTuple(SEED, V4_SRC, V4_DST, 17));
        assertEquals(0x6ba8e687f7fb7ef3L, FlowHash.v4Source(SEED, V4_SRC));
        assertEquals(
                0x22e7933e976ce352L,
                FlowHash.v6FiveTuple(SEED, V6_SRC_HI, V6_SRC_LO, V6_DST_HI, V6_DST_LO, 40000, 80, 6));
        assertEquals(0x330dfc786bb69543L, FlowHash.v6ThreeTuple(SEED, V6_SRC_HI, V6_SRC_LO, V6_DST_HI, V6_DST_LO, 17));
        assertEquals(0xa662b4c390d83b2bL, FlowHash.v6Source(SEED, V6_SRC_HI, V6_SRC_LO));
    }

    @Test
    void signExtendedShortsAndBytesHashLikeTheirUnsignedValues() {
        short sport = (short) 54321;
        byte proto = (byte) 200;
        assertEquals(
                FlowHash.v4FiveTuple(SEED, V4_SRC, V4_DST, 54321, 443, 200),
                FlowHash.v4FiveTuple(SEED, V4_SRC, V4_DST, sport, 443, proto));
    }

    @Test
    void unrolledFlowHashesEqualGenericHashOfCanonicalBytes() {
        SplittableRandom r = new SplittableRandom(7);
        for (int k = 0; k < 10_000; k++) {
            long seed = r.nextLong();
            int src = r.nextInt();
            int dst = r.nextInt();
            int sp = r.nextInt(65536);
            int dp = r.nextInt(65536);
            int pr = r.nextInt(256);
            long a = r.nextLong();
            long b = r.nextLong();
            long c = r.nextLong();
            long d = r.nextLong();
            byte[] v45 = ByteBuffer.allocate(13)
                    .putInt(src)
                    .putInt(dst)
                    .putShort((short) sp)
                    .putShort((short) dp)
                    .put((byte) pr)
                    .array();
            byte[] v43 = ByteBuffer.allocate(9)
                    .putInt(src)
                    .putInt(dst)
                    .put((byte) pr)
                    .array();
            byte[] v4s = ByteBuffer.allocate(4).putInt(src).array();
            byte[] v65 = ByteBuffer.allocate(37)
                    .putLong(a)
                    .putLong(b)
                    .putLong(c)
                    .putLong(d)
                    .putShort((short) sp)
                    .putShort((short) dp)
                    .put((byte) pr)
                    .array();
            byte[] v63 = ByteBuffer.allocate(33)
                    .putLong(a)
                    .putLong(b)
                    .putLong(c)
                    .putLong(d)
                    .put((byte) pr)
                    .array();
            byte[] v6s = ByteBuffer.allocate(16).putLong(a).putLong(b).array();
            assertEquals(XxHash64.hash(v45, seed), FlowHash.v4FiveTuple(seed, src, dst, sp, dp, pr));
            assertEquals(XxHash64.hash(v43, seed), FlowHash.v4ThreeTuple(seed, src, dst, pr));
            assertEquals(XxHash64.hash(v4s, seed), FlowHash.v4Source(seed, src));
            assertEquals(XxHash64.hash(v65, seed), FlowHash.v6FiveTuple(seed, a, b, c, d, sp, dp, pr));
            assertEquals(XxHash64.hash(v63, seed), FlowHash.v6ThreeTuple(seed, a, b, c, d, pr));
            assertEquals(XxHash64.hash(v6s, seed), FlowHash.v6Source(seed, a, b));
        }
    }

    @Test
    void slotMappingCoversTheTableEvenly() {
        int m = 7;
        assertEquals(0, FlowHash.slot(0L, m));
        assertEquals(m - 1, FlowHash.slot(-1L, m));
        int[] counts = new int[m];
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < 700_000; k++) {
            counts[FlowHash.slot(FlowHash.v4FiveTuple(1, r.nextInt(), 1, 1, 1, 6), m)]++;
        }
        for (int c : counts) {
            assertEquals(100_000, c, 1_500);
        }
    }
}
