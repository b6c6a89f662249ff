package io.levitate.bgp.wire;

import static io.levitate.bgp.wire.BgpWire.*;

/**
 * Frames and checks received BGP messages. Reads untrusted bytes: every length is checked before
 * the field it covers is read, nothing throws, and a malformed message yields the NOTIFICATION
 * RFC 4271 §6 asks for. UPDATE bodies are only framed (this speaker installs no routes): a
 * consistent UPDATE is accepted whatever its attributes hold (RFC 7606's spirit: never reset a
 * session over a route we would ignore anyway), except for the one attribute-list error RFC 7606
 * §3(g) says resets the session: MP_REACH_NLRI or MP_UNREACH_NLRI more than once.
 *
 * <p>Stateless apart from the caller's {@link DecodeResult}; one instance per session thread.
 */
public final class MessageDecoder {
    private static final byte[] VERSION_4 = {0, BGP_VERSION};

    /**
     * Decodes the message at the start of {@code buf[offset, offset+available)}.
     *
     * @return {@code out}, with status INCOMPLETE, MESSAGE or ERROR.
     */
    public DecodeResult decode(final byte[] buf, final int offset, final int available, final DecodeResult out) {
        out.reset();
        // Check whatever part of the marker has arrived: garbage is refused before a full header.
        final int markerBytes = Math.min(available, MARKER_LENGTH);
        for (int i = 0; i < markerBytes; i++) {
            if (buf[offset + i] != (byte) 0xFF) {
                out.fail(ERR_HEADER, HDR_CONNECTION_NOT_SYNCHRONIZED, null);
                return out;
            }
        }
        if (available < HEADER_LENGTH) {
            return out;
        }
        final int length = u16(buf, offset + LENGTH_OFFSET);
        final int type = buf[offset + TYPE_OFFSET] & 0xFF;
        out.length = length;
        out.type = type;
        if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
            out.fail(ERR_HEADER, HDR_BAD_MESSAGE_LENGTH, lengthData(length));
            return out;
        }
        final boolean lengthOk = switch (type) {
            case TYPE_OPEN -> length >= OPEN_MIN_LENGTH;
            case TYPE_UPDATE -> length >= UPDATE_MIN_LENGTH;
            case TYPE_NOTIFICATION -> length >= NOTIFICATION_MIN_LENGTH;
            case TYPE_KEEPALIVE -> length == KEEPALIVE_LENGTH;
            case TYPE_ROUTE_REFRESH -> length == ROUTE_REFRESH_LENGTH;
            default -> {
                out.fail(ERR_HEADER, HDR_BAD_MESSAGE_TYPE, new byte[] {(byte) type});
                yield true;
            }
        };
        if (out.status == DecodeResult.ERROR) {
            return out;
        }
        if (!lengthOk) {
            out.fail(ERR_HEADER, HDR_BAD_MESSAGE_LENGTH, lengthData(length));
            return out;
        }
        if (available < length) {
            return out;
        }
        final int body = offset + HEADER_LENGTH;
        final int bodyLength = length - HEADER_LENGTH;
        switch (type) {
            case TYPE_OPEN -> decodeOpen(buf, body, bodyLength, out);
            case TYPE_UPDATE -> checkUpdate(buf, body, bodyLength, out);
            case TYPE_NOTIFICATION -> {
                final byte[] data = new byte[bodyLength - 2];
                System.arraycopy(buf, body + 2, data, 0, data.length);
                out.notification = new Notification(buf[body] & 0xFF, buf[body + 1] & 0xFF, data);
            }
            case TYPE_ROUTE_REFRESH -> {
                out.refreshAfi = u16(buf, body);
                out.refreshSafi = buf[body + 3] & 0xFF;
            }
            default -> {
                // KEEPALIVE: no body.
            }
        }
        if (out.status == DecodeResult.INCOMPLETE) {
            out.status = DecodeResult.MESSAGE;
        }
        return out;
    }

    /*
     * OPEN body, RFC 4271 §4.2 (offsets from the end of the header):
     *  0       1       2       3       4       5       6       7       8       9      10
     * +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+----
     * |Version| My Autonomous | Hold Time     |         BGP Identifier        |OptLen | Optional
     * |       | System        |               |                               |       | Parameters
     * +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+----
     *
     * Optional parameter: Type (1) Length (1) Value; with RFC 9072 §2, when OptLen is 255 and
     * the first byte after it is 255, an Extended Opt. Parm. Length (2) follows and each
     * parameter is Type (1) Length (2) Value.
     * Capabilities (RFC 5492 §4): a sequence of Code (1) Length (1) Value.
     */
    private static void decodeOpen(final byte[] buf, final int body, final int bodyLength, final DecodeResult out) {
        final int version = buf[body] & 0xFF;
        if (version != BGP_VERSION) {
            out.fail(ERR_OPEN, OPEN_UNSUPPORTED_VERSION, VERSION_4.clone());
            return;
        }
        final int myAs = u16(buf, body + 1);
        final int holdTime = u16(buf, body + 3);
        final int bgpId = s32(buf, body + 5);
        int optLength = buf[body + 9] & 0xFF;
        int p = body + 10;
        final int end = body + bodyLength;
        boolean extended = false;
        if (optLength == OPT_PARAM_EXTENDED_LENGTH && end - p >= 1 && (buf[p] & 0xFF) == OPT_PARAM_EXTENDED_LENGTH) {
            if (end - p < 3) {
                out.fail(ERR_OPEN, OPEN_UNSPECIFIC, null);
                return;
            }
            extended = true;
            optLength = u16(buf, p + 1);
            p += 3;
        }
        if (p + optLength != end) {
            // The parameters must fill the message exactly; anything else is a framing lie.
            out.fail(ERR_OPEN, OPEN_UNSPECIFIC, null);
            return;
        }
        if (holdTime == 1 || holdTime == 2) {
            out.fail(ERR_OPEN, OPEN_UNACCEPTABLE_HOLD_TIME, null);
            return;
        }
        if (bgpId == 0) {
            out.fail(ERR_OPEN, OPEN_BAD_BGP_IDENTIFIER, null);
            return;
        }
        boolean mpSeen = false;
        boolean v4 = false;
        boolean v6 = false;
        long as4 = -1;
        boolean refresh = false;
        boolean gr = false;
        int unknown = 0;
        final int headerBytes = extended ? 3 : 2;
        while (p < end) {
            if (end - p < headerBytes) {
                out.fail(ERR_OPEN, OPEN_UNSPECIFIC, null);
                return;
            }
            final int paramType = buf[p] & 0xFF;
            final int paramLength = extended ? u16(buf, p + 1) : buf[p + 1] & 0xFF;
            p += headerBytes;
            if (end - p < paramLength) {
                out.fail(ERR_OPEN, OPEN_UNSPECIFIC, null);
                return;
            }
            if (paramType != OPT_PARAM_CAPABILITIES) {
                out.fail(ERR_OPEN, OPEN_UNSUPPORTED_OPTIONAL_PARAMETER, null);
                return;
            }
            int c = p;
            final int paramEnd = p + paramLength;
            while (c < paramEnd) {
                if (paramEnd - c < 2) {
                    out.fail(ERR_OPEN, OPEN_UNSPECIFIC, null);
                    return;
                }
                final int code = buf[c] & 0xFF;
                final int capLength = buf[c + 1] & 0xFF;
                c += 2;
                if (paramEnd - c < capLength) {
                    out.fail(ERR_OPEN, OPEN_UNSPECIFIC, null);
                    return;
                }
                switch (code) {
                    case CAP_MULTIPROTOCOL -> {
                        mpSeen = true;
                        if (capLength == 4) {
                            final int afi = u16(buf, c);
                            final int safi = buf[c + 3] & 0xFF;
                            v4 |= afi == AFI_IPV4 && safi == SAFI_UNICAST;
                            v6 |= afi == AFI_IPV6 && safi == SAFI_UNICAST;
                        }
                    }
                    case CAP_FOUR_OCTET_AS -> {
                        if (capLength == 4) {
                            as4 = s32(buf, c) & 0xFFFF_FFFFL;
                        }
                    }
                    case CAP_ROUTE_REFRESH -> refresh = true;
                    case CAP_GRACEFUL_RESTART -> gr = true;
                    default -> unknown++;
                }
                c += capLength;
            }
            p = paramEnd;
        }
        out.open = new OpenMessage(version, myAs, holdTime, bgpId, mpSeen, v4, v6, as4, refresh, gr, unknown, extended);
    }

    /*
     * UPDATE body, RFC 4271 §4.3:
     * +-----------------------------------------------------+
     * |   Withdrawn Routes Length (2 octets)                |
     * |   Withdrawn Routes (variable)                       |
     * |   Total Path Attribute Length (2 octets)            |
     * |   Path Attributes (variable)                        |
     * |   Network Layer Reachability Information (variable) |
     * +-----------------------------------------------------+
     * The two lengths are checked: if they overrun the message, the NLRI cannot even be located,
     * which RFC 7606 §4 still treats as a session reset (3/1). The attributes are walked only for
     * their type codes: MP_REACH_NLRI or MP_UNREACH_NLRI more than once is a reset too (RFC 7606
     * §3(g): which of two NLRI sets would the peer mean?), any other repeat is discarded, i.e.
     * ignored here. An attribute overrunning the list is treat-as-withdraw (RFC 7606 §4), which
     * for a speaker that installs nothing means: stop walking, keep the session.
     */
    private static void checkUpdate(final byte[] buf, final int body, final int bodyLength, final DecodeResult out) {
        final int withdrawnLength = u16(buf, body);
        if (2 + withdrawnLength + 2 > bodyLength) {
            out.fail(ERR_UPDATE, UPDATE_MALFORMED_ATTRIBUTE_LIST, null);
            return;
        }
        final int attributesLength = u16(buf, body + 2 + withdrawnLength);
        if (2 + withdrawnLength + 2 + attributesLength > bodyLength) {
            out.fail(ERR_UPDATE, UPDATE_MALFORMED_ATTRIBUTE_LIST, null);
            return;
        }
        if (repeatsMpAttribute(buf, body + 2 + withdrawnLength + 2, attributesLength)) {
            out.fail(ERR_UPDATE, UPDATE_MALFORMED_ATTRIBUTE_LIST, null);
        }
    }

    /*
     * Path attribute, RFC 4271 §4.3:
     * +-------------+-----------+------------------------------+-----------------+
     * | Flags (1)   | Type (1)  | Length (1, or 2 if flag 0x10) | Value (Length) |
     * +-------------+-----------+------------------------------+-----------------+
     */
    /** True when MP_REACH_NLRI or MP_UNREACH_NLRI occurs twice in the attributes at {@code [start, start+length)}. */
    private static boolean repeatsMpAttribute(final byte[] buf, final int start, final int length) {
        final int end = start + length;
        boolean reach = false;
        boolean unreach = false;
        int a = start;
        while (a < end) {
            final int flags = buf[a] & 0xFF;
            final int header = (flags & FLAG_EXTENDED_LENGTH) != 0 ? 4 : 3;
            if (end - a < header) {
                return false;
            }
            final int type = buf[a + 1] & 0xFF;
            final int valueLength = header == 4 ? u16(buf, a + 2) : buf[a + 2] & 0xFF;
            if (end - a - header < valueLength) {
                // Overruns the list: not an attribute we can count (treat-as-withdraw, see above).
                return false;
            }
            if (type == ATTR_MP_REACH_NLRI) {
                if (reach) {
                    return true;
                }
                reach = true;
            } else if (type == ATTR_MP_UNREACH_NLRI) {
                if (unreach) {
                    return true;
                }
                unreach = true;
            }
            a += header + valueLength;
        }
        return false;
    }

    /** OPEN semantics this session checks once the message is well formed (RFC 4271 §6.2). */
    public static Notification checkOpenAgainstConfig(
            final OpenMessage open, final long expectedPeerAs, final int localId, final boolean ibgp) {
        if (open.peerAs() != expectedPeerAs) {
            return Notification.of(ERR_OPEN, OPEN_BAD_PEER_AS);
        }
        if (open.fourOctetAs() < 0 && expectedPeerAs > 0xFFFF) {
            // A 4-byte AS peer that did not send capability 65 cannot be told apart from AS_TRANS.
            return Notification.of(ERR_OPEN, OPEN_BAD_PEER_AS);
        }
        if (ibgp && open.bgpIdentifier() == localId) {
            // RFC 6286 §2.1: identifiers must differ within an AS.
            return Notification.of(ERR_OPEN, OPEN_BAD_BGP_IDENTIFIER);
        }
        return null;
    }

    private static byte[] lengthData(final int length) {
        return new byte[] {(byte) (length >>> 8), (byte) length};
    }

    static int u16(final byte[] b, final int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    static int s32(final byte[] b, final int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }
}
