package io.levitate.forwarder.health;

import java.nio.charset.StandardCharsets;

/**
 * The little of DNS (RFC 1035) a dns health check needs: one query out, and the header and
 * question of what comes back.
 *
 * <p>A query is a 12-byte header (id, RD set, one question) and the question: the name as
 * length-prefixed labels, then type and class IN. An answer belongs to the probe only when it
 * carries the query's id, has QR set, opcode QUERY, and either echoes the question (names compared
 * without regard to case: some servers answer in the 0x20-randomised case they were asked in) or
 * has no question at all (some servers leave it out of an error reply). Anything else, garbage
 * included, is not an answer to this probe, and the probe keeps waiting.
 */
final class DnsMessage {
    static final int HEADER_LENGTH = 12;
    static final int CLASS_IN = 1;
    /** Largest UDP message without EDNS; a query never needs more. */
    static final int MAX_QUERY_LENGTH = 512;
    /** Not an answer to the query (wrong id, not a response, a different question, truncated garbage). */
    static final int NOT_AN_ANSWER = -1;

    private static final int QR = 0x8000;
    private static final int OPCODE_MASK = 0x7800;
    private static final int RD = 0x0100;
    private static final int RCODE_MASK = 0x000F;
    private static final String[] RCODE_NAMES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

    private DnsMessage() {}

    /**
     * Writes a query for {@code name} (dotted, without a trailing dot) of {@code type} into
     * {@code out} and returns its length.
     *
     * @throws IllegalArgumentException when the name has an empty or over-long label, or is over
     *                                  255 bytes encoded (the config check refuses such names)
     */
    static int encodeQuery(final byte[] out, final int id, final String name, final int type) {
        putShort(out, 0, id);
        putShort(out, 2, RD); // a recursive resolver must answer from its cache or upstream, not refer
        putShort(out, 4, 1);
        putShort(out, 6, 0);
        putShort(out, 8, 0);
        putShort(out, 10, 0);
        int at = encodeName(out, HEADER_LENGTH, name);
        putShort(out, at, type);
        putShort(out, at + 2, CLASS_IN);
        return at + 4;
    }

    private static int encodeName(final byte[] out, final int offset, final String name) {
        final byte[] text = name.getBytes(StandardCharsets.US_ASCII);
        if (text.length + 2 > 255) {
            throw new IllegalArgumentException("DNS name longer than 255 bytes: " + name);
        }
        int at = offset;
        int start = 0;
        for (int i = 0; i <= text.length; i++) {
            if (i == text.length || text[i] == '.') {
                final int length = i - start;
                if (length == 0 || length > 63) {
                    throw new IllegalArgumentException("DNS label of " + length + " bytes in " + name);
                }
                out[at++] = (byte) length;
                System.arraycopy(text, start, out, at, length);
                at += length;
                start = i + 1;
            }
        }
        out[at++] = 0;
        return at;
    }

    /**
     * The RCODE (0..15) of {@code reply} when it answers {@code query} (same id, QR set, opcode
     * QUERY, the same question or none), else {@link #NOT_AN_ANSWER}.
     */
    static int answerCode(final byte[] query, final int queryLength, final byte[] reply, final int replyLength) {
        if (replyLength < HEADER_LENGTH || queryLength < HEADER_LENGTH) {
            return NOT_AN_ANSWER;
        }
        final int flags = getShort(reply, 2);
        if (getShort(reply, 0) != getShort(query, 0) || (flags & QR) == 0 || (flags & OPCODE_MASK) != 0) {
            return NOT_AN_ANSWER;
        }
        final int questions = getShort(reply, 4);
        if (questions == 0) {
            return flags & RCODE_MASK;
        }
        if (questions != 1) {
            return NOT_AN_ANSWER;
        }
        // The question: the query's name, type and class, byte for byte but for the letters' case.
        final int questionLength = queryLength - HEADER_LENGTH;
        if (replyLength < HEADER_LENGTH + questionLength) {
            return NOT_AN_ANSWER;
        }
        for (int i = HEADER_LENGTH; i < queryLength; i++) {
            if (lower(reply[i]) != lower(query[i])) {
                return NOT_AN_ANSWER;
            }
        }
        return flags & RCODE_MASK;
    }

    /** "NXDOMAIN" for 3, "RCODE 9" for those without a name here. */
    static String rcodeName(final int rcode) {
        return rcode >= 0 && rcode < RCODE_NAMES.length ? RCODE_NAMES[rcode] : "RCODE " + rcode;
    }

    /** The id of a query (for tests and messages). */
    static int id(final byte[] message) {
        return getShort(message, 0);
    }

    private static int lower(final byte b) {
        return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
    }

    private static void putShort(final byte[] out, final int at, final int value) {
        out[at] = (byte) (value >>> 8);
        out[at + 1] = (byte) value;
    }

    private static int getShort(final byte[] in, final int at) {
        return ((in[at] & 0xFF) << 8) | (in[at + 1] & 0xFF);
    }
}
