package io.levitate.bgp.bfd;

/**
 * The BFD control packet (RFC 5880 §4.1) without authentication, and the reception checks of
 * §6.8.6 that need no session. Pure functions over byte arrays.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |   0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       My Discriminator                        |   4
 * |                      Your Discriminator                       |   8
 * |                    Desired Min TX Interval                    |  12
 * |                   Required Min RX Interval                    |  16
 * |                 Required Min Echo RX Interval                 |  20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class BfdWire {
    /** RFC 5881 §4: single-hop control packets go to this UDP port. */
    public static final int CONTROL_PORT = 3784;
    /** RFC 5881 §4: the source port is from the dynamic range. */
    public static final int SOURCE_PORT_MIN = 49152;

    public static final int SOURCE_PORT_MAX = 65535;
    /** RFC 5881 §5: sent with TTL / hop limit 255, and (no authentication) only 255 is accepted (GTSM, RFC 5082). */
    public static final int TTL = 255;

    public static final int VERSION = 1;
    /** The mandatory section; with authentication the minimum is 26 (§6.8.6). */
    public static final int LENGTH = 24;

    public static final int MIN_LENGTH_WITH_AUTH = 26;

    public static final int FLAGS_OFFSET = 1;
    public static final int DETECT_MULT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 3;
    public static final int MY_DISCRIMINATOR_OFFSET = 4;
    public static final int YOUR_DISCRIMINATOR_OFFSET = 8;
    public static final int DESIRED_MIN_TX_OFFSET = 12;
    public static final int REQUIRED_MIN_RX_OFFSET = 16;
    public static final int REQUIRED_MIN_ECHO_RX_OFFSET = 20;

    // Byte 1: Sta(2) P F C A D M.
    public static final int FLAG_POLL = 0x20;
    public static final int FLAG_FINAL = 0x10;
    public static final int FLAG_CPI = 0x08;
    public static final int FLAG_AUTH = 0x04;
    public static final int FLAG_DEMAND = 0x02;
    public static final int FLAG_MULTIPOINT = 0x01;

    // Diagnostic codes, §4.1.
    public static final int DIAG_NONE = 0;
    public static final int DIAG_DETECTION_TIME_EXPIRED = 1;
    public static final int DIAG_NEIGHBOR_SIGNALED_DOWN = 3;
    public static final int DIAG_ADMIN_DOWN = 7;

    // Drop reasons, counted by the engine; names are the metric labels.
    public static final int OK = -1;
    public static final int DROP_TTL = 0;
    public static final int DROP_SHORT = 1;
    public static final int DROP_LENGTH = 2;
    public static final int DROP_VERSION = 3;
    public static final int DROP_DETECT_MULT_ZERO = 4;
    public static final int DROP_MULTIPOINT = 5;
    public static final int DROP_MY_DISCRIMINATOR_ZERO = 6;
    public static final int DROP_YOUR_DISCRIMINATOR_ZERO_NOT_DOWN = 7;
    public static final int DROP_AUTH = 8;
    public static final int DROP_UNKNOWN_YOUR_DISCRIMINATOR = 9;
    public static final int DROP_UNKNOWN_PEER = 10;
    public static final int DROP_ADMIN_DOWN = 11;
    public static final int DROP_REASONS = 12;

    private static final String[] DROP_NAMES = {
        "ttl_not_255",
        "shorter_than_header",
        "bad_length",
        "bad_version",
        "detect_mult_zero",
        "multipoint",
        "my_discriminator_zero",
        "your_discriminator_zero_not_down",
        "authentication_not_configured",
        "unknown_your_discriminator",
        "unknown_peer",
        "session_admin_down"
    };

    private static final String[] DIAG_NAMES = {
        "No Diagnostic",
        "Control Detection Time Expired",
        "Echo Function Failed",
        "Neighbor Signaled Session Down",
        "Forwarding Plane Reset",
        "Path Down",
        "Concatenated Path Down",
        "Administratively Down",
        "Reverse Concatenated Path Down"
    };

    private BfdWire() {}

    public static String dropName(final int reason) {
        return DROP_NAMES[reason];
    }

    public static String diagName(final int diag) {
        return diag >= 0 && diag < DIAG_NAMES.length ? DIAG_NAMES[diag] : "diagnostic " + diag;
    }

    /**
     * Writes a 24-byte control packet at {@code out[0..24)}; C, A, D and M are always clear: the
     * announcer shares fate with its control plane (C), has no authentication (A), runs
     * asynchronous mode only (D) and single-hop only (M must be zero, §4.1).
     */
    public static int encode(
            final byte[] out,
            final int diag,
            final BfdState state,
            final boolean poll,
            final boolean fin,
            final int detectMult,
            final int myDiscriminator,
            final int yourDiscriminator,
            final long desiredMinTxMicros,
            final long requiredMinRxMicros) {
        out[0] = (byte) ((VERSION << 5) | (diag & 0x1F));
        out[FLAGS_OFFSET] = (byte) ((state.code() << 6) | (poll ? FLAG_POLL : 0) | (fin ? FLAG_FINAL : 0));
        out[DETECT_MULT_OFFSET] = (byte) detectMult;
        out[LENGTH_OFFSET] = (byte) LENGTH;
        putInt(out, MY_DISCRIMINATOR_OFFSET, myDiscriminator);
        putInt(out, YOUR_DISCRIMINATOR_OFFSET, yourDiscriminator);
        putInt(out, DESIRED_MIN_TX_OFFSET, (int) desiredMinTxMicros);
        putInt(out, REQUIRED_MIN_RX_OFFSET, (int) requiredMinRxMicros);
        // No Echo function here: zero says we do not receive echo packets (§4.1).
        putInt(out, REQUIRED_MIN_ECHO_RX_OFFSET, 0);
        return LENGTH;
    }

    /**
     * Decodes {@code in[0..datagramLength)} into {@code p} and applies the §6.8.6 checks that need
     * no session (in the RFC's order), plus RFC 5881 §5's TTL check.
     *
     * @param ttl the received TTL / hop limit, or -1 when the kernel did not report one.
     * @return {@link #OK} or a {@code DROP_*} reason; never throws.
     */
    public static int decode(final byte[] in, final int datagramLength, final int ttl, final BfdPacket p) {
        // RFC 5881 §5: without authentication only TTL 255 proves the sender is on the link.
        if (ttl != TTL) {
            return DROP_TTL;
        }
        if (datagramLength < LENGTH) {
            return DROP_SHORT;
        }
        p.version = (in[0] & 0xFF) >>> 5;
        p.diag = in[0] & 0x1F;
        final int flags = in[FLAGS_OFFSET] & 0xFF;
        p.state = BfdState.of(flags >>> 6);
        p.poll = (flags & FLAG_POLL) != 0;
        p.fin = (flags & FLAG_FINAL) != 0;
        p.controlPlaneIndependent = (flags & FLAG_CPI) != 0;
        p.authPresent = (flags & FLAG_AUTH) != 0;
        p.demand = (flags & FLAG_DEMAND) != 0;
        p.multipoint = (flags & FLAG_MULTIPOINT) != 0;
        p.detectMult = in[DETECT_MULT_OFFSET] & 0xFF;
        p.length = in[LENGTH_OFFSET] & 0xFF;
        p.myDiscriminator = getInt(in, MY_DISCRIMINATOR_OFFSET);
        p.yourDiscriminator = getInt(in, YOUR_DISCRIMINATOR_OFFSET);
        p.desiredMinTxMicros = getInt(in, DESIRED_MIN_TX_OFFSET) & 0xFFFF_FFFFL;
        p.requiredMinRxMicros = getInt(in, REQUIRED_MIN_RX_OFFSET) & 0xFFFF_FFFFL;
        p.requiredMinEchoRxMicros = getInt(in, REQUIRED_MIN_ECHO_RX_OFFSET) & 0xFFFF_FFFFL;
        // §6.8.6, in order.
        if (p.version != VERSION) {
            return DROP_VERSION;
        }
        if (p.length < (p.authPresent ? MIN_LENGTH_WITH_AUTH : LENGTH) || p.length > datagramLength) {
            return DROP_LENGTH;
        }
        if (p.detectMult == 0) {
            return DROP_DETECT_MULT_ZERO;
        }
        if (p.multipoint) {
            return DROP_MULTIPOINT;
        }
        if (p.myDiscriminator == 0) {
            return DROP_MY_DISCRIMINATOR_ZERO;
        }
        if (p.yourDiscriminator == 0 && p.state != BfdState.DOWN && p.state != BfdState.ADMIN_DOWN) {
            return DROP_YOUR_DISCRIMINATOR_ZERO_NOT_DOWN;
        }
        // "If the A bit is set and no authentication is in use (bfd.AuthType is zero), the packet
        // MUST be discarded." We implement none, so any A bit is a drop.
        if (p.authPresent) {
            return DROP_AUTH;
        }
        return OK;
    }

    static void putInt(final byte[] b, final int at, final int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static int getInt(final byte[] b, final int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
