package io.levitate.gre;

import static io.levitate.gre.GreGoldenTest.PORT_MAC;
import static io.levitate.gre.GreGoldenTest.V4_BACKEND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.Classification;
import io.levitate.packet.PacketClassifier;
import io.levitate.packet.ip.Ipv4Flyweight;
import io.levitate.packet.testing.FrameBuilder;
import io.levitate.packet.testing.Frames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Outer DF bit per policy, and the config's refusals. */
class DfPolicyTest {
    private static boolean outerDf(DfPolicy policy, FrameBuilder client) {
        GreEncapsulator encap = new GreEncapsulator(EncapConfig.builder()
                .portMac(PORT_MAC)
                .sourceV4("10.99.0.1")
                .dfPolicy(policy)
                .build());
        byte[] frame = client.build();
        Classification c = new Classification();
        EncapResult r = new EncapResult();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = Frames.place(arena, frame);
            new PacketClassifier().classify(s, Frames.HEADROOM, frame.length, c);
            assertEquals(
                    EncapVerdict.ENCAPSULATED,
                    encap.encapsulate(s, Frames.HEADROOM, frame.length, Frames.HEADROOM, c, V4_BACKEND, 0, r));
            Ipv4Flyweight outer = new Ipv4Flyweight().wrap(s, r.dataOffset + 14, r.dataLength - 14);
            assertTrue(outer.checksumValid());
            return outer.dontFragment();
        }
    }

    private static FrameBuilder v4(boolean df) {
        FrameBuilder b = new FrameBuilder().ipv4("198.51.100.7", "192.0.2.10");
        return (df ? b.dontFragment() : b).tcp(1, 80, 0x02);
    }

    @Test
    void outerDontFragmentFollowsThePolicy() {
        assertTrue(outerDf(DfPolicy.SET, v4(false)));
        assertEquals(false, outerDf(DfPolicy.CLEAR, v4(true)));
        assertTrue(outerDf(DfPolicy.COPY_INNER, v4(true)));
        assertEquals(false, outerDf(DfPolicy.COPY_INNER, v4(false)));
        assertTrue(
                outerDf(
                        DfPolicy.COPY_INNER,
                        new FrameBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2)),
                "IPv6 inner forbids fragmentation");
    }

    @Test
    void configRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> EncapConfig.builder().build());
        assertThrows(IllegalArgumentException.class, () -> EncapConfig.builder().mtu(1000));
        assertThrows(IllegalArgumentException.class, () -> EncapConfig.builder().ttl(0));
        assertThrows(IllegalArgumentException.class, () -> EncapConfig.builder().sourceV4("10.0.0.0", 8));
        assertThrows(IllegalArgumentException.class, () -> EncapConfig.builder().sourceV6("fd00::", 48));
        assertThrows(IllegalArgumentException.class, () -> EncapConfig.builder().sourceV4("example.com"));
    }
}
