package io.levitate.packet.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.levitate.packet.NetworkOrder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The static accessors (the IPv6 fast path's) read what the flyweight's own accessors read. */
class Ipv6FlyweightTest {
    @Test
    void staticAccessorsAgreeWithTheFlyweight() {
        final SplittableRandom random = new SplittableRandom(6);
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment header = arena.allocate(Ipv6Flyweight.HEADER_LENGTH);
            final long ip = header.address();
            final Ipv6Flyweight flyweight = new Ipv6Flyweight();
            for (int i = 0; i < 1000; i++) {
                for (int b = 0; b < Ipv6Flyweight.HEADER_LENGTH; b++) {
                    header.set(java.lang.foreign.ValueLayout.JAVA_BYTE, b, (byte) random.nextInt(256));
                }
                flyweight.wrap(header, 0, Ipv6Flyweight.HEADER_LENGTH);
                final MemorySegment all = NetworkOrder.ALL;
                final int w0 = Ipv6Flyweight.word0(all, ip);
                final int w1 = Ipv6Flyweight.word1(all, ip);
                assertEquals(flyweight.version(), Ipv6Flyweight.versionOf(w0));
                assertEquals(flyweight.trafficClass(), Ipv6Flyweight.trafficClassOf(w0));
                assertEquals(flyweight.payloadLength(), Ipv6Flyweight.payloadLengthOf(w1));
                assertEquals(flyweight.nextHeader(), Ipv6Flyweight.nextHeaderOf(w1));
                assertEquals(flyweight.nextHeader(), Ipv6Flyweight.nextHeader(all, ip));
                assertEquals(flyweight.hopLimit(), Ipv6Flyweight.hopLimitOf(w1));
                assertEquals(flyweight.sourceHi(), Ipv6Flyweight.sourceHi(all, ip));
                assertEquals(flyweight.sourceLo(), Ipv6Flyweight.sourceLo(all, ip));
                assertEquals(flyweight.destinationHi(), Ipv6Flyweight.destinationHi(all, ip));
                assertEquals(flyweight.destinationLo(), Ipv6Flyweight.destinationLo(all, ip));
            }
        }
    }
}
