package io.levitate.bgp.wire;

/**
 * Wire constants of BGP-4, each with the RFC section it comes from. Layouts live next to the
 * code that reads or writes them ({@link MessageDecoder}, {@link MessageEncoder}).
 *
 * <pre>
 * Message header, RFC 4271 §4.1
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +                     Marker (16 bytes of 0xFF)                 +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Length               |      Type     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class BgpWire {
    private BgpWire() {}

    // --- Header, RFC 4271 §4.1
    public static final int MARKER_LENGTH = 16;
    public static final int LENGTH_OFFSET = 16;
    public static final int TYPE_OFFSET = 18;
    public static final int HEADER_LENGTH = 19;
    /** RFC 4271 §4.1: no message exceeds 4096 bytes (we do not advertise RFC 8654 extended messages). */
    public static final int MAX_MESSAGE_LENGTH = 4096;

    // --- Message types, RFC 4271 §4.1 and RFC 2918 §3
    public static final int TYPE_OPEN = 1;
    public static final int TYPE_UPDATE = 2;
    public static final int TYPE_NOTIFICATION = 3;
    public static final int TYPE_KEEPALIVE = 4;
    public static final int TYPE_ROUTE_REFRESH = 5;

    // --- Minimum lengths per type, RFC 4271 §4.2-§4.5, RFC 2918 §3 (exact for ROUTE-REFRESH)
    public static final int OPEN_MIN_LENGTH = 29;
    public static final int UPDATE_MIN_LENGTH = 23;
    public static final int NOTIFICATION_MIN_LENGTH = 21;
    public static final int KEEPALIVE_LENGTH = 19;
    public static final int ROUTE_REFRESH_LENGTH = 23;

    // --- OPEN, RFC 4271 §4.2
    public static final int BGP_VERSION = 4;
    /** RFC 6793 §9: the 2-octet stand-in for a 4-octet ASN. */
    public static final int AS_TRANS = 23456;
    /** RFC 4271 §4.2: hold time 0 (no keepalives) or at least 3 s. */
    public static final int MIN_HOLD_TIME = 3;
    /** RFC 5492 §4: optional parameter type "Capabilities". */
    public static final int OPT_PARAM_CAPABILITIES = 2;
    /** RFC 9072 §2: Non-Ext OP Type 255 marks the extended optional-parameter length format. */
    public static final int OPT_PARAM_EXTENDED_LENGTH = 255;

    // --- Capability codes (IANA registry)
    public static final int CAP_MULTIPROTOCOL = 1; // RFC 4760 §8
    public static final int CAP_ROUTE_REFRESH = 2; // RFC 2918 §2
    public static final int CAP_GRACEFUL_RESTART = 64; // RFC 4724 §3
    public static final int CAP_FOUR_OCTET_AS = 65; // RFC 6793 §3

    // --- Address families, RFC 4760 (IANA AFI / SAFI)
    public static final int AFI_IPV4 = 1;
    public static final int AFI_IPV6 = 2;
    public static final int SAFI_UNICAST = 1;

    // --- Path attribute flags, RFC 4271 §4.3
    public static final int FLAG_OPTIONAL = 0x80;
    public static final int FLAG_TRANSITIVE = 0x40;
    public static final int FLAG_PARTIAL = 0x20;
    public static final int FLAG_EXTENDED_LENGTH = 0x10;

    // --- Path attribute type codes
    public static final int ATTR_ORIGIN = 1; // RFC 4271 §5.1.1
    public static final int ATTR_AS_PATH = 2; // RFC 4271 §5.1.2
    public static final int ATTR_NEXT_HOP = 3; // RFC 4271 §5.1.3
    public static final int ATTR_MED = 4; // RFC 4271 §5.1.4
    public static final int ATTR_LOCAL_PREF = 5; // RFC 4271 §5.1.5
    public static final int ATTR_COMMUNITIES = 8; // RFC 1997
    public static final int ATTR_MP_REACH_NLRI = 14; // RFC 4760 §3
    public static final int ATTR_MP_UNREACH_NLRI = 15; // RFC 4760 §4
    public static final int ATTR_AS4_PATH = 17; // RFC 6793 §3
    public static final int ATTR_LARGE_COMMUNITIES = 32; // RFC 8092

    public static final int ORIGIN_IGP = 0;
    public static final int AS_SEQUENCE = 2;
    /** RFC 4271 §5.1.5: the customary default; the config has no knob because one announcer has one preference. */
    public static final int DEFAULT_LOCAL_PREF = 100;
    /** RFC 8326 §5: the well-known GRACEFUL_SHUTDOWN community 65535:0. */
    public static final int COMMUNITY_GRACEFUL_SHUTDOWN = 0xFFFF0000;

    // --- NOTIFICATION error codes, RFC 4271 §4.5, RFC 7313 §5, RFC 9687 §3
    public static final int ERR_HEADER = 1;
    public static final int ERR_OPEN = 2;
    public static final int ERR_UPDATE = 3;
    public static final int ERR_HOLD_TIMER_EXPIRED = 4;
    public static final int ERR_FSM = 5;
    public static final int ERR_CEASE = 6;
    public static final int ERR_ROUTE_REFRESH = 7;
    public static final int ERR_SEND_HOLD_TIMER_EXPIRED = 8;

    // Header error subcodes, RFC 4271 §6.1
    public static final int HDR_CONNECTION_NOT_SYNCHRONIZED = 1;
    public static final int HDR_BAD_MESSAGE_LENGTH = 2;
    public static final int HDR_BAD_MESSAGE_TYPE = 3;

    // OPEN error subcodes, RFC 4271 §6.2, RFC 5492 §5
    public static final int OPEN_UNSPECIFIC = 0;
    public static final int OPEN_UNSUPPORTED_VERSION = 1;
    public static final int OPEN_BAD_PEER_AS = 2;
    public static final int OPEN_BAD_BGP_IDENTIFIER = 3;
    public static final int OPEN_UNSUPPORTED_OPTIONAL_PARAMETER = 4;
    public static final int OPEN_UNACCEPTABLE_HOLD_TIME = 6;
    public static final int OPEN_UNSUPPORTED_CAPABILITY = 7;

    // UPDATE error subcodes, RFC 4271 §6.3
    public static final int UPDATE_MALFORMED_ATTRIBUTE_LIST = 1;

    // FSM error subcodes, RFC 6608 §3
    public static final int FSM_UNEXPECTED_IN_OPENSENT = 1;
    public static final int FSM_UNEXPECTED_IN_OPENCONFIRM = 2;
    public static final int FSM_UNEXPECTED_IN_ESTABLISHED = 3;

    // Cease subcodes, RFC 4486 §4, RFC 8538
    public static final int CEASE_ADMINISTRATIVE_SHUTDOWN = 2;
    public static final int CEASE_PEER_DECONFIGURED = 3;
    public static final int CEASE_ADMINISTRATIVE_RESET = 4;
    public static final int CEASE_CONNECTION_REJECTED = 5;
    public static final int CEASE_CONNECTION_COLLISION_RESOLUTION = 7;
    public static final int CEASE_OUT_OF_RESOURCES = 8;
    /** RFC 9384: the session went down because BFD declared the path down. */
    public static final int CEASE_BFD_DOWN = 10;

    // ROUTE-REFRESH error subcodes, RFC 7313 §5
    public static final int ROUTE_REFRESH_INVALID_LENGTH = 1;

    /** RFC 9003 §2: the shutdown communication is at most 255 octets of UTF-8. */
    public static final int MAX_SHUTDOWN_COMMUNICATION = 255;
}
