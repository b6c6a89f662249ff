package io.levitate.bgp.bfd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Golden bytes of the control packet (RFC 5880 §4.1) and each §6.8.6 / RFC 5881 §5 verdict. */
class BfdWireTest {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] upPacket() {
        final byte[] b = new byte[24];
        BfdWire.encode(b, 0, BfdState.UP, false, false, 3, 0x11223344, 0x55667788, 300_000, 300_000);
        return b;
    }

    @Test
    void golden() {
        final byte[] b = new byte[24];
        assertEquals(
                24,
                BfdWire.encode(
                        b,
                        BfdWire.DIAG_DETECTION_TIME_EXPIRED,
                        BfdState.DOWN,
                        true,
                        false,
                        3,
                        1,
                        0,
                        1_000_000,
                        300_000));
        // 001 00001 | 01 1 0 0 0 0 0 | mult 3 | len 24 | my 1 | your 0 | tx 1 s | rx 300 ms | echo 0
        assertEquals(
                "21" + "60" + "03" + "18" + "00000001" + "00000000" + "000f4240" + "000493e0" + "00000000",
                HEX.formatHex(b));
        BfdWire.encode(b, 0, BfdState.UP, false, true, 1, 0xFFFFFFFF, 7, 300_000, 50_000);
        assertEquals(
                "20" + "d0" + "01" + "18" + "ffffffff" + "00000007" + "000493e0" + "0000c350" + "00000000",
                HEX.formatHex(b));
    }

    @Test
    void roundTrip() {
        final BfdPacket p = new BfdPacket();
        assertEquals(BfdWire.OK, BfdWire.decode(upPacket(), 24, 255, p));
        assertEquals(1, p.version);
        assertEquals(BfdState.UP, p.state);
        assertEquals(3, p.detectMult);
        assertEquals(0x11223344, p.myDiscriminator);
        assertEquals(0x55667788, p.yourDiscriminator);
        assertEquals(300_000, p.desiredMinTxMicros);
        assertEquals(300_000, p.requiredMinRxMicros);
        assertFalse(p.poll || p.fin || p.authPresent || p.demand || p.multipoint);
        // Unsigned 32-bit intervals survive (4294 s).
        final byte[] b = upPacket();
        BfdWire.putInt(b, BfdWire.DESIRED_MIN_TX_OFFSET, 0xFFFFFFFF);
        assertEquals(BfdWire.OK, BfdWire.decode(b, 24, 255, p));
        assertEquals(0xFFFF_FFFFL, p.desiredMinTxMicros);
    }

    private static int verdict(final byte[] b, final int length, final int ttl) {
        return BfdWire.decode(b, length, ttl, new BfdPacket());
    }

    @Test
    void receptionChecks() {
        assertEquals(BfdWire.DROP_TTL, verdict(upPacket(), 24, 254), "RFC 5881 §5: only 255");
        assertEquals(BfdWire.DROP_TTL, verdict(upPacket(), 24, -1), "no TTL reported");
        assertEquals(BfdWire.DROP_SHORT, verdict(upPacket(), 23, 255));
        byte[] b = upPacket();
        b[0] = (byte) ((2 << 5));
        assertEquals(BfdWire.DROP_VERSION, verdict(b, 24, 255));
        b = upPacket();
        b[BfdWire.LENGTH_OFFSET] = 23;
        assertEquals(BfdWire.DROP_LENGTH, verdict(b, 24, 255), "length below 24");
        b = upPacket();
        b[BfdWire.LENGTH_OFFSET] = 30;
        assertEquals(BfdWire.DROP_LENGTH, verdict(b, 24, 255), "length beyond the datagram");
        b = java.util.Arrays.copyOf(upPacket(), 40);
        assertEquals(BfdWire.OK, verdict(b, 40, 255), "a datagram longer than Length is fine");
        b = upPacket();
        b[BfdWire.DETECT_MULT_OFFSET] = 0;
        assertEquals(BfdWire.DROP_DETECT_MULT_ZERO, verdict(b, 24, 255));
        b = upPacket();
        b[BfdWire.FLAGS_OFFSET] |= BfdWire.FLAG_MULTIPOINT;
        assertEquals(BfdWire.DROP_MULTIPOINT, verdict(b, 24, 255));
        b = upPacket();
        BfdWire.putInt(b, BfdWire.MY_DISCRIMINATOR_OFFSET, 0);
        assertEquals(BfdWire.DROP_MY_DISCRIMINATOR_ZERO, verdict(b, 24, 255));
        b = upPacket();
        BfdWire.putInt(b, BfdWire.YOUR_DISCRIMINATOR_OFFSET, 0);
        assertEquals(
                BfdWire.DROP_YOUR_DISCRIMINATOR_ZERO_NOT_DOWN, verdict(b, 24, 255), "Up with your discriminator 0");
        b[BfdWire.FLAGS_OFFSET] = (byte) (BfdState.DOWN.code() << 6);
        assertEquals(BfdWire.OK, verdict(b, 24, 255), "Down with your discriminator 0 is how sessions start");
        b[BfdWire.FLAGS_OFFSET] = (byte) (BfdState.ADMIN_DOWN.code() << 6);
        assertEquals(BfdWire.OK, verdict(b, 24, 255));
        b = java.util.Arrays.copyOf(upPacket(), 26);
        b[BfdWire.FLAGS_OFFSET] |= BfdWire.FLAG_AUTH;
        b[BfdWire.LENGTH_OFFSET] = 26;
        assertEquals(BfdWire.DROP_AUTH, verdict(b, 26, 255), "A bit without authentication configured");
        b[BfdWire.LENGTH_OFFSET] = 24;
        assertEquals(BfdWire.DROP_LENGTH, verdict(b, 26, 255), "with A the minimum length is 26");
    }

    /** Random bytes never throw; every verdict is OK or a known reason. */
    @Test
    void fuzzNeverThrows() {
        final SplittableRandom r = new SplittableRandom(5880);
        final BfdPacket p = new BfdPacket();
        final byte[] b = new byte[64];
        int ok = 0;
        for (int i = 0; i < 200_000; i++) {
            r.nextBytes(b);
            if (r.nextBoolean()) {
                b[0] = (byte) (0x20 | (b[0] & 0x1F)); // version 1: reach the later checks more often
                b[BfdWire.LENGTH_OFFSET] = 24;
            }
            final int v = BfdWire.decode(b, r.nextInt(65), 255, p);
            assertTrue(v == BfdWire.OK || (v >= 0 && v < BfdWire.DROP_REASONS), "verdict " + v);
            ok += v == BfdWire.OK ? 1 : 0;
        }
        assertTrue(ok > 0, "the fuzz reached valid packets");
    }
}
