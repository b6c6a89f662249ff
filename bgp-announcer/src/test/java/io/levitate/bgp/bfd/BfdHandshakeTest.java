package io.levitate.bgp.bfd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * How long the RFC 5880 3-way handshake takes once packets get through, on a simulated clock
 * (microseconds) with a one-way delay: while not Up each side sends periodically only once a
 * second (§6.8.3), but a packet whose contents differ from the previous one goes out at once
 * (§6.8.7), so a rejoin takes one round trip after the first packet crosses, not seconds. The
 * receipt is followed by a transmission as {@link BfdEngine#process} does.
 */
class BfdHandshakeTest {
    private static final long MS = 1000;
    /** One-way delay of the simulated link. */
    private static final long DELAY = 2 * MS;

    private record InFlight(long at, long seq, BfdSession to, byte[] bytes) {}

    private static final class Link {
        final BfdSession a;
        BfdSession b;
        final PriorityQueue<InFlight> wire = new PriorityQueue<>(
                (x, y) -> x.at() != y.at() ? Long.compare(x.at(), y.at()) : Long.compare(x.seq(), y.seq()));
        final List<BfdPacket> fromA = new ArrayList<>();
        long now;
        long seq;
        boolean upAToB; // the path, per direction: packets sent while it is down are lost
        boolean upBToA;
        long firstDelivery = -1;

        Link(final long seed) {
            final SplittableRandom r = new SplittableRandom(seed);
            a = new BfdSession(0x0A0A0A0A, BfdConfig.DEFAULT, r.split(), 0);
            b = new BfdSession(0x0B0B0B0B, BfdConfig.DEFAULT, r.split(), 0);
        }

        void step() {
            long due = Math.min(a.nextDeadline(), b.nextDeadline());
            if (!wire.isEmpty()) {
                due = Math.min(due, wire.peek().at());
            }
            now = Math.max(now, due);
            while (!wire.isEmpty() && wire.peek().at() <= now) {
                final InFlight f = wire.poll();
                final BfdPacket p = new BfdPacket();
                assertEquals(BfdWire.OK, BfdWire.decode(f.bytes(), f.bytes().length, 255, p));
                if (firstDelivery < 0) {
                    firstDelivery = now;
                }
                f.to().receive(p, now);
                send(f.to()); // what the engine does after a receipt
            }
            a.onTimers(now);
            b.onTimers(now);
            send(a);
            send(b);
        }

        private void send(final BfdSession from) {
            final byte[] buf = new byte[BfdWire.LENGTH];
            int n;
            while ((n = from.transmit(buf, now)) > 0) {
                if (from == a) {
                    final BfdPacket p = new BfdPacket();
                    BfdWire.decode(buf, n, 255, p);
                    fromA.add(p);
                }
                if (from == a ? upAToB : upBToA) {
                    wire.add(new InFlight(now + DELAY, seq++, from == a ? b : a, java.util.Arrays.copyOf(buf, n)));
                }
            }
        }

        long runUntil(final BooleanSupplier done, final long maxMicros) {
            final long start = now;
            while (!done.getAsBoolean()) {
                assertTrue(
                        now - start <= maxMicros,
                        "not within " + maxMicros / MS + " ms: A " + a.state() + ", B " + b.state());
                step();
            }
            return now;
        }

        void runFor(final long micros) {
            final long end = now + micros;
            while (now < end) {
                step();
            }
        }

        boolean bothUp() {
            return a.state() == BfdState.UP && b.state() == BfdState.UP;
        }
    }

    /**
     * A rejoin: both sides have been Down for a while, each sending once a second into a dead path
     * (a forwarder restarting). When the path comes back, whichever packet crosses first starts
     * the handshake, and both are Up one round trip later (Down -> Init, the answer, Init -> Up,
     * and the last Up crossing), at whatever phase the two periodic timers were.
     */
    @Test
    void aRejoinIsUpOneRoundTripAfterTheFirstPacketCrosses() {
        for (long seed = 1; seed <= 50; seed++) {
            final Link l = new Link(seed);
            l.runFor(10_000 * MS + seed * 37 * MS); // a phase of the timers that differs per seed
            assertEquals(BfdState.DOWN, l.a.state());
            l.upAToB = true;
            l.upBToA = true;
            final long restored = l.now;
            final long bothUp = l.runUntil(l::bothUp, 3_000 * MS);
            // The first packet to cross takes its receiver Down -> Init, whose answer takes the
            // other side Up, whose answer takes the first Up: two one-way delays. Before that, the
            // first periodic packet after the path came back: at most one interval (1 s while not Up).
            final long afterFirst = bothUp - l.firstDelivery;
            assertTrue(
                    afterFirst <= 2 * DELAY,
                    "seed " + seed + ": both Up " + afterFirst / MS + " ms after the first packet");
            assertTrue(
                    bothUp - restored <= 1_000 * MS + 3 * DELAY,
                    "seed " + seed + ": " + (bothUp - restored) / MS + " ms");
        }
    }

    /**
     * The peer's session restarts with a new discriminator while ours is in Init: our state stays
     * Init (§6.2), but our packets now carry a different Your Discriminator, so one goes out at
     * once and the peer is Up a round trip later instead of at our next periodic packet.
     */
    @Test
    void aNewRemoteDiscriminatorIsAnsweredAtOnce() {
        final Link l = new Link(7);
        // Only B's packets get through: A hears B's Down and goes Init; B hears nothing.
        l.upBToA = true;
        l.runUntil(() -> l.a.state() == BfdState.INIT, 3_000 * MS);
        l.runFor(300 * MS);
        assertEquals(BfdState.INIT, l.a.state());
        assertEquals(0x0B0B0B0B, l.a.remoteDiscriminator());
        // B's session restarts under a new discriminator, and the path is whole again.
        l.b = new BfdSession(0x0C0C0C0C, BfdConfig.DEFAULT, new SplittableRandom(9), l.now);
        l.upAToB = true;
        final long t0 = l.now;
        final long bothUp = l.runUntil(l::bothUp, 3_000 * MS);
        assertEquals(0x0C0C0C0C, l.a.remoteDiscriminator());
        // B's Down reaches A (still Init), A's answer with the new discriminator takes B Up, B's Up takes A Up.
        assertTrue(bothUp - t0 <= 3 * DELAY, "both Up " + (bothUp - t0) / MS + " ms after the restart");
    }
}
