package io.levitate.bgp.it;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.bfd.BfdConfig;
import io.levitate.bgp.bfd.BfdStatus;
import io.levitate.bgp.fsm.BgpSpeaker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Our BFD (RFC 5880/5881) against bird2's ({@code protocol bfd}, {@code bfd on} in the BGP
 * protocol), each test with its own namespace and bird: Up over IPv4 and IPv6 with TTL 255 and a
 * dynamic source port as tshark dissects them; detection of bird's silence and the BGP session
 * held down until BFD is Up again; bird detecting our death (the bare-metal case) long before
 * the hold timer; interval negotiation; Poll/Final on a live change; a 60 s run without a flap.
 */
class BfdBirdIT {
    private static final InetAddress VIP4 = Lab.parse("198.18.5.10");
    private static final BfdConfig FAST = new BfdConfig(100_000, 100_000, 3);

    /** A lab, bird with {@code bfdOptions} on every interface and BGP peers .2 (v4) and ::3 (v6) with bfd on. */
    private static final class Setup implements AutoCloseable {
        final Lab lab = new Lab();
        final Bird bird;

        Setup(final String bfdOptions, final String bgpOptions) {
            Bird b = null;
            try {
                b = new Bird(lab, "bird", """
                    router id %1$s;
                    protocol device { }
                    protocol bfd { interface "*" { %2$s }; }
                    protocol bgp p4 {
                      local %1$s as 65000; neighbor %3$s as 65001; bfd on;
                      %4$s
                      ipv4 { import all; export none; }; ipv6 { import all; export none; };
                    }
                    protocol bgp p6 {
                      local %5$s as 65000; neighbor %6$s as 65002; bfd on;
                      %7$s
                      ipv6 { import all; export none; };
                    }
                    """.formatted(
                                lab.v4(1), bfdOptions, lab.v4(2), bgpOptions, lab.v6(1), lab.v6(3), Bird.FAST));
            } finally {
                if (b == null) {
                    lab.close();
                }
            }
            bird = b;
        }

        /** Our peer: bird's IPv4 address from .2, per-peer hold time {@code hold} (-1: the speaker's 3 s). */
        BgpSpeaker speaker(final BfdConfig bfd, final int hold) {
            final PeerConfig p = new PeerConfig(
                            lab.addr4(1), 65000, 179, lab.addr4(2), null, lab.addr6(2), null, false, hold)
                    .withBfd(bfd);
            return Speakers.start(Speakers.config(65001, 2, List.of(p)));
        }

        /** bird's line for our address in 'show bfd sessions': address, interface, state, since, interval, timeout. */
        String[] birdBfd(final String ours) {
            for (final String line : bird.birdc("show", "bfd", "sessions").split("\n")) {
                final String[] f = line.trim().split("\\s+");
                if (f.length >= 6 && f[0].equals(ours)) {
                    return f;
                }
            }
            return new String[0];
        }

        boolean birdBfdUp(final String ours) {
            final String[] f = birdBfd(ours);
            return f.length >= 6 && f[2].equals("Up");
        }

        Supplier<String> state(final BgpSpeaker s) {
            return () -> "ours: " + s.bfdStatus() + " " + Speakers.status(s) + "\nbird: "
                    + bird.birdc("show", "bfd", "sessions") + bird.birdc("show", "protocols");
        }

        void nft(final String... args) {
            final String[] cmd = new String[args.length + 1];
            cmd[0] = "nft";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Shell.ok(lab.inNs(cmd));
        }

        @Override
        public void close() {
            bird.close();
            lab.close();
        }
    }

    private static BfdStatus bfd(final BgpSpeaker s) {
        return s.bfdStatus().get(0);
    }

    @Test
    void upOverIpv4AndIpv6WithTtl255FromADynamicPort() {
        try (Setup t = new Setup("min rx interval 300 ms; min tx interval 300 ms; multiplier 3;", Bird.FAST)) {
            final BfdCapture cap = new BfdCapture(t.lab, t.lab.rootIf, "up");
            final PeerConfig p4 = new PeerConfig(
                            t.lab.addr4(1), 65000, 179, t.lab.addr4(2), null, t.lab.addr6(2), null, false, -1)
                    .withBfd(BfdConfig.DEFAULT);
            final PeerConfig p6 = new PeerConfig(
                            t.lab.addr6(1), 65000, 179, t.lab.addr6(3), null, null, null, false, -1)
                    .withBfd(BfdConfig.DEFAULT);
            try (BgpSpeaker s = Speakers.start(Speakers.config(65001, 2, List.of(p4)));
                    BgpSpeaker s6 = Speakers.start(Speakers.config(65002, 3, List.of(p6)))) {
                s.setRoutes(Speakers.routes(VIP4));
                Poll.until(
                        Duration.ofSeconds(15),
                        () -> bfd(s).up() && bfd(s6).up() && t.birdBfdUp(t.lab.v4(2)) && t.birdBfdUp(t.lab.v6(3)),
                        t.state(s));
                Poll.until(Duration.ofSeconds(10), () -> t.bird.routes().contains("198.18.5.10/32"), t.state(s));
                // Up: 300 ms each way, detection 900 ms on both sides.
                assertEquals(300_000, bfd(s).txIntervalMicros());
                assertEquals(900_000, bfd(s).detectionTimeMicros());
                assertEquals(900_000, bfd(s6).detectionTimeMicros());
                final String[] b4 = t.birdBfd(t.lab.v4(2));
                assertEquals("0.300", b4[4], "bird's interval: " + String.join(" ", b4));
                assertEquals("0.900", b4[5], "bird's timeout: " + String.join(" ", b4));
                Poll.until(
                        Duration.ofSeconds(5),
                        () -> cap.packets().stream()
                                        .anyMatch(x -> x.source().equals(t.lab.v4(2))
                                                && x.state().equals("Up"))
                                && cap.packets().stream()
                                        .anyMatch(x -> x.source().equals(t.lab.v6(3))
                                                && x.state().equals("Up")),
                        () -> cap.packets().toString());
                final List<BfdCapture.Packet> packets = cap.stop();
                final List<BfdCapture.Packet> ours4 = packets.stream()
                        .filter(x -> x.source().equals(t.lab.v4(2)))
                        .toList();
                final List<BfdCapture.Packet> ours6 = packets.stream()
                        .filter(x -> x.source().equals(t.lab.v6(3)))
                        .toList();
                assertFalse(ours4.isEmpty() || ours6.isEmpty(), packets.toString());
                for (final List<BfdCapture.Packet> l : List.of(ours4, ours6)) {
                    assertTrue(l.stream().allMatch(x -> x.ttl() == 255), "RFC 5881 §5 TTL/hop limit 255: " + l);
                    assertEquals(
                            1,
                            l.stream()
                                    .map(BfdCapture.Packet::sourcePort)
                                    .distinct()
                                    .count(),
                            "one source port per session");
                    final int port = l.get(0).sourcePort();
                    assertTrue(port >= 49152 && port <= 65535, "RFC 5881 §4 source port " + port);
                    // Down (or Init) at the slow rate, then Up.
                    assertNotEquals("Up", l.get(0).state(), l.toString());
                    assertEquals(1_000_000, l.get(0).desiredMinTxMicros());
                    assertEquals("Up", l.get(l.size() - 1).state(), l.toString());
                }
                assertEquals(
                        0,
                        s.bfdDrops().values().stream()
                                .mapToLong(Long::longValue)
                                .sum(),
                        s.bfdDrops().toString());
            }
        }
    }

    @Test
    void detectsBirdsSilenceAndHoldsBgpDownUntilBfdIsUpAgain() {
        try (Setup t = new Setup("min rx interval 300 ms; min tx interval 300 ms; multiplier 3;", Bird.FAST);
                BgpSpeaker s = t.speaker(BfdConfig.DEFAULT, -1)) {
            s.setRoutes(Speakers.routes(VIP4));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bfd(s).up()
                            && Speakers.established(s)
                            && t.bird.routes().contains("198.18.5.10/32"),
                    t.state(s));
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> bfd(s).pollSequences() > 0 && bfd(s).txIntervalMicros() == 300_000,
                    t.state(s));
            // bird's BFD packets stop (its BGP packets still flow): only BFD can notice.
            t.nft("add", "table", "inet", "lvbfd");
            t.nft(
                    "add",
                    "chain",
                    "inet",
                    "lvbfd",
                    "out",
                    "{",
                    "type",
                    "filter",
                    "hook",
                    "output",
                    "priority",
                    "0",
                    ";",
                    "}");
            t.nft("add", "rule", "inet", "lvbfd", "out", "udp", "dport", "3784", "drop");
            final long detected = Poll.until(Duration.ofSeconds(5), () -> !bfd(s).up(), t.state(s));
            System.out.println("BFD detection of bird's silence: " + detected + " ms (detection time 900 ms)");
            assertTrue(detected <= 900 + 250, "detected after " + detected + " ms");
            assertTrue(
                    detected >= 900 - 300 - 50, "not before a detection time minus one interval: " + detected + " ms");
            assertEquals("Control Detection Time Expired", bfd(s).localDiag());
            // The BGP session goes with it, and the route leaves the router.
            final long withdrawn =
                    Poll.until(Duration.ofSeconds(5), () -> !t.bird.routes().contains("198.18.5.10/32"), t.state(s));
            System.out.println("route gone at bird " + withdrawn + " ms after our BFD went Down");
            assertFalse(Speakers.established(s));
            assertEquals(
                    "Cease/BFD Down (6/10)",
                    Speakers.status(s).lastNotificationSent(),
                    Speakers.status(s).toString());
            assertTrue(bfd(s).bgpHeld());
            // Held: our reconnect backoff is 200 ms, bird's connect retry 1 s; for 3 s nothing comes up.
            Speakers.watch(Duration.ofSeconds(3), () -> !Speakers.established(s), t.state(s));
            t.nft("delete", "table", "inet", "lvbfd");
            final long back = Poll.until(
                    Duration.ofSeconds(15),
                    () -> bfd(s).up()
                            && Speakers.established(s)
                            && t.bird.routes().contains("198.18.5.10/32"),
                    t.state(s));
            System.out.println("BFD Up, BGP Established and the route back " + back + " ms after the drop rule went");
            assertEquals(1, bfd(s).flaps());
            assertEquals(1, Speakers.status(s).flaps());
        }
    }

    @Test
    void birdDetectsOurDeathByBfdLongBeforeTheHoldTimer() {
        // 30 s hold on both sides: the bare-metal case, where our forwarder's death cuts BGP and BFD alike.
        try (Setup t = new Setup(
                        "min rx interval 100 ms; min tx interval 100 ms; multiplier 3;",
                        "hold time 30; keepalive time 10; connect retry time 1; error wait time 1, 2;");
                BgpSpeaker s = t.speaker(FAST, 30)) {
            s.setRoutes(Speakers.routes(VIP4));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bfd(s).up()
                            && t.birdBfdUp(t.lab.v4(2))
                            && t.bird.routes().contains("198.18.5.10/32")
                            && Speakers.status(s).negotiatedHoldSeconds() == 30,
                    t.state(s));
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> bfd(s).detectionTimeMicros() == 300_000
                            && !t.birdBfd(t.lab.v4(2))[5].equals("0.000")
                            && t.birdBfd(t.lab.v4(2))[5].equals("0.300"),
                    t.state(s));
            t.nft("add", "table", "inet", "lvbfd");
            t.nft(
                    "add",
                    "chain",
                    "inet",
                    "lvbfd",
                    "in",
                    "{",
                    "type",
                    "filter",
                    "hook",
                    "input",
                    "priority",
                    "0",
                    ";",
                    "}");
            t.nft("add", "rule", "inet", "lvbfd", "in", "ip", "saddr", t.lab.v4(2), "drop");
            final long gone =
                    Poll.until(Duration.ofSeconds(10), () -> !t.bird.routes().contains("198.18.5.10/32"), t.state(s));
            System.out.println(
                    "bird withdrew our route " + gone + " ms after our packets stopped (BFD 100 ms x 3, hold 30 s)");
            assertTrue(gone <= 300 + 700, "bird took " + gone + " ms");
            assertTrue(t.bird.protocol("p4").contains("BFD session down"), t.bird.protocol("p4"));
            // Our side heard bird's Down and holds BGP until the path is back.
            Poll.until(Duration.ofSeconds(5), () -> bfd(s).bgpHeld(), t.state(s));
            t.nft("delete", "table", "inet", "lvbfd");
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bfd(s).up() && t.bird.routes().contains("198.18.5.10/32"),
                    t.state(s));
        }
    }

    @Test
    void weSendAtBirdsMinRxAndItSendsAtOurs() {
        // bird: min rx 600 ms, min tx 100 ms. Ours: 100 ms both. We must slow to 600 ms; bird may send at 100 ms.
        try (Setup t = new Setup("min rx interval 600 ms; min tx interval 100 ms; multiplier 3;", Bird.FAST);
                BgpSpeaker s = t.speaker(FAST, -1)) {
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bfd(s).up()
                            && bfd(s).pollSequences() > 0
                            && bfd(s).txIntervalMicros() == 600_000
                            && bfd(s).remoteMinTxMicros() == 100_000,
                    t.state(s));
            assertEquals(300_000, bfd(s).detectionTimeMicros(), "bird's mult 3 x max(our rx 100, its tx 100)");
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> t.birdBfd(t.lab.v4(2)).length > 0 && t.birdBfd(t.lab.v4(2))[5].equals("1.800"),
                    t.state(s));
            final BfdCapture cap = new BfdCapture(t.lab, t.lab.rootIf, "negotiation");
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> cap.packets().stream()
                                    .filter(x -> x.source().equals(t.lab.v4(2)))
                                    .count()
                            >= 20,
                    t.state(s));
            final List<BfdCapture.Packet> packets = cap.stop();
            final List<BfdCapture.Packet> ours = packets.stream()
                    .filter(x -> x.source().equals(t.lab.v4(2)) && !x.fin())
                    .toList();
            final List<BfdCapture.Packet> birds = packets.stream()
                    .filter(x -> x.source().equals(t.lab.v4(1)) && !x.fin())
                    .toList();
            final List<Double> g = BfdCapture.gaps(ours);
            final double min = g.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            final double max = g.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            final double mean =
                    g.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            final double birdMean = BfdCapture.gaps(birds).stream()
                    .mapToDouble(Double::doubleValue)
                    .average()
                    .orElseThrow();
            System.out.printf(
                    "our gaps (bird's min rx 600 ms): %d, min %.3f s, mean %.3f s, max %.3f s; bird's mean gap %.3f s%n",
                    g.size(), min, mean, max, birdMean);
            // §6.8.7: 75..100 % of 600 ms, with a few ms for scheduling.
            assertTrue(min >= 0.450 - 0.005, "min gap " + min);
            assertTrue(max <= 0.600 + 0.030, "max gap " + max);
            assertTrue(mean >= 0.48 && mean <= 0.60, "mean gap " + mean);
            assertTrue(birdMean < 0.15, "bird sends at max(its tx 100, our rx 100): mean " + birdMean);
            assertTrue(ours.stream()
                    .allMatch(x -> x.desiredMinTxMicros() == 100_000 && x.requiredMinRxMicros() == 100_000));
        }
    }

    @Test
    void pollFinalWhenWeChangeOurMinTxLive() {
        try (Setup t = new Setup("min rx interval 100 ms; min tx interval 100 ms; multiplier 3;", Bird.FAST);
                BgpSpeaker s = t.speaker(FAST, -1)) {
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bfd(s).up()
                            && !t.birdBfd(t.lab.v4(2)).equals(new String[0])
                            && t.birdBfd(t.lab.v4(2))[5].equals("0.300"),
                    t.state(s));
            final long polls = bfd(s).pollSequences();
            final BfdCapture cap = new BfdCapture(t.lab, t.lab.rootIf, "poll");
            s.setBfd(t.lab.addr4(1), new BfdConfig(500_000, 100_000, 3));
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> bfd(s).pollSequences() == polls + 1 && bfd(s).txIntervalMicros() == 500_000,
                    t.state(s));
            // bird's timeout follows: our mult 3 x max(its rx 100 ms, our tx 500 ms).
            Poll.until(Duration.ofSeconds(5), () -> t.birdBfd(t.lab.v4(2))[5].equals("1.500"), t.state(s));
            Poll.until(
                    Duration.ofSeconds(10),
                    () -> cap.packets().stream()
                                    .filter(x -> x.source().equals(t.lab.v4(2))
                                            && !x.poll()
                                            && x.desiredMinTxMicros() == 500_000)
                                    .count()
                            >= 4,
                    () -> cap.packets().toString());
            final List<BfdCapture.Packet> packets = cap.stop();
            int poll = -1;
            for (int i = 0; i < packets.size() && poll < 0; i++) {
                final BfdCapture.Packet x = packets.get(i);
                if (x.source().equals(t.lab.v4(2)) && x.poll() && x.desiredMinTxMicros() == 500_000) {
                    poll = i;
                }
            }
            assertTrue(poll >= 0, "our Poll: " + packets);
            final int p = poll;
            final BfdCapture.Packet fin = packets.subList(p, packets.size()).stream()
                    .filter(x -> x.source().equals(t.lab.v4(1)) && x.fin())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(packets));
            System.out.printf(
                    "our Poll at %.3f s, bird's Final %.1f ms later%n",
                    packets.get(p).time(), (fin.time() - packets.get(p).time()) * 1000);
            assertFalse(fin.poll());
            // After the Final: no more P from us, at the new rate.
            final List<BfdCapture.Packet> after = packets.stream()
                    .filter(x -> x.source().equals(t.lab.v4(2)) && x.time() > fin.time())
                    .toList();
            assertFalse(after.isEmpty());
            assertTrue(after.stream().noneMatch(BfdCapture.Packet::poll), after.toString());
            assertTrue(
                    BfdCapture.gaps(after).stream().allMatch(gap -> gap >= 0.375 - 0.005),
                    BfdCapture.gaps(after).toString());
            assertTrue(bfd(s).up());
        }
    }

    /** 60 s at 100 ms x 3 against bird (FRR gets the shorter checks only, to keep CI time down). */
    @Test
    void noFlapInSixtySecondsAt100Ms() {
        try (Setup t = new Setup("min rx interval 100 ms; min tx interval 100 ms; multiplier 3;", Bird.FAST);
                BgpSpeaker s = t.speaker(FAST, -1)) {
            s.setRoutes(Speakers.routes(VIP4));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bfd(s).up()
                            && Speakers.established(s)
                            && t.birdBfdUp(t.lab.v4(2))
                            && t.bird.routes().contains("198.18.5.10/32"),
                    t.state(s));
            final String since = t.birdBfd(t.lab.v4(2))[3];
            final long sent0 = bfd(s).packetsSent();
            final long received0 = bfd(s).packetsReceived();
            Speakers.watch(Duration.ofSeconds(60), () -> bfd(s).up() && Speakers.established(s), t.state(s));
            final String[] b = t.birdBfd(t.lab.v4(2));
            assertEquals("Up", b[2]);
            // bird prints "since" as wall-clock time worked out from its monotonic clock at each
            // query, so the same session's value can move by a millisecond between two queries; a
            // restart would move it by at least the detection time (300 ms here).
            final long moved = Math.abs(
                    java.time.Duration.between(java.time.LocalTime.parse(since), java.time.LocalTime.parse(b[3]))
                            .toMillis());
            assertTrue(moved < 50, "bird's session has not restarted: since " + since + ", now " + b[3]);
            assertEquals(0, bfd(s).flaps());
            assertEquals(1, bfd(s).upTransitions());
            assertEquals(0, Speakers.status(s).flaps());
            final long sent = bfd(s).packetsSent() - sent0;
            final long received = bfd(s).packetsReceived() - received0;
            System.out.println(
                    "60 s at 100 ms x 3: sent " + sent + ", received " + received + ", drops " + s.bfdDrops());
            // 60 s / (87.5 ms on average) is about 686 each way.
            assertTrue(sent > 600 && sent < 820, "sent " + sent);
            assertTrue(received > 600 && received < 820, "received " + received);
        }
    }
}
