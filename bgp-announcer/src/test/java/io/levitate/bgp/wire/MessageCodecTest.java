package io.levitate.bgp.wire;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden bytes for what we send, and the decoder's verdicts on what we might receive. */
class MessageCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String MARKER = "ffffffffffffffffffffffffffffffff";

    private static byte[] bytes(final ByteBuffer b) {
        final byte[] out = new byte[b.position()];
        b.get(0, out);
        return out;
    }

    private static PathAttributes ebgp(final boolean as4, final long localAs) {
        return new PathAttributes(
                localAs,
                false,
                as4,
                new byte[] {10, 0, 0, 2},
                HEX.parseHex("fd000000000000000000000000000002"),
                -1,
                100,
                new int[0],
                new int[0]);
    }

    @Test
    void keepaliveIsNineteenBytes() {
        final ByteBuffer b = ByteBuffer.allocate(64);
        MessageEncoder.keepalive(b);
        assertEquals(MARKER + "001304", HEX.formatHex(bytes(b)));
    }

    @Test
    void openGolden() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        MessageEncoder.open(b, 65001, 9, 0x0A000102, true, true, -1);
        // version 4, AS 65001 (fde9), hold 9, id 10.0.1.2, opt len 22: one capabilities parameter
        // (2, 20): MP ipv4/unicast, MP ipv6/unicast, route refresh, AS4 65001.
        assertEquals(
                MARKER + "003301" + "04" + "fde9" + "0009" + "0a000102" + "16" + "0214" + "010400010001"
                        + "010400020001" + "0200" + "41040000fde9",
                HEX.formatHex(bytes(b)));
    }

    @Test
    void openWithFourByteAsUsesAsTrans() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        MessageEncoder.open(b, 4_200_000_001L, 3, 1, true, false, 120);
        final OpenMessage open = decodeOk(bytes(b)).open();
        assertEquals(BgpWire.AS_TRANS, open.myAs());
        assertEquals(4_200_000_001L, open.peerAs());
        assertTrue(open.gracefulRestart());
        assertTrue(open.ipv4Unicast());
        assertFalse(open.ipv6Unicast());
    }

    @Test
    void announceIpv4Golden() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        final int n =
                UpdateEncoder.announceIpv4(b, ebgp(true, 65001), List.of(new byte[] {(byte) 198, 18, 0, 10}), 0, false);
        assertEquals(1, n);
        // withdrawn 0; attrs 20: ORIGIN IGP (40 01 01 00), AS_PATH (40 02 06 02 01 0000fde9),
        // NEXT_HOP 10.0.0.2 (40 03 04 0a000002); NLRI 32 198.18.0.10
        assertEquals(
                MARKER + "003002" + "0000" + "0014" + "40010100" + "400206020100" + "00fde9" + "4003040a000002"
                        + "20c612000a",
                HEX.formatHex(bytes(b)));
    }

    @Test
    void announceIpv4ToOldSpeakerWithFourByteAsAddsAs4Path() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        UpdateEncoder.announceIpv4(b, ebgp(false, 4_200_000_001L), List.of(new byte[] {1, 2, 3, 4}), 0, true);
        final String hex = HEX.formatHex(bytes(b));
        assertTrue(hex.contains("40020402015ba0"), "AS_PATH with AS_TRANS: " + hex);
        assertTrue(hex.contains("c0110602" + "01" + "fa56ea01"), "AS4_PATH: " + hex);
        assertTrue(hex.contains("c00804ffff0000"), "GRACEFUL_SHUTDOWN community: " + hex);
    }

    @Test
    void ibgpHasEmptyAsPathAndLocalPref() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        final PathAttributes a = new PathAttributes(
                65001, true, true, new byte[] {10, 0, 0, 2}, null, 50, 100, new int[] {(65001 << 16) | 100}, new int[] {
                    65001, 1, 2
                });
        UpdateEncoder.announceIpv4(b, a, List.of(new byte[] {1, 2, 3, 4}), 0, false);
        final String hex = HEX.formatHex(bytes(b));
        assertTrue(hex.contains("400200"), hex);
        assertTrue(hex.contains("40050400000064"), "LOCAL_PREF 100: " + hex);
        assertTrue(hex.contains("80040400000032"), "MED 50: " + hex);
        assertTrue(hex.contains("c00804fde90064"), "community 65001:100: " + hex);
        assertTrue(hex.contains("c0200c0000fde90000000100000002"), "large community: " + hex);
    }

    @Test
    void ipv6AnnounceAndWithdrawUseMpAttributes() {
        final byte[] vip = HEX.parseHex("20010db8000000000000000000000010");
        final ByteBuffer b = ByteBuffer.allocate(4096);
        UpdateEncoder.announceIpv6(b, ebgp(true, 65001), List.of(vip), 0, false);
        final String hex = HEX.formatHex(bytes(b));
        assertTrue(
                hex.contains("800e26" + "0002" + "01" + "10" + "fd000000000000000000000000000002" + "00" + "80"
                        + HEX.formatHex(vip)),
                hex);
        assertFalse(hex.contains("400304"), "no NEXT_HOP for IPv6: " + hex);
        b.clear();
        UpdateEncoder.withdrawIpv6(b, List.of(vip), 0);
        assertEquals(
                MARKER + "002e02" + "0000" + "0017" + "800f14" + "000201" + "80" + HEX.formatHex(vip),
                HEX.formatHex(bytes(b)));
    }

    @Test
    void endOfRibMarkers() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        UpdateEncoder.endOfRib(b, BgpWire.AFI_IPV4);
        assertEquals(MARKER + "00170200000000", HEX.formatHex(bytes(b)));
        b.clear();
        UpdateEncoder.endOfRib(b, BgpWire.AFI_IPV6);
        assertEquals(MARKER + "001d020000" + "0006" + "800f03000201", HEX.formatHex(bytes(b)));
    }

    @Test
    void manyRoutesSplitIntoMessagesUnder4096() {
        final java.util.ArrayList<byte[]> routes = new java.util.ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            routes.add(new byte[] {10, 1, (byte) (i >> 8), (byte) i});
        }
        final ByteBuffer b = ByteBuffer.allocate(8192);
        int from = 0;
        int messages = 0;
        while (from < routes.size()) {
            b.clear();
            from += UpdateEncoder.announceIpv4(b, ebgp(true, 65001), routes, from, false);
            assertTrue(b.position() <= 4096);
            assertEquals(
                    DecodeResult.MESSAGE,
                    new MessageDecoder()
                            .decode(bytes(b), 0, b.position(), new DecodeResult())
                            .status());
            messages++;
        }
        assertEquals(3, messages);
    }

    @Test
    void notificationWithShutdownCommunication() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        MessageEncoder.notification(b, Notification.cease(BgpWire.CEASE_ADMINISTRATIVE_SHUTDOWN, "drain"));
        assertEquals(MARKER + "001b03" + "0602" + "05" + HEX.formatHex("drain".getBytes()), HEX.formatHex(bytes(b)));
        final Notification n = decodeOk(bytes(b)).notification();
        assertEquals("Cease/Administrative Shutdown (6/2): \"drain\"", n.describe());
    }

    @Test
    void tolerantOpenParsing() {
        // Unknown capability 0x49 (hostname) and 70 (enhanced route refresh), capabilities split
        // over two parameters.
        final String open = "04" + "fde8" + "00b4" + "0a000001" + "12" + "0206" + "010400020001" + "0208" + "4904"
                + "01616200" + "4600";
        final DecodeResult r = decode(frame(1, open));
        assertEquals(DecodeResult.MESSAGE, r.status());
        assertEquals(2, r.open().unknownCapabilities());
        assertTrue(r.open().ipv6Unicast());
        assertFalse(r.open().supportsIpv4Unicast());
        assertEquals(180, r.open().holdTime());
    }

    @Test
    void rfc9072ExtendedOptionalParameters() {
        // Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm. Length 9, then
        // one parameter: type 2, 2-byte length 6, MP ipv4 unicast.
        final String open = "04" + "fde8" + "0003" + "0a000001" + "ff" + "ff" + "0009" + "02" + "0006" + "010400010001";
        final DecodeResult r = decode(frame(1, open));
        assertEquals(DecodeResult.MESSAGE, r.status(), () -> String.valueOf(r.error()));
        assertTrue(r.open().extendedParameters());
        assertTrue(r.open().ipv4Unicast());
    }

    @Test
    void decoderVerdicts() {
        final Object[][] table = {
            // hex message, expected code, subcode (0,0: accepted)
            {"00".repeat(19), 1, 1},
            {MARKER + "001205", 1, 2},
            {MARKER + "100104", 1, 2},
            {MARKER + "001309", 1, 3},
            {MARKER + "001404" + "00", 1, 2}, // KEEPALIVE must be 19
            {MARKER + "001602" + "000000", 1, 2}, // UPDATE shorter than 23
            {MARKER + "001702" + "00000000", 0, 0}, // End-of-RIB
            {MARKER + "001702" + "00010000", 3, 1}, // withdrawn length overruns
            {MARKER + "001802" + "0000000500", 3, 1}, // attribute length overruns
            {MARKER + "001d01" + "03fde800b40a00000100", 2, 1}, // version 3
            {MARKER + "001d01" + "04fde800020a00000100", 2, 6}, // hold time 2
            {MARKER + "001d01" + "04fde800b40000000000", 2, 3}, // identifier 0
            {MARKER + "002001" + "04fde800b40a00000103" + "010100", 2, 4}, // auth parameter (type 1)
            {MARKER + "001f01" + "04fde800b40a00000105" + "0203", 2, 0}, // parameter length lies
            {MARKER + "001503" + "0602", 0, 0},
            {MARKER + "001705" + "00010001", 0, 0},
            {MARKER + "001805" + "0001000100", 1, 2},
        };
        for (final Object[] row : table) {
            final DecodeResult r = decode(HEX.parseHex((String) row[0]));
            final int code = (int) row[1];
            if (code == 0) {
                assertEquals(DecodeResult.MESSAGE, r.status(), row[0] + " -> " + r.error());
            } else {
                assertEquals(DecodeResult.ERROR, r.status(), (String) row[0]);
                assertEquals(code, r.error().code(), row[0] + " -> " + r.error());
                assertEquals((int) row[2], r.error().subcode(), row[0] + " -> " + r.error());
            }
        }
    }

    /**
     * RFC 7606 §3(g): MP_REACH_NLRI or MP_UNREACH_NLRI more than once in an UPDATE is a Malformed
     * Attribute List (3/1), the session is reset; any other attribute repeated is not (all but the
     * first are discarded), nor is one of each MP attribute.
     */
    @Test
    void duplicateMpAttributesAreAMalformedAttributeList() {
        final String unreach6 = "800f03000201"; // MP_UNREACH_NLRI AFI 2 SAFI 1, no NLRI
        final String unreach6Extended = "900f0003000201"; // the same with a 2-byte length
        final String reach6 = "800e15" + "000201" + "10" + "fd00".repeat(8) + "00"; // MP_REACH_NLRI, next hop, no NLRI
        final String origin = "40010100";
        final Object[][] table = {
            // attributes, expected code, subcode (0,0: accepted)
            {unreach6 + unreach6, 3, 1},
            {reach6 + reach6, 3, 1},
            {unreach6 + unreach6Extended, 3, 1},
            {reach6 + origin + unreach6 + reach6, 3, 1},
            {reach6 + unreach6, 0, 0},
            {unreach6, 0, 0},
            {origin + origin + reach6, 0, 0},
            {"c0ff0100" + "c0ff0100", 0, 0}, // an unknown attribute twice
            // An attribute overrunning the list is treat-as-withdraw (RFC 7606 §4), not a reset:
            // the walk stops there and what follows cannot be told from its value.
            {unreach6 + "800f09000201", 0, 0},
        };
        for (final Object[] row : table) {
            final String attributes = (String) row[0];
            final String body = "0000" + String.format("%04x", attributes.length() / 2) + attributes;
            final DecodeResult r = decode(frame(2, body));
            final int code = (int) row[1];
            if (code == 0) {
                assertEquals(DecodeResult.MESSAGE, r.status(), attributes + " -> " + r.error());
            } else {
                assertEquals(DecodeResult.ERROR, r.status(), attributes);
                assertEquals(code, r.error().code(), attributes + " -> " + r.error());
                assertEquals((int) row[2], r.error().subcode(), attributes + " -> " + r.error());
            }
        }
    }

    @Test
    void badLengthNotificationCarriesTheLength() {
        final DecodeResult r = decode(HEX.parseHex(MARKER + "100104"));
        assertArrayEquals(new byte[] {0x10, 0x01}, r.error().data());
        final DecodeResult v = decode(HEX.parseHex(MARKER + "001d01" + "03fde800b40a00000100"));
        assertArrayEquals(new byte[] {0, 4}, v.error().data(), "largest supported version (RFC 4271 §6.2)");
    }

    @Test
    void incompleteUntilWholeMessage() {
        final byte[] ka = HEX.parseHex(MARKER + "001304");
        for (int i = 0; i < ka.length; i++) {
            assertEquals(
                    DecodeResult.INCOMPLETE,
                    new MessageDecoder().decode(ka, 0, i, new DecodeResult()).status());
        }
    }

    @Test
    void openSemanticChecks() {
        final OpenMessage open =
                new OpenMessage(4, 65000, 3, 0x0A000001, true, true, false, 65000, false, false, 0, false);
        assertNull(MessageDecoder.checkOpenAgainstConfig(open, 65000, 0x0A000002, false));
        assertEquals(
                2,
                MessageDecoder.checkOpenAgainstConfig(open, 65009, 0x0A000002, false)
                        .subcode());
        assertEquals(
                3,
                MessageDecoder.checkOpenAgainstConfig(open, 65000, 0x0A000001, true)
                        .subcode());
    }

    static byte[] frame(final int type, final String bodyHex) {
        final byte[] body = HEX.parseHex(bodyHex);
        final ByteBuffer b = ByteBuffer.allocate(19 + body.length);
        for (int i = 0; i < 16; i++) {
            b.put((byte) 0xFF);
        }
        b.putShort((short) (19 + body.length)).put((byte) type).put(body);
        return b.array();
    }

    private static DecodeResult decode(final byte[] message) {
        return new MessageDecoder().decode(message, 0, message.length, new DecodeResult());
    }

    private static DecodeResult decodeOk(final byte[] message) {
        final DecodeResult r = decode(message);
        assertEquals(DecodeResult.MESSAGE, r.status(), () -> String.valueOf(r.error()));
        assertEquals(message.length, r.length());
        return r;
    }
}
