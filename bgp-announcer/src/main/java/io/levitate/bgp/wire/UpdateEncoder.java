package io.levitate.bgp.wire;

import static io.levitate.bgp.wire.BgpWire.*;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes UPDATEs for host routes: IPv4 /32 in the classic NLRI field, IPv6 /128 through
 * MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760), End-of-RIB markers (RFC 4724 §2). Each call writes
 * one message holding as many routes as fit in 4096 bytes and returns how many it took.
 *
 * <pre>
 * Path attribute, RFC 4271 §4.3:
 * | Flags (1) O T P E | Type (1) | Length (1, or 2 when E is set) | Value |
 *
 * NLRI / withdrawn route, RFC 4271 §4.3: | Prefix length in bits (1) | Prefix (ceil(bits/8)) |
 *
 * MP_REACH_NLRI value, RFC 4760 §3:
 * | AFI (2) | SAFI (1) | Next hop length (1) | Next hop | Reserved (1) | NLRI ... |
 * MP_UNREACH_NLRI value, RFC 4760 §4:
 * | AFI (2) | SAFI (1) | Withdrawn routes ... |
 *
 * AS_PATH segment, RFC 4271 §4.3 / RFC 6793 §3: | Type (1) | Count (1) | ASNs (2 or 4 bytes each) |
 * </pre>
 */
public final class UpdateEncoder {
    private static final int IPV4_ROUTE_BYTES = 5; // /32: length byte + 4
    private static final int IPV6_ROUTE_BYTES = 17; // /128: length byte + 16

    private UpdateEncoder() {}

    /** Announces IPv4 /32s from {@code routes[from..]}; returns how many were written (0 if none fit). */
    public static int announceIpv4(
            final ByteBuffer out,
            final PathAttributes a,
            final List<byte[]> routes,
            final int from,
            final boolean gracefulShutdown) {
        final int start = MessageEncoder.begin(out, TYPE_UPDATE);
        out.putShort((short) 0); // no withdrawn routes
        final int attrLenAt = out.position();
        out.putShort((short) 0);
        final int attrStart = out.position();
        writeCommonAttributes(out, a, gracefulShutdown, true);
        out.putShort(attrLenAt, (short) (out.position() - attrStart));
        final int room = start + MAX_MESSAGE_LENGTH - out.position();
        final int count = Math.min(routes.size() - from, room / IPV4_ROUTE_BYTES);
        for (int i = 0; i < count; i++) {
            out.put((byte) 32).put(routes.get(from + i), 0, 4);
        }
        MessageEncoder.finish(out, start);
        return count;
    }

    public static int withdrawIpv4(final ByteBuffer out, final List<byte[]> routes, final int from) {
        final int start = MessageEncoder.begin(out, TYPE_UPDATE);
        final int room = MAX_MESSAGE_LENGTH - UPDATE_MIN_LENGTH;
        final int count = Math.min(routes.size() - from, room / IPV4_ROUTE_BYTES);
        out.putShort((short) (count * IPV4_ROUTE_BYTES));
        for (int i = 0; i < count; i++) {
            out.put((byte) 32).put(routes.get(from + i), 0, 4);
        }
        out.putShort((short) 0); // no attributes, no NLRI
        MessageEncoder.finish(out, start);
        return count;
    }

    public static int announceIpv6(
            final ByteBuffer out,
            final PathAttributes a,
            final List<byte[]> routes,
            final int from,
            final boolean gracefulShutdown) {
        final int start = MessageEncoder.begin(out, TYPE_UPDATE);
        out.putShort((short) 0);
        final int attrLenAt = out.position();
        out.putShort((short) 0);
        final int attrStart = out.position();
        // Attributes go in type-code order (RFC 4271 §5 recommends it): MP_REACH (14) sits between
        // COMMUNITIES (8) and AS4_PATH (17), so the common writer is split around it.
        writeCommonAttributes(out, a, gracefulShutdown, false);
        final int fixed = 2 + 1 + 1 + 16 + 1;
        final int headerRoom = 4; // flags, type, 2-byte length
        final int tail = tailAttributesLength(a);
        final int room = start + MAX_MESSAGE_LENGTH - out.position() - headerRoom - fixed - tail;
        final int count = Math.min(routes.size() - from, Math.max(0, room / IPV6_ROUTE_BYTES));
        attributeHeader(out, FLAG_OPTIONAL, ATTR_MP_REACH_NLRI, fixed + count * IPV6_ROUTE_BYTES);
        out.putShort((short) AFI_IPV6)
                .put((byte) SAFI_UNICAST)
                .put((byte) 16)
                .put(a.nextHop6(), 0, 16)
                .put((byte) 0);
        for (int i = 0; i < count; i++) {
            out.put((byte) 128).put(routes.get(from + i), 0, 16);
        }
        writeTailAttributes(out, a);
        out.putShort(attrLenAt, (short) (out.position() - attrStart));
        MessageEncoder.finish(out, start);
        return count;
    }

    public static int withdrawIpv6(final ByteBuffer out, final List<byte[]> routes, final int from) {
        final int start = MessageEncoder.begin(out, TYPE_UPDATE);
        out.putShort((short) 0);
        final int room = MAX_MESSAGE_LENGTH - UPDATE_MIN_LENGTH - 4 - 3;
        final int count = Math.min(routes.size() - from, room / IPV6_ROUTE_BYTES);
        final int valueLength = 3 + count * IPV6_ROUTE_BYTES;
        out.putShort((short) ((valueLength > 255 ? 4 : 3) + valueLength));
        attributeHeader(out, FLAG_OPTIONAL, ATTR_MP_UNREACH_NLRI, valueLength);
        out.putShort((short) AFI_IPV6).put((byte) SAFI_UNICAST);
        for (int i = 0; i < count; i++) {
            out.put((byte) 128).put(routes.get(from + i), 0, 16);
        }
        MessageEncoder.finish(out, start);
        return count;
    }

    /**
     * End-of-RIB (RFC 4724 §2): for IPv4 unicast an UPDATE with nothing in it; for other families
     * an UPDATE whose only attribute is an empty MP_UNREACH_NLRI for the family.
     */
    public static void endOfRib(final ByteBuffer out, final int afi) {
        final int start = MessageEncoder.begin(out, TYPE_UPDATE);
        out.putShort((short) 0);
        if (afi == AFI_IPV4) {
            out.putShort((short) 0);
        } else {
            out.putShort((short) 6);
            out.put((byte) FLAG_OPTIONAL).put((byte) ATTR_MP_UNREACH_NLRI).put((byte) 3);
            out.putShort((short) afi).put((byte) SAFI_UNICAST);
        }
        MessageEncoder.finish(out, start);
    }

    private static void writeCommonAttributes(
            final ByteBuffer out, final PathAttributes a, final boolean gracefulShutdown, final boolean ipv4) {
        attributeHeader(out, FLAG_TRANSITIVE, ATTR_ORIGIN, 1);
        out.put((byte) ORIGIN_IGP);

        if (a.ibgp()) {
            attributeHeader(out, FLAG_TRANSITIVE, ATTR_AS_PATH, 0); // RFC 4271 §5.1.2: empty within the AS
        } else if (a.fourOctetAs()) {
            attributeHeader(out, FLAG_TRANSITIVE, ATTR_AS_PATH, 6);
            out.put((byte) AS_SEQUENCE).put((byte) 1).putInt((int) a.localAs());
        } else {
            // RFC 6793 §4.2.2: to an OLD speaker, 2-byte ASNs with AS_TRANS standing in for a
            // 4-byte one; the real path follows in AS4_PATH (written in the tail).
            attributeHeader(out, FLAG_TRANSITIVE, ATTR_AS_PATH, 4);
            out.put((byte) AS_SEQUENCE).put((byte) 1).putShort((short) (a.localAs() > 0xFFFF ? AS_TRANS : a.localAs()));
        }

        if (ipv4) {
            attributeHeader(out, FLAG_TRANSITIVE, ATTR_NEXT_HOP, 4);
            out.put(a.nextHop4(), 0, 4);
        }
        if (a.med() >= 0) {
            attributeHeader(out, FLAG_OPTIONAL, ATTR_MED, 4);
            out.putInt((int) a.med());
        }
        if (a.ibgp()) {
            attributeHeader(out, FLAG_TRANSITIVE, ATTR_LOCAL_PREF, 4);
            out.putInt(a.localPref());
        }
        final int communities = a.communities().length + (gracefulShutdown ? 1 : 0);
        if (communities > 0) {
            attributeHeader(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, ATTR_COMMUNITIES, 4 * communities);
            if (gracefulShutdown) {
                out.putInt(COMMUNITY_GRACEFUL_SHUTDOWN);
            }
            for (final int c : a.communities()) {
                out.putInt(c);
            }
        }
        if (ipv4) {
            writeTailAttributes(out, a);
        }
    }

    private static int tailAttributesLength(final PathAttributes a) {
        int length = 0;
        if (needsAs4Path(a)) {
            length += 3 + 6;
        }
        if (a.largeCommunities().length > 0) {
            length += 4 + 4 * a.largeCommunities().length;
        }
        return length;
    }

    private static boolean needsAs4Path(final PathAttributes a) {
        return !a.ibgp() && !a.fourOctetAs() && a.localAs() > 0xFFFF;
    }

    private static void writeTailAttributes(final ByteBuffer out, final PathAttributes a) {
        if (needsAs4Path(a)) {
            attributeHeader(out, FLAG_OPTIONAL | FLAG_TRANSITIVE, ATTR_AS4_PATH, 6);
            out.put((byte) AS_SEQUENCE).put((byte) 1).putInt((int) a.localAs());
        }
        if (a.largeCommunities().length > 0) {
            attributeHeader(
                    out, FLAG_OPTIONAL | FLAG_TRANSITIVE, ATTR_LARGE_COMMUNITIES, 4 * a.largeCommunities().length);
            for (final int v : a.largeCommunities()) {
                out.putInt(v);
            }
        }
    }

    /** Uses the 2-byte extended length only when needed (RFC 4271 §4.3: "may" be used for short values). */
    private static void attributeHeader(final ByteBuffer out, final int flags, final int type, final int length) {
        if (length > 255) {
            out.put((byte) (flags | FLAG_EXTENDED_LENGTH)).put((byte) type).putShort((short) length);
        } else {
            out.put((byte) flags).put((byte) type).put((byte) length);
        }
    }
}
