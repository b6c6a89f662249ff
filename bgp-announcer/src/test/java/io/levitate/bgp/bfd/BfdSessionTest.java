package io.levitate.bgp.bfd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Two sessions wired back to back on a simulated clock (microseconds, zero latency): the §6.2
 * handshake, §6.8.2-6.8.4 negotiation, §6.8.7 jitter and slow transmission, the §6.5 Poll/Final
 * sequence, detection, AdminDown. Every packet either sends goes through the codec.
 */
class BfdSessionTest {
    private static final long MS = 1000;

    private record Sent(long at, BfdPacket packet, boolean senderPolling) {}

    private static final class Link {
        final BfdSession a;
        final BfdSession b;
        final List<Sent> fromA = new ArrayList<>();
        final List<Sent> fromB = new ArrayList<>();
        long now;
        boolean deliverAToB = true;
        boolean deliverBToA = true;

        Link(final BfdConfig ca, final BfdConfig cb) {
            final SplittableRandom r = new SplittableRandom(5880);
            a = new BfdSession(0x0A0A0A0A, ca, r.split(), 0);
            b = new BfdSession(0x0B0B0B0B, cb, r.split(), 0);
        }

        void step() {
            final long due = Math.min(a.nextDeadline(), b.nextDeadline());
            if (due > now) {
                now = due;
            }
            a.onTimers(now);
            b.onTimers(now);
            pump(a, b, deliverAToB, fromA);
            pump(b, a, deliverBToA, fromB);
        }

        private void pump(final BfdSession from, final BfdSession to, final boolean deliver, final List<Sent> log) {
            final byte[] buf = new byte[24];
            int n;
            while ((n = from.transmit(buf, now)) > 0) {
                final BfdPacket p = new BfdPacket();
                assertEquals(BfdWire.OK, BfdWire.decode(buf, n, 255, p), "we send what we accept");
                assertFalse(p.poll && p.fin, "RFC 5880 §4.1: P and F are never both set");
                log.add(new Sent(now, p, from.pollActive()));
                if (deliver) {
                    final BfdPacket q = new BfdPacket();
                    BfdWire.decode(buf, n, 255, q);
                    to.receive(q, now);
                }
            }
        }

        /** Runs the clock until {@code done} or {@code maxMicros} pass; returns the time it took. */
        long runUntil(final BooleanSupplier done, final long maxMicros) {
            final long start = now;
            while (!done.getAsBoolean()) {
                assertTrue(
                        now - start <= maxMicros,
                        "not within " + maxMicros / MS + " ms: A " + a.state() + ", B " + b.state());
                step();
            }
            return now - start;
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

    @Test
    void threeWayHandshakeThenPollForTheFastTimers() {
        final Link l = new Link(BfdConfig.DEFAULT, BfdConfig.DEFAULT);
        // Both start Down and send at once; each sees Down -> Init, then Init -> Up.
        final long took = l.runUntil(l::bothUp, 5_000 * MS);
        assertTrue(took < 1_000 * MS, "handshake took " + took);
        // Before Up the first packet advertised the slow rate (§6.8.3).
        assertEquals(BfdState.DOWN, l.fromA.get(0).packet().state);
        assertEquals(1_000_000, l.fromA.get(0).packet().desiredMinTxMicros);
        assertEquals(0, l.fromA.get(0).packet().yourDiscriminator);
        // Going Up switched to 300 ms with a Poll Sequence that the peer's Final ended.
        l.runUntil(() -> !l.a.pollActive() && !l.b.pollActive(), 2_000 * MS);
        assertTrue(l.fromA.stream().anyMatch(s -> s.packet().poll && s.packet().desiredMinTxMicros == 300_000));
        assertTrue(l.fromB.stream().anyMatch(s -> s.packet().fin));
        assertEquals(300 * MS, l.a.transmitInterval());
        assertEquals(900 * MS, l.a.detectionTime());
        assertEquals(0x0B0B0B0B, l.a.remoteDiscriminator());
        assertEquals(0x0A0A0A0A, l.b.remoteDiscriminator());
        // Steady: no flap over a simulated hour.
        l.runFor(3_600_000 * MS);
        assertTrue(l.bothUp());
        assertEquals(0, l.a.downFromUp() + l.b.downFromUp());
    }

    @Test
    void weSendAtThePeersRequiredMinRxWithJitter() {
        // Ours: 100 ms tx. The peer's required min rx: 600 ms, so we must send no faster than that.
        final Link l = new Link(new BfdConfig(100 * MS, 100 * MS, 3), new BfdConfig(600 * MS, 600 * MS, 3));
        l.runUntil(() -> l.bothUp() && !l.a.pollActive() && !l.b.pollActive(), 5_000 * MS);
        assertEquals(600 * MS, l.a.transmitInterval());
        // The peer's detection time: our Detect Mult x max(its min rx, our tx) = 3 x 600 ms.
        assertEquals(1_800 * MS, l.b.detectionTime());
        // Ours of the peer: its mult x max(our min rx 100 ms, its tx 600 ms).
        assertEquals(1_800 * MS, l.a.detectionTime());
        final int from = l.fromA.size();
        l.runFor(60_000 * MS);
        final List<Sent> sent = l.fromA.subList(from, l.fromA.size());
        long min = Long.MAX_VALUE;
        long max = 0;
        long sum = 0;
        for (int i = 1; i < sent.size(); i++) {
            final long gap = sent.get(i).at() - sent.get(i - 1).at();
            min = Math.min(min, gap);
            max = Math.max(max, gap);
            sum += gap;
        }
        final long mean = sum / (sent.size() - 1);
        // §6.8.7: 75..100 % of 600 ms; the mean near 87.5 % (525 ms).
        assertTrue(min >= 450 * MS, "min gap " + min);
        assertTrue(max <= 600 * MS, "max gap " + max);
        assertTrue(mean > 500 * MS && mean < 550 * MS, "mean gap " + mean);
        assertTrue(max - min > 100 * MS, "jittered: " + min + ".." + max);
    }

    @Test
    void detectMultOneJittersBetween75And90Percent() {
        final Link l = new Link(new BfdConfig(200 * MS, 200 * MS, 1), new BfdConfig(200 * MS, 200 * MS, 3));
        l.runUntil(() -> l.bothUp() && !l.a.pollActive(), 5_000 * MS);
        final int from = l.fromA.size();
        l.runFor(60_000 * MS);
        long max = 0;
        long min = Long.MAX_VALUE;
        for (int i = from + 1; i < l.fromA.size(); i++) {
            final long gap = l.fromA.get(i).at() - l.fromA.get(i - 1).at();
            max = Math.max(max, gap);
            min = Math.min(min, gap);
        }
        assertTrue(max <= 180 * MS, "max gap " + max);
        assertTrue(min >= 150 * MS, "min gap " + min);
        assertEquals(0, l.b.downFromUp());
    }

    @Test
    void slowTransmissionWhileNotUp() {
        final Link l = new Link(new BfdConfig(50 * MS, 50 * MS, 3), BfdConfig.DEFAULT);
        l.deliverAToB = false;
        l.deliverBToA = false;
        l.runFor(30_000 * MS);
        assertEquals(BfdState.DOWN, l.a.state());
        for (int i = 1; i < l.fromA.size(); i++) {
            final long gap = l.fromA.get(i).at() - l.fromA.get(i - 1).at();
            assertTrue(gap >= 750 * MS && gap <= 1_000 * MS, "gap " + gap + " while Down");
            assertEquals(1_000_000, l.fromA.get(i).packet().desiredMinTxMicros);
        }
    }

    @Test
    void detectionWhenThePeerFallsSilent() {
        final Link l = new Link(BfdConfig.DEFAULT, BfdConfig.DEFAULT);
        l.runUntil(() -> l.bothUp() && !l.a.pollActive() && !l.b.pollActive(), 5_000 * MS);
        l.runFor(10_000 * MS);
        final long lastHeard = l.fromB.get(l.fromB.size() - 1).at();
        l.deliverBToA = false;
        l.runUntil(() -> l.a.state() == BfdState.DOWN, 5_000 * MS);
        assertEquals(900 * MS, l.now - lastHeard, "down exactly one detection time after the last packet");
        assertEquals(BfdWire.DIAG_DETECTION_TIME_EXPIRED, l.a.localDiag());
        assertEquals(0, l.a.remoteDiscriminator(), "§6.8.1: RemoteDiscr zeroed after a detection time");
        // B still hears A, which now says Down: B goes Down too (diag 3), then both sit in Down/Init.
        l.runUntil(() -> l.b.state() != BfdState.UP, 2_000 * MS);
        assertEquals(BfdWire.DIAG_NEIGHBOR_SIGNALED_DOWN, l.b.localDiag());
        assertEquals(1, l.a.downFromUp());
        // Packets flow again: Up again.
        l.deliverBToA = true;
        l.runUntil(l::bothUp, 5_000 * MS);
        assertEquals(2, l.a.upTransitions());
    }

    @Test
    void liveChangeRunsAPollSequenceAndKeepsTheSaferTimersUntilFinal() {
        final Link l = new Link(BfdConfig.DEFAULT, BfdConfig.DEFAULT);
        l.runUntil(() -> l.bothUp() && !l.a.pollActive() && !l.b.pollActive(), 5_000 * MS);
        // Slower tx and faster rx: both must wait for the Final (§6.8.3).
        l.deliverBToA = false;
        l.a.setConfig(new BfdConfig(600 * MS, 100 * MS, 3), l.now);
        assertTrue(l.a.pollActive());
        assertEquals(300 * MS, l.a.transmitInterval(), "an increased tx waits for the Final");
        assertEquals(900 * MS, l.a.detectionTime(), "a reduced rx waits for the Final");
        final int from = l.fromA.size();
        l.runFor(400 * MS);
        assertTrue(
                l.fromA.size() > from
                        && l.fromA.subList(from, l.fromA.size()).stream().allMatch(s -> s.packet().poll),
                "P in every packet until the Final");
        assertEquals(600_000, l.fromA.get(l.fromA.size() - 1).packet().desiredMinTxMicros);
        l.deliverBToA = true;
        l.runUntil(() -> !l.a.pollActive(), 2_000 * MS);
        assertEquals(600 * MS, l.a.transmitInterval());
        assertEquals(900 * MS, l.a.detectionTime(), "B's tx (300 ms) x 3 now bounds it");
        assertEquals(600 * MS, l.b.remoteDesiredMinTx());
        assertEquals(100 * MS, l.b.remoteMinRx());
        assertTrue(l.b.finalsSent() >= 2, "B answered our Polls (and the one from going Up)");
        assertTrue(l.bothUp());
    }

    @Test
    void aFinalNeverCarriesOurPoll() {
        final Link l = new Link(BfdConfig.DEFAULT, BfdConfig.DEFAULT);
        l.runUntil(() -> l.bothUp() && !l.a.pollActive() && !l.b.pollActive(), 5_000 * MS);
        // For 400 ms (less than a detection time) B hears nothing from A: A's Poll stays open
        // while it answers B's Polls.
        l.deliverAToB = false;
        l.a.setConfig(new BfdConfig(200 * MS, 300 * MS, 3), l.now);
        l.b.setConfig(new BfdConfig(250 * MS, 300 * MS, 3), l.now);
        final int from = l.fromA.size();
        l.runFor(400 * MS);
        // The checker in pump() fails on any packet with both bits; here: Finals sent mid-Poll.
        assertTrue(
                l.fromA.subList(from, l.fromA.size()).stream().anyMatch(s -> s.packet().fin && s.senderPolling()),
                "a Final sent while our own Poll ran");
        assertTrue(l.fromA.subList(from, l.fromA.size()).stream().anyMatch(s -> s.packet().poll));
        l.deliverAToB = true;
        l.runUntil(() -> !l.a.pollActive() && !l.b.pollActive(), 2_000 * MS);
        assertTrue(l.bothUp());
        assertEquals(300 * MS, l.a.transmitInterval(), "max(our 200 ms, the peer's min rx 300 ms)");
        assertEquals(300 * MS, l.b.transmitInterval());
    }

    @Test
    void peerAdminDownTakesUsDownWithDiagnostic3() {
        final Link l = new Link(BfdConfig.DEFAULT, BfdConfig.DEFAULT);
        l.runUntil(l::bothUp, 5_000 * MS);
        l.b.adminDown(l.now);
        l.runUntil(() -> l.a.state() == BfdState.DOWN, 2_000 * MS);
        assertEquals(BfdWire.DIAG_NEIGHBOR_SIGNALED_DOWN, l.a.localDiag());
        assertEquals(BfdState.ADMIN_DOWN, l.a.remoteState());
        l.runFor(10_000 * MS);
        assertEquals(BfdState.ADMIN_DOWN, l.b.state(), "AdminDown stays");
        assertEquals(BfdState.DOWN, l.a.state(), "and does not bring us Up");
        l.b.adminUp(l.now);
        l.runUntil(l::bothUp, 5_000 * MS);
    }

    @Test
    void noPeriodicPacketsWhenThePeerAsksForNone() {
        final Link l = new Link(BfdConfig.DEFAULT, BfdConfig.DEFAULT);
        l.runUntil(l::bothUp, 5_000 * MS);
        final BfdPacket p = new BfdPacket();
        p.state = BfdState.UP;
        p.detectMult = 3;
        p.myDiscriminator = 0x0B0B0B0B;
        p.yourDiscriminator = 0x0A0A0A0A;
        p.desiredMinTxMicros = 300 * MS;
        p.requiredMinRxMicros = 0;
        l.deliverBToA = false;
        l.a.receive(p, l.now);
        final byte[] buf = new byte[24];
        l.a.transmit(buf, l.now);
        assertEquals(0, l.a.transmit(buf, l.now + 800 * MS), "§6.8.7: RemoteMinRxInterval 0 means no periodic packets");
    }
}
