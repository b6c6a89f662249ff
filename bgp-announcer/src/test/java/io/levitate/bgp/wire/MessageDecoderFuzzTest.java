package io.levitate.bgp.wire;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated messages through the decoder. For each input an independent oracle (written
 * here against RFC 4271 §6.1-§6.3, not by calling the decoder's helpers) says which NOTIFICATION
 * it deserves, or that it is acceptable, or that more bytes are needed; the decoder must agree and
 * must never throw. Iterations: -Dfuzz.iterations=N (default 300 000 per kind).
 */
class MessageDecoderFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 300_000);

    @Test
    void randomBytes() {
        final SplittableRandom random = new SplittableRandom(0x1e71_7a7eL);
        final Stats stats = new Stats();
        for (int i = 0; i < ITERATIONS; i++) {
            final byte[] m = new byte[random.nextInt(0, 200)];
            random.nextBytes(m);
            if (random.nextInt(4) != 0 && m.length >= 16) {
                // Mostly with a valid marker, or nothing gets past §6.1.
                for (int j = 0; j < 16; j++) {
                    m[j] = (byte) 0xFF;
                }
                if (m.length >= 19 && random.nextBoolean()) {
                    m[16] = (byte) (m.length >>> 8);
                    m[17] = (byte) m.length;
                    m[18] = (byte) random.nextInt(1, 6);
                }
            }
            check(m, stats);
        }
        System.out.println("fuzz random: " + stats);
        assertTrue(stats.errors > 0 && stats.accepted > 0, stats.toString());
    }

    @Test
    void mutatedValidMessages() {
        final List<byte[]> seeds = seeds();
        final SplittableRandom random = new SplittableRandom(0xb6b6L);
        final Stats stats = new Stats();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] m = seeds.get(random.nextInt(seeds.size())).clone();
            final int mutations = random.nextInt(1, 4);
            for (int k = 0; k < mutations; k++) {
                switch (random.nextInt(5)) {
                    case 0 -> m[random.nextInt(m.length)] = (byte) random.nextInt(256); // byte
                    case 1 -> m[random.nextInt(m.length)] ^= (byte) (1 << random.nextInt(8)); // bit
                    case 2 -> m = java.util.Arrays.copyOf(m, random.nextInt(0, m.length + 1)); // truncate
                    case 3 -> {
                        final byte[] longer = java.util.Arrays.copyOf(m, m.length + random.nextInt(1, 40)); // extend
                        for (int j = m.length; j < longer.length; j++) {
                            longer[j] = (byte) random.nextInt(256);
                        }
                        m = longer;
                    }
                    default -> {
                        // Fix up the header length to the new size, so the body checks get exercised.
                        if (m.length >= 19) {
                            m[16] = (byte) (m.length >>> 8);
                            m[17] = (byte) m.length;
                        }
                    }
                }
                if (m.length == 0) {
                    break;
                }
            }
            check(m, stats);
        }
        System.out.println("fuzz mutated: " + stats);
        assertTrue(stats.errors > 0 && stats.accepted > 0, stats.toString());
    }

    private static final class Stats {
        long incomplete;
        long accepted;
        long errors;
        final long[] byCode = new long[9];

        @Override
        public String toString() {
            return ITERATIONS + " inputs: " + accepted + " accepted, " + incomplete + " incomplete, " + errors
                    + " NOTIFICATIONs (header " + byCode[1] + ", OPEN " + byCode[2] + ", UPDATE " + byCode[3] + ")";
        }
    }

    private static void check(final byte[] m, final Stats stats) {
        final DecodeResult r;
        try {
            r = new MessageDecoder().decode(m, 0, m.length, new DecodeResult());
        } catch (final Throwable t) {
            throw new AssertionError(
                    "decoder threw on " + java.util.HexFormat.of().formatHex(m), t);
        }
        final int[] expected = Oracle.verdict(m);
        final String hex = java.util.HexFormat.of().formatHex(m);
        switch (expected[0]) {
            case -1 -> {
                assertEquals(DecodeResult.INCOMPLETE, r.status(), () -> hex + " -> " + r.error());
                stats.incomplete++;
            }
            case 0 -> {
                assertEquals(DecodeResult.MESSAGE, r.status(), () -> hex + " -> " + r.error());
                stats.accepted++;
            }
            default -> {
                assertEquals(DecodeResult.ERROR, r.status(), hex);
                assertEquals(expected[0], r.error().code(), () -> hex + " -> " + r.error());
                assertEquals(expected[1], r.error().subcode(), () -> hex + " -> " + r.error());
                // Every NOTIFICATION we would send must itself encode.
                assertTrue(MessageEncoder.notification(ByteBuffer.allocate(4096), r.error()));
                stats.errors++;
                stats.byCode[expected[0]]++;
            }
        }
    }

    /** Valid messages of every kind, as peers send them. */
    private static List<byte[]> seeds() {
        final List<byte[]> seeds = new ArrayList<>();
        final ByteBuffer b = ByteBuffer.allocate(4096);
        MessageEncoder.open(b, 65001, 90, 0x0A000001, true, true, 120);
        seeds.add(take(b));
        MessageEncoder.open(b, 4_200_000_000L, 3, 0x0A000001, true, false, -1);
        seeds.add(take(b));
        seeds.add(MessageCodecTest.frame(
                1, "04fde80003" + "0a000001" + "ff" + "ff" + "0009" + "02" + "0006" + "010400010001"));
        MessageEncoder.keepalive(b);
        seeds.add(take(b));
        MessageEncoder.notification(b, Notification.cease(2, "maintenance"));
        seeds.add(take(b));
        final PathAttributes a = new PathAttributes(
                65001, false, true, new byte[] {10, 0, 0, 2}, new byte[16], 10, 100, new int[] {1, 2}, new int[] {
                    1, 2, 3
                });
        UpdateEncoder.announceIpv4(b, a, List.of(new byte[] {1, 2, 3, 4}, new byte[] {5, 6, 7, 8}), 0, true);
        seeds.add(take(b));
        UpdateEncoder.announceIpv6(b, a, List.of(new byte[16]), 0, false);
        seeds.add(take(b));
        UpdateEncoder.withdrawIpv4(b, List.of(new byte[] {1, 2, 3, 4}), 0);
        seeds.add(take(b));
        UpdateEncoder.endOfRib(b, BgpWire.AFI_IPV6);
        seeds.add(take(b));
        seeds.add(MessageCodecTest.frame(5, "00010001"));
        // Both MP attributes once each: one flipped type byte (14 <-> 15) makes a duplicate (RFC 7606 §3(g)).
        seeds.add(MessageCodecTest.frame(
                2, "0000" + "0022" + "800f03000201" + "800e15000201" + "10" + "fd00".repeat(8) + "00" + "40010100"));
        return seeds;
    }

    private static byte[] take(final ByteBuffer b) {
        final byte[] m = new byte[b.position()];
        b.get(0, m);
        b.clear();
        return m;
    }

    /** The rules, restated independently: {code, subcode}, {0,0} acceptable, {-1,-1} incomplete. */
    static final class Oracle {
        static int[] verdict(final byte[] m) {
            for (int i = 0; i < Math.min(16, m.length); i++) {
                if (m[i] != (byte) 0xFF) {
                    return new int[] {1, 1};
                }
            }
            if (m.length < 19) {
                return new int[] {-1, -1};
            }
            final ByteBuffer b = ByteBuffer.wrap(m);
            final int length = b.getShort(16) & 0xFFFF;
            final int type = m[18] & 0xFF;
            if (length < 19 || length > 4096) {
                return new int[] {1, 2};
            }
            if (type < 1 || type > 5) {
                return new int[] {1, 3};
            }
            final int[] min = {0, 29, 23, 21, 19, 23};
            if (length < min[type] || (type == 4 && length != 19) || (type == 5 && length != 23)) {
                return new int[] {1, 2};
            }
            if (m.length < length) {
                return new int[] {-1, -1};
            }
            final ByteBuffer body = ByteBuffer.wrap(m, 19, length - 19).slice();
            return switch (type) {
                case 1 -> open(body);
                case 2 -> update(body);
                default -> new int[] {0, 0};
            };
        }

        private static int[] update(final ByteBuffer body) {
            final int n = body.remaining();
            final int withdrawn = body.getShort(0) & 0xFFFF;
            if (withdrawn + 4 > n) {
                return new int[] {3, 1};
            }
            final int attrs = body.getShort(2 + withdrawn) & 0xFFFF;
            if (withdrawn + 4 + attrs > n) {
                return new int[] {3, 1};
            }
            // RFC 7606 §3(g): a second MP_REACH_NLRI (14) or MP_UNREACH_NLRI (15) among the
            // attributes that fit the list is a reset; an overrunning one ends the walk (§4).
            final int[] seen = new int[256];
            int pos = 4 + withdrawn;
            final int end = pos + attrs;
            while (pos < end) {
                final boolean extended = (body.get(pos) & 0x10) != 0;
                final int hdr = extended ? 4 : 3;
                if (end - pos < hdr) {
                    break;
                }
                final int type = body.get(pos + 1) & 0xFF;
                final int len = extended ? body.getShort(pos + 2) & 0xFFFF : body.get(pos + 2) & 0xFF;
                if (pos + hdr + len > end) {
                    break;
                }
                if (++seen[type] > 1 && (type == 14 || type == 15)) {
                    return new int[] {3, 1};
                }
                pos += hdr + len;
            }
            return new int[] {0, 0};
        }

        private static int[] open(final ByteBuffer body) {
            if ((body.get(0) & 0xFF) != 4) {
                return new int[] {2, 1};
            }
            final int hold = body.getShort(3) & 0xFFFF;
            final int id = body.getInt(5);
            int optLen = body.get(9) & 0xFF;
            int pos = 10;
            boolean ext = false;
            if (optLen == 255 && body.remaining() > 10 && (body.get(10) & 0xFF) == 255) {
                if (body.remaining() < 13) {
                    return new int[] {2, 0};
                }
                ext = true;
                optLen = body.getShort(11) & 0xFFFF;
                pos = 13;
            }
            if (pos + optLen != body.remaining()) {
                return new int[] {2, 0};
            }
            if (hold == 1 || hold == 2) {
                return new int[] {2, 6};
            }
            if (id == 0) {
                return new int[] {2, 3};
            }
            final int end = body.remaining();
            while (pos < end) {
                final int hdr = ext ? 3 : 2;
                if (end - pos < hdr) {
                    return new int[] {2, 0};
                }
                final int ptype = body.get(pos) & 0xFF;
                final int plen = ext ? body.getShort(pos + 1) & 0xFFFF : body.get(pos + 1) & 0xFF;
                pos += hdr;
                if (pos + plen > end) {
                    return new int[] {2, 0};
                }
                if (ptype != 2) {
                    return new int[] {2, 4};
                }
                int c = pos;
                while (c < pos + plen) {
                    if (pos + plen - c < 2) {
                        return new int[] {2, 0};
                    }
                    final int clen = body.get(c + 1) & 0xFF;
                    c += 2 + clen;
                    if (c > pos + plen) {
                        return new int[] {2, 0};
                    }
                }
                pos += plen;
            }
            return new int[] {0, 0};
        }
    }
}
