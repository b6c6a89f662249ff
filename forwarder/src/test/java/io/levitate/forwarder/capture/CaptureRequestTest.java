package io.levitate.forwarder.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.lb.ForwardDrop;
import io.levitate.packet.DropReason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The request words compiled to a filter: limits, clear refusals, and what the compiled filter matches. */
class CaptureRequestTest {
    private static CaptureRequest parse(final String words) {
        return CaptureRequest.parse(words, name -> name.equals("web") ? 3 : -1, text -> text.equals("7") ? 7 : -1);
    }

    @Test
    void limitsAndDefaults() {
        final CaptureRequest r = parse(" count=10 duration=5 rate=100 snaplen=128 ");
        assertEquals(10, r.count());
        assertEquals(5000, r.durationMs());
        assertEquals(100, r.rate());
        assertEquals(128, r.snaplen());
        final CaptureRequest d = parse("");
        assertEquals(CaptureRequest.DEFAULT_SNAPLEN, d.snaplen());
        assertEquals(0, d.count());
        assertEquals(
                CaptureFilter.RX | CaptureFilter.TX | CaptureFilter.DROP,
                d.filter().points());
    }

    @Test
    void badWordsAreRefusedByName() {
        assertMessage("'vip' is not KEY=VALUE", "vip");
        assertMessage("unknown capture key 'colour'", "colour=red");
        assertMessage("vip=www.example.com: not an IP address", "vip=www.example.com");
        assertMessage("vip prefix length=33: must be 0..32", "vip=10.0.0.0/33");
        assertMessage("port=70000: must be 0..65535", "port=70000");
        assertMessage("port=90: must be 100..65535", "port=100-90");
        assertMessage("service=mail: no such service", "service=mail");
        assertMessage("backend=9: no such backend", "backend=9");
        assertMessage("reason=nope: no such drop reason", "reason=nope");
        assertMessage("point=out: not rx, tx, drop", "point=out");
        assertMessage("count=0: must be 1..", "count=0");
        assertMessage("snaplen=10: must be 64..9216", "snaplen=10");
    }

    private static void assertMessage(final String start, final String words) {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> parse(words));
        assertTrue(ex.getMessage().startsWith(start), ex.getMessage());
    }

    @Test
    void verdictStage() {
        final CaptureFilter f = parse("reason=bad_ihl,no_backend point=drop").filter();
        assertEquals(CaptureFilter.DROP, f.points());
        assertTrue(f.matchesVerdict(CaptureFilter.DROP, 0, DropReason.BAD_IHL.id(), -1, -1));
        assertTrue(f.matchesVerdict(CaptureFilter.DROP, 0, ForwardDrop.NO_BACKEND.id(), 3, -1));
        assertFalse(f.matchesVerdict(CaptureFilter.DROP, 0, DropReason.TTL_ZERO.id(), -1, -1));
        assertFalse(f.matchesVerdict(CaptureFilter.RX, 0, DropReason.BAD_IHL.id(), -1, -1), "rx not asked for");
        assertFalse(f.matchesVerdict(CaptureFilter.DROP, 1, -1, 3, 7), "not a drop");
        final CaptureFilter s = parse("service=web backend=7 point=both").filter();
        assertTrue(s.matchesVerdict(CaptureFilter.TX, 1, -1, 3, 7));
        assertFalse(s.matchesVerdict(CaptureFilter.TX, 1, -1, 3, 6));
        assertFalse(s.matchesVerdict(CaptureFilter.TX, 1, -1, 2, 7));
        assertFalse(s.matchesVerdict(CaptureFilter.DROP, 0, 5, 3, 7), "drop not asked for");
        final CaptureFilter d = parse("drops").filter();
        assertTrue(d.matchesVerdict(CaptureFilter.RX, 0, 5, -1, -1));
        assertFalse(d.matchesVerdict(CaptureFilter.RX, 1, -1, 3, 7));
        assertEquals("bad_ihl", ReasonNames.name(DropReason.BAD_IHL.id()));
        assertEquals("no_backend", ReasonNames.name(ForwardDrop.NO_BACKEND.id()));
        assertEquals(ForwardDrop.TX_FULL.id(), ReasonNames.id("TX_FULL"));
    }

    @Test
    void headerStage() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment frame = arena.allocate(256);
            final long a = frame.address();
            final CaptureFilter vip24 =
                    parse("vip=198.18.0.0/24 proto=udp port=1000-1002").filter();
            put(frame, PcapngWriterTest.udp(80, 1));
            assertTrue(vip24.matchesFrame(a, 80));
            assertFalse(vip24.matchesFrame(a, 37), "too short for the ports");
            put(frame, PcapngWriterTest.udp(80, 3));
            assertFalse(vip24.matchesFrame(a, 80), "port 1003");
            assertTrue(parse("client=10.1.0.0/30").filter().matchesFrame(a, 80));
            assertFalse(parse("client=10.1.0.4/30").filter().matchesFrame(a, 80));
            assertFalse(parse("client=fd00::/8").filter().matchesFrame(a, 80), "another family");
            assertFalse(parse("proto=tcp").filter().matchesFrame(a, 80));
            assertTrue(parse("vip=198.18.0.2").filter().matchesFrame(a, 80));
            assertTrue(parse("").filter().matchesFrame(a, 3), "no header field asked: any frame");
            // Behind an 802.1Q tag.
            final byte[] untagged = PcapngWriterTest.udp(80, 1);
            final byte[] tagged = new byte[84];
            System.arraycopy(untagged, 0, tagged, 0, 12);
            tagged[12] = (byte) 0x81;
            System.arraycopy(untagged, 12, tagged, 16, 68);
            put(frame, tagged);
            assertTrue(vip24.matchesFrame(a, 84));
            // IPv6: fd00::1 -> 2001:db8::5, UDP 4000 -> 53.
            final byte[] v6 = new byte[14 + 40 + 8];
            v6[12] = (byte) 0x86;
            v6[13] = (byte) 0xDD;
            v6[14] = 0x60;
            v6[20] = 17;
            v6[22] = (byte) 0xFD;
            v6[37] = 1;
            v6[38] = 0x20;
            v6[39] = 0x01;
            v6[40] = 0x0D;
            v6[41] = (byte) 0xB8;
            v6[53] = 5;
            v6[54] = 0x0F;
            v6[55] = (byte) 0xA0;
            v6[57] = 53;
            put(frame, v6);
            assertTrue(parse("vip=2001:db8::/32 client=fd00::1 port=53 proto=udp")
                    .filter()
                    .matchesFrame(a, v6.length));
            assertFalse(parse("vip=2001:db8::6").filter().matchesFrame(a, v6.length));
            assertFalse(parse("vip=198.18.0.2").filter().matchesFrame(a, v6.length));
        }
    }

    private static void put(final MemorySegment segment, final byte[] bytes) {
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
    }
}
