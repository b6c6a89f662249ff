package io.levitate.forwarder.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The DNS codec of dns checks: the bytes of a query, and which replies answer it. */
class DnsMessageTest {
    private static byte[] query(final int id, final String name, final int type) {
        final byte[] out = new byte[DnsMessage.MAX_QUERY_LENGTH];
        return Arrays.copyOf(out, DnsMessage.encodeQuery(out, id, name, type));
    }

    /** A reply as a server writes it: the query with QR, RD, RA and the RCODE set, and an answer appended. */
    private static byte[] reply(final byte[] query, final int rcode) {
        final byte[] answer = HexFormat.of().parseHex("c00c000100010000003c000401020304");
        final byte[] out = Arrays.copyOf(query, query.length + answer.length);
        System.arraycopy(answer, 0, out, query.length, answer.length);
        out[2] = (byte) 0x81;
        out[3] = (byte) (0x80 | rcode);
        out[7] = 1; // ANCOUNT
        return out;
    }

    private static int code(final byte[] query, final byte[] reply) {
        return DnsMessage.answerCode(query, query.length, reply, reply.length);
    }

    @Test
    void aQueryIsAHeaderWithRecursionDesiredAndOneQuestion() {
        assertEquals(
                "beef" + "0100" + "0001" + "0000" + "0000" + "0000" + "06" + "6865616c7468" + "07" + "6578616d706c65"
                        + "03" + "636f6d" + "00" + "0001" + "0001",
                HexFormat.of().formatHex(query(0xBEEF, "health.example.com", 1)));
        assertEquals(
                "0001" + "0100" + "0001" + "0000" + "0000" + "0000" + "01" + "61" + "00" + "001c" + "0001",
                HexFormat.of().formatHex(query(1, "a", 28)));
        assertEquals(0xBEEF, DnsMessage.id(query(0xBEEF, "a.b", 1)));
    }

    @Test
    void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> query(1, "a..b", 1));
        assertThrows(IllegalArgumentException.class, () -> query(1, "", 1));
        assertThrows(IllegalArgumentException.class, () -> query(1, "a.", 1));
        assertThrows(IllegalArgumentException.class, () -> query(1, "x".repeat(64) + ".com", 1));
        final String label = "x".repeat(63);
        final String longest =
                label + "." + label + "." + label + "." + "x".repeat(61); // 253 characters, 255 bytes encoded
        assertEquals(12 + 255 + 4, query(1, longest, 1).length);
        assertThrows(IllegalArgumentException.class, () -> query(1, longest + "x", 1));
    }

    @Test
    void theAnswerWithTheQueryIdQrAndQuestionGivesItsRcode() {
        final byte[] q = query(0x1234, "health.example.com", 1);
        assertEquals(0, code(q, reply(q, 0)));
        assertEquals(3, code(q, reply(q, 3)));
        assertEquals(5, code(q, reply(q, 5)));
        assertEquals("NXDOMAIN", DnsMessage.rcodeName(3));
        assertEquals("RCODE 9", DnsMessage.rcodeName(9));
    }

    @Test
    void aQuestionEchoedInAnotherCaseStillMatches() {
        final byte[] q = query(7, "health.example.com", 1);
        final byte[] r = reply(q, 0);
        r[13] = 'H';
        r[20] = 'E';
        assertEquals(0, code(q, r));
    }

    @Test
    void anErrorWithoutTheQuestionCountsByItsId() {
        final byte[] q = query(7, "a.example", 1);
        final byte[] r = Arrays.copyOf(q, 12);
        r[2] = (byte) 0x81;
        r[3] = (byte) 0x85;
        r[5] = 0; // QDCOUNT 0
        assertEquals(5, code(q, r));
    }

    @Test
    void whatDoesNotAnswerTheQueryIsIgnored() {
        final byte[] q = query(0x1234, "health.example.com", 1);
        final byte[] wrongId = reply(q, 0);
        wrongId[1] = 0x35;
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, wrongId));

        final byte[] notAResponse = reply(q, 0);
        notAResponse[2] = 0x01; // QR clear: a query, perhaps our own reflected
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, notAResponse));

        final byte[] otherOpcode = reply(q, 0);
        otherOpcode[2] = (byte) 0xA1; // QR, opcode 4 (NOTIFY)
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, otherOpcode));

        final byte[] otherName = reply(q, 0);
        otherName[14] = 'x';
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, otherName));

        final byte[] otherType = reply(query(0x1234, "health.example.com", 28), 0);
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, otherType));

        final byte[] twoQuestions = reply(q, 0);
        twoQuestions[5] = 2;
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, twoQuestions));

        final byte[] cut = Arrays.copyOf(reply(q, 0), 20); // header and part of the question
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, cut));

        for (int length = 0; length < 12; length++) {
            assertEquals(DnsMessage.NOT_AN_ANSWER, DnsMessage.answerCode(q, q.length, new byte[12], length));
        }
        assertEquals(DnsMessage.NOT_AN_ANSWER, code(q, "garbage!garbage!garbage!".getBytes()));
    }

    /** Replies are untrusted bytes: random ones and mutated answers never throw, and give -1..15. */
    @Test
    void fuzzedRepliesNeverThrow() {
        final java.util.Random random = new java.util.Random(20);
        final byte[] q = query(0x4242, "health.example.com", 1);
        final byte[] good = reply(q, 0);
        for (int i = 0; i < 100_000; i++) {
            final byte[] r;
            if ((i & 1) == 0) {
                r = new byte[random.nextInt(64)];
                random.nextBytes(r);
                if (r.length >= 2 && (i & 2) == 0) {
                    r[0] = 0x42; // the right id, so the rest is read
                    r[1] = 0x42;
                }
            } else {
                r = Arrays.copyOf(good, random.nextInt(good.length + 1));
                for (int flips = random.nextInt(4); flips >= 0 && r.length > 0; flips--) {
                    r[random.nextInt(r.length)] = (byte) random.nextInt(256);
                }
            }
            final int code = code(q, r);
            if (code < DnsMessage.NOT_AN_ANSWER || code > 15) {
                throw new AssertionError(
                        "answerCode " + code + " for " + HexFormat.of().formatHex(r));
            }
        }
    }
}
