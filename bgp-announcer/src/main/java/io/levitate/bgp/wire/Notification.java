package io.levitate.bgp.wire;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A NOTIFICATION, sent or received (RFC 4271 §4.5), with a human description for logs and metrics.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Error code    | Error subcode |   Data (variable)             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * @param code    error code.
 * @param subcode error subcode.
 * @param data    the data field (never null; may be empty).
 */
public record Notification(int code, int subcode, byte[] data) {
    private static final byte[] NONE = new byte[0];

    public Notification {
        data = data == null ? NONE : data;
    }

    public static Notification of(final int code, final int subcode) {
        return new Notification(code, subcode, NONE);
    }

    /** Cease with an RFC 9003 shutdown communication (length byte, then at most 255 bytes of UTF-8). */
    public static Notification cease(final int subcode, final String message) {
        if (message == null || message.isEmpty()) {
            return of(BgpWire.ERR_CEASE, subcode);
        }
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        if (text.length > BgpWire.MAX_SHUTDOWN_COMMUNICATION) {
            text = truncateUtf8(message, BgpWire.MAX_SHUTDOWN_COMMUNICATION);
        }
        final byte[] data = new byte[1 + text.length];
        data[0] = (byte) text.length;
        System.arraycopy(text, 0, data, 1, text.length);
        return new Notification(BgpWire.ERR_CEASE, subcode, data);
    }

    private static byte[] truncateUtf8(final String message, final int max) {
        // Cut on a code point boundary so the peer can decode what it gets (RFC 9003 §2).
        final StringBuilder sb = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < message.length(); ) {
            final int cp = message.codePointAt(i);
            final int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > max) {
                break;
            }
            sb.appendCodePoint(cp);
            bytes += n;
            i += Character.charCount(cp);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    public String codeName() {
        return switch (code) {
            case BgpWire.ERR_HEADER -> "Message Header Error";
            case BgpWire.ERR_OPEN -> "OPEN Message Error";
            case BgpWire.ERR_UPDATE -> "UPDATE Message Error";
            case BgpWire.ERR_HOLD_TIMER_EXPIRED -> "Hold Timer Expired";
            case BgpWire.ERR_FSM -> "Finite State Machine Error";
            case BgpWire.ERR_CEASE -> "Cease";
            case BgpWire.ERR_ROUTE_REFRESH -> "ROUTE-REFRESH Message Error";
            case BgpWire.ERR_SEND_HOLD_TIMER_EXPIRED -> "Send Hold Timer Expired";
            default -> "Unknown error code " + code;
        };
    }

    public String subcodeName() {
        return switch (code) {
            case BgpWire.ERR_HEADER ->
                switch (subcode) {
                    case 1 -> "Connection Not Synchronized";
                    case 2 -> "Bad Message Length";
                    case 3 -> "Bad Message Type";
                    default -> "subcode " + subcode;
                };
            case BgpWire.ERR_OPEN ->
                switch (subcode) {
                    case 0 -> "Unspecific";
                    case 1 -> "Unsupported Version Number";
                    case 2 -> "Bad Peer AS";
                    case 3 -> "Bad BGP Identifier";
                    case 4 -> "Unsupported Optional Parameter";
                    case 6 -> "Unacceptable Hold Time";
                    case 7 -> "Unsupported Capability";
                    case 11 -> "Role Mismatch";
                    default -> "subcode " + subcode;
                };
            case BgpWire.ERR_UPDATE ->
                switch (subcode) {
                    case 1 -> "Malformed Attribute List";
                    case 2 -> "Unrecognized Well-known Attribute";
                    case 3 -> "Missing Well-known Attribute";
                    case 4 -> "Attribute Flags Error";
                    case 5 -> "Attribute Length Error";
                    case 6 -> "Invalid ORIGIN Attribute";
                    case 8 -> "Invalid NEXT_HOP Attribute";
                    case 9 -> "Optional Attribute Error";
                    case 10 -> "Invalid Network Field";
                    case 11 -> "Malformed AS_PATH";
                    default -> "subcode " + subcode;
                };
            case BgpWire.ERR_FSM ->
                switch (subcode) {
                    case 0 -> "Unspecified Error";
                    case 1 -> "Receive Unexpected Message in OpenSent State";
                    case 2 -> "Receive Unexpected Message in OpenConfirm State";
                    case 3 -> "Receive Unexpected Message in Established State";
                    default -> "subcode " + subcode;
                };
            case BgpWire.ERR_CEASE ->
                switch (subcode) {
                    case 1 -> "Maximum Number of Prefixes Reached";
                    case 2 -> "Administrative Shutdown";
                    case 3 -> "Peer De-configured";
                    case 4 -> "Administrative Reset";
                    case 5 -> "Connection Rejected";
                    case 6 -> "Other Configuration Change";
                    case 7 -> "Connection Collision Resolution";
                    case 8 -> "Out of Resources";
                    case 9 -> "Hard Reset";
                    case 10 -> "BFD Down";
                    default -> "subcode " + subcode;
                };
            case BgpWire.ERR_ROUTE_REFRESH -> subcode == 1 ? "Invalid Message Length" : "subcode " + subcode;
            default -> "subcode " + subcode;
        };
    }

    /** The RFC 9003 shutdown communication of a Cease 2 or 4, or null. */
    public String shutdownCommunication() {
        if (code != BgpWire.ERR_CEASE
                || (subcode != BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN && subcode != BgpWire.CEASE_ADMINISTRATIVE_RESET)
                || data.length < 1) {
            return null;
        }
        final int len = data[0] & 0xFF;
        if (len == 0 || 1 + len > data.length) {
            return null;
        }
        return new String(data, 1, len, StandardCharsets.UTF_8);
    }

    /** "Cease/Administrative Shutdown (6/2): "maintenance"" — the form logs and metrics show. */
    public String describe() {
        final StringBuilder sb = new StringBuilder()
                .append(codeName())
                .append('/')
                .append(subcodeName())
                .append(" (")
                .append(code)
                .append('/')
                .append(subcode)
                .append(')');
        final String text = shutdownCommunication();
        if (text != null) {
            sb.append(": \"").append(text.replaceAll("\\p{Cntrl}", "?")).append('"');
        } else if (data.length > 0) {
            sb.append(" data=").append(HexFormat.of().formatHex(data, 0, Math.min(data.length, 32)));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
