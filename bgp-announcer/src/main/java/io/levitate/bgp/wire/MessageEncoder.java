package io.levitate.bgp.wire;

import static io.levitate.bgp.wire.BgpWire.*;

import java.nio.ByteBuffer;

/**
 * Writes OPEN, KEEPALIVE and NOTIFICATION messages into a big-endian {@link ByteBuffer} at its
 * position. UPDATEs are {@link UpdateEncoder}'s. Each method writes one whole message or, when
 * the buffer lacks room, nothing and returns false.
 */
public final class MessageEncoder {
    private MessageEncoder() {}

    /** Writes the 19-byte header with a placeholder length; {@link #finish} fills it in. */
    static int begin(final ByteBuffer out, final int type) {
        final int start = out.position();
        for (int i = 0; i < MARKER_LENGTH; i++) {
            out.put((byte) 0xFF);
        }
        out.putShort((short) 0);
        out.put((byte) type);
        return start;
    }

    static void finish(final ByteBuffer out, final int start) {
        out.putShort(start + LENGTH_OFFSET, (short) (out.position() - start));
    }

    public static boolean keepalive(final ByteBuffer out) {
        if (out.remaining() < KEEPALIVE_LENGTH) {
            return false;
        }
        finish(out, begin(out, TYPE_KEEPALIVE));
        return true;
    }

    public static boolean notification(final ByteBuffer out, final Notification n) {
        final int dataLength = Math.min(n.data().length, MAX_MESSAGE_LENGTH - NOTIFICATION_MIN_LENGTH);
        if (out.remaining() < NOTIFICATION_MIN_LENGTH + dataLength) {
            return false;
        }
        final int start = begin(out, TYPE_NOTIFICATION);
        out.put((byte) n.code()).put((byte) n.subcode()).put(n.data(), 0, dataLength);
        finish(out, start);
        return true;
    }

    /**
     * OPEN (RFC 4271 §4.2) with one Capabilities parameter (RFC 5492) holding: multiprotocol for
     * each family we announce (RFC 4760 §8), route refresh (RFC 2918: lets a peer ask for our
     * routes again instead of resetting), 4-octet AS (RFC 6793 §3) and, if asked, graceful
     * restart (RFC 4724 §3, restart time only, no forwarding-state flags: we keep no state).
     *
     * <pre>
     * Capability:  Code (1) | Length (1) | Value
     * MP (code 1): AFI (2) | Reserved (1) | SAFI (1)
     * AS4 (65):    4-octet AS
     * GR (64):     R|B|rsv (4 bits) Restart Time (12 bits) | per AFI/SAFI: AFI (2) SAFI (1) Flags (1)
     * </pre>
     *
     * @param gracefulRestartTime seconds (0..4095), or -1 to leave the capability out.
     */
    public static boolean open(
            final ByteBuffer out,
            final long localAs,
            final int holdTime,
            final int routerId,
            final boolean ipv4,
            final boolean ipv6,
            final int gracefulRestartTime) {
        if (out.remaining() < 128) {
            return false;
        }
        final int start = begin(out, TYPE_OPEN);
        out.put((byte) BGP_VERSION);
        out.putShort((short) (localAs > 0xFFFF ? AS_TRANS : localAs));
        out.putShort((short) holdTime);
        out.putInt(routerId);
        final int optLenAt = out.position();
        out.put((byte) 0);
        out.put((byte) OPT_PARAM_CAPABILITIES);
        final int paramLenAt = out.position();
        out.put((byte) 0);
        final int capsStart = out.position();
        if (ipv4) {
            out.put((byte) CAP_MULTIPROTOCOL)
                    .put((byte) 4)
                    .putShort((short) AFI_IPV4)
                    .put((byte) 0)
                    .put((byte) SAFI_UNICAST);
        }
        if (ipv6) {
            out.put((byte) CAP_MULTIPROTOCOL)
                    .put((byte) 4)
                    .putShort((short) AFI_IPV6)
                    .put((byte) 0)
                    .put((byte) SAFI_UNICAST);
        }
        out.put((byte) CAP_ROUTE_REFRESH).put((byte) 0);
        out.put((byte) CAP_FOUR_OCTET_AS).put((byte) 4).putInt((int) localAs);
        if (gracefulRestartTime >= 0) {
            final int families = (ipv4 ? 1 : 0) + (ipv6 ? 1 : 0);
            out.put((byte) CAP_GRACEFUL_RESTART).put((byte) (2 + 4 * families));
            out.putShort((short) (gracefulRestartTime & 0x0FFF));
            if (ipv4) {
                out.putShort((short) AFI_IPV4).put((byte) SAFI_UNICAST).put((byte) 0);
            }
            if (ipv6) {
                out.putShort((short) AFI_IPV6).put((byte) SAFI_UNICAST).put((byte) 0);
            }
        }
        final int capsLength = out.position() - capsStart;
        out.put(paramLenAt, (byte) capsLength);
        out.put(optLenAt, (byte) (capsLength + 2));
        finish(out, start);
        return true;
    }
}
