package io.levitate.bgp.it;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.bfd.BfdConfig;
import io.levitate.bgp.bfd.BfdStatus;
import io.levitate.bgp.fsm.BgpSpeaker;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our BFD against FRR 8's bfdd (bgpd with {@code neighbor X bfd}, zebra, bfdd, as user frr):
 * Up, detection of bfdd's silence with the BGP session torn down and held, FRR detecting our
 * death long before a 30 s hold timer, and a live change of bfdd's receive interval (its Poll, our
 * Final, our rate following). The 60 s steady run is BfdBirdIT's.
 */
class BfdFrrIT {
    private static Lab lab;
    private static Path run;

    @BeforeAll
    static void start() throws IOException {
        lab = new Lab();
        Files.setPosixFilePermissions(lab.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        run = Files.createDirectory(lab.dir.resolve("frr"));
        final StringBuilder bgpd = new StringBuilder("""
            frr defaults traditional
            log file %1$s/bgpd.log
            router bgp 65000
             bgp router-id %2$s
             no bgp ebgp-requires-policy
             timers bgp 10 30
            """.formatted(run, lab.v4(1)));
        final StringBuilder bfdd = new StringBuilder("log file %s/bfdd.log\nbfd\n".formatted(run));
        for (int host = 2; host <= 4; host++) {
            bgpd.append(" neighbor ")
                    .append(lab.v4(host))
                    .append(" remote-as ")
                    .append(65000 + host)
                    .append('\n');
            bgpd.append(" neighbor ").append(lab.v4(host)).append(" timers connect 1\n");
            bgpd.append(" neighbor ").append(lab.v4(host)).append(" bfd\n");
            bfdd.append(" peer ")
                    .append(lab.v4(host))
                    .append(" local-address ")
                    .append(lab.v4(1))
                    .append('\n');
            bfdd.append("  receive-interval 300\n  transmit-interval 300\n  detect-multiplier 3\n !\n");
        }
        Files.writeString(run.resolve("bgpd.conf"), bgpd);
        Files.writeString(run.resolve("bfdd.conf"), bfdd);
        Files.writeString(run.resolve("zebra.conf"), "");
        Shell.ok("chown", "-R", "frr:frr", run.toString());
        final String r = run.toString();
        for (final String daemon : List.of("zebra", "bfdd", "bgpd")) {
            Shell.ok(lab.inNs(
                    "/usr/lib/frr/" + daemon,
                    "-d",
                    "-u",
                    "frr",
                    "-g",
                    "frr",
                    "-z",
                    r + "/zserv.api",
                    "--vty_socket",
                    r,
                    "-i",
                    r + "/" + daemon + ".pid",
                    "-f",
                    r + "/" + daemon + ".conf"));
        }
        Poll.until(
                Duration.ofSeconds(10),
                () -> vtysh("show bfd peers json").contains(lab.v4(2))
                        && vtysh("show bgp summary json").contains("65000"),
                () -> vtysh("show bfd peers") + vtysh("show bgp summary"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (run != null) {
            for (final String pidFile : List.of("bgpd.pid", "bfdd.pid", "zebra.pid")) {
                final Path p = run.resolve(pidFile);
                if (Files.exists(p)) {
                    Shell.run("kill", Files.readString(p).trim());
                }
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static String vtysh(final String... commands) {
        final String[] cmd = new String[3 + 2 * commands.length];
        cmd[0] = "vtysh";
        cmd[1] = "--vty_socket";
        cmd[2] = run.toString();
        for (int i = 0; i < commands.length; i++) {
            cmd[3 + 2 * i] = "-c";
            cmd[4 + 2 * i] = commands[i];
        }
        return Shell.run(lab.inNs(cmd)).out();
    }

    /** bfdd's view of the session with our address {@code ours}: the JSON object of 'show bfd peer X json'. */
    private static String frrPeer(final String ours) {
        return vtysh("show bfd peer " + ours + " local-address " + lab.v4(1) + " json")
                .replace(" ", "");
    }

    private static boolean frrUp(final String ours) {
        return frrPeer(ours).contains("\"status\":\"up\"");
    }

    private static boolean routeAtFrr(final String vip) {
        return vtysh("show bgp ipv4 unicast json").contains(vip + "/32");
    }

    private static BgpSpeaker speaker(final int host, final BfdConfig bfd, final int hold) {
        final PeerConfig p =
                new PeerConfig(lab.addr4(1), 65000, 179, lab.addr4(host), null, null, null, false, hold).withBfd(bfd);
        return Speakers.start(Speakers.config(65000 + host, host, List.of(p)));
    }

    private static BfdStatus bfd(final BgpSpeaker s) {
        return s.bfdStatus().get(0);
    }

    private static Supplier<String> state(final BgpSpeaker s, final int host) {
        return () -> "ours: " + s.bfdStatus() + " " + Speakers.status(s) + "\nfrr: " + frrPeer(lab.v4(host))
                + vtysh("show bgp summary");
    }

    private static void nft(final String... args) {
        final String[] cmd = new String[args.length + 1];
        cmd[0] = "nft";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Shell.ok(lab.inNs(cmd));
    }

    @Test
    void detectsBfddsSilenceAndHoldsBgpDownUntilBfdIsUpAgain() {
        try (BgpSpeaker s = speaker(2, BfdConfig.DEFAULT, -1)) {
            s.setRoutes(Speakers.routes(InetAddress.ofLiteral("198.18.6.2")));
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> bfd(s).up()
                            && frrUp(lab.v4(2))
                            && Speakers.established(s)
                            && routeAtFrr("198.18.6.2")
                            && bfd(s).detectionTimeMicros() == 900_000
                            && !bfd(s).bgpHeld(),
                    state(s, 2));
            assertEquals(300_000, bfd(s).txIntervalMicros());
            nft("add", "table", "inet", "lvbfd");
            nft(
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
            nft("add", "rule", "inet", "lvbfd", "out", "ip", "daddr", lab.v4(2), "udp", "dport", "3784", "drop");
            try {
                final long detected = Poll.until(Duration.ofSeconds(5), () -> !bfd(s).up(), state(s, 2));
                System.out.println("BFD detection of bfdd's silence: " + detected + " ms (detection time 900 ms)");
                assertTrue(detected <= 900 + 250 && detected >= 900 - 300 - 50, "detected after " + detected + " ms");
                final long gone = Poll.until(Duration.ofSeconds(5), () -> !routeAtFrr("198.18.6.2"), state(s, 2));
                System.out.println("route gone at FRR " + gone + " ms after our BFD went Down");
                assertEquals("Cease/BFD Down (6/10)", Speakers.status(s).lastNotificationSent());
                Speakers.watch(Duration.ofSeconds(3), () -> !Speakers.established(s), state(s, 2));
            } finally {
                nft("delete", "table", "inet", "lvbfd");
            }
            final long back = Poll.until(
                    Duration.ofSeconds(20),
                    () -> bfd(s).up() && Speakers.established(s) && routeAtFrr("198.18.6.2"),
                    state(s, 2));
            System.out.println(
                    "FRR: BFD Up, BGP Established and the route back " + back + " ms after the drop rule went");
            assertEquals(1, bfd(s).flaps());
        }
    }

    @Test
    void frrDetectsOurDeathByBfdLongBeforeTheHoldTimer() {
        try (BgpSpeaker s = speaker(3, new BfdConfig(100_000, 100_000, 3), 30)) {
            s.setRoutes(Speakers.routes(InetAddress.ofLiteral("198.18.6.3")));
            // bfdd: 300 ms both ways, so its detection time of us is 3 x max(300, our 100) = 900 ms.
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> bfd(s).up()
                            && frrUp(lab.v4(3))
                            && routeAtFrr("198.18.6.3")
                            && Speakers.status(s).negotiatedHoldSeconds() == 30
                            && frrPeer(lab.v4(3)).contains("\"remote-transmit-interval\":100"),
                    state(s, 3));
            nft("add", "table", "inet", "lvbfd3");
            nft(
                    "add",
                    "chain",
                    "inet",
                    "lvbfd3",
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
            nft("add", "rule", "inet", "lvbfd3", "in", "ip", "saddr", lab.v4(3), "drop");
            try {
                final long gone = Poll.until(Duration.ofSeconds(10), () -> !routeAtFrr("198.18.6.3"), state(s, 3));
                System.out.println("FRR withdrew our route " + gone
                        + " ms after our packets stopped (its detection 900 ms, hold 30 s)");
                assertTrue(gone <= 900 + 800, "FRR took " + gone + " ms");
                assertFalse(frrUp(lab.v4(3)));
                Poll.until(Duration.ofSeconds(5), () -> bfd(s).bgpHeld(), state(s, 3));
            } finally {
                nft("delete", "table", "inet", "lvbfd3");
            }
            Poll.until(Duration.ofSeconds(20), () -> bfd(s).up() && routeAtFrr("198.18.6.3"), state(s, 3));
        }
    }

    @Test
    void bfddRaisesItsReceiveIntervalLivePollFinalAndWeSlowDown() {
        try (BgpSpeaker s = speaker(4, new BfdConfig(100_000, 100_000, 3), -1)) {
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> bfd(s).up() && frrUp(lab.v4(4)) && bfd(s).txIntervalMicros() == 300_000,
                    state(s, 4));
            final long finals = bfd(s).finalsSent();
            final BfdCapture cap = new BfdCapture(lab, lab.rootIf, "frr-poll");
            vtysh(
                    "configure terminal",
                    "bfd",
                    "peer " + lab.v4(4) + " local-address " + lab.v4(1),
                    "receive-interval 600");
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> bfd(s).txIntervalMicros() == 600_000 && bfd(s).finalsSent() > finals,
                    state(s, 4));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> cap.packets().stream()
                                    .filter(x -> x.source().equals(lab.v4(4)) && x.time() > 0)
                                    .count()
                            >= 12,
                    () -> cap.packets().toString());
            final List<BfdCapture.Packet> packets = cap.stop();
            int poll = -1;
            for (int i = 0; i < packets.size() && poll < 0; i++) {
                if (packets.get(i).source().equals(lab.v4(1))
                        && packets.get(i).poll()
                        && packets.get(i).requiredMinRxMicros() == 600_000) {
                    poll = i;
                }
            }
            assertTrue(poll >= 0, "bfdd's Poll: " + packets);
            final BfdCapture.Packet p = packets.get(poll);
            final BfdCapture.Packet fin = packets.subList(poll, packets.size()).stream()
                    .filter(x -> x.source().equals(lab.v4(4)) && x.fin())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(packets));
            System.out.printf(
                    "bfdd's Poll (rx 600 ms) at %.3f s, our Final %.1f ms later%n",
                    p.time(), (fin.time() - p.time()) * 1000);
            assertFalse(fin.poll());
            assertTrue(fin.time() - p.time() < 0.050, "Final without waiting for the transmit timer");
            final List<BfdCapture.Packet> after = packets.stream()
                    .filter(x -> x.source().equals(lab.v4(4)) && !x.fin() && x.time() > fin.time())
                    .toList();
            final List<Double> gaps = BfdCapture.gaps(after);
            final double mean =
                    gaps.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            System.out.printf(
                    "our gaps after bfdd's rx 600 ms: %d, min %.3f s, mean %.3f s, max %.3f s%n",
                    gaps.size(),
                    gaps.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                    mean,
                    gaps.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
            assertTrue(gaps.stream().allMatch(g -> g >= 0.450 - 0.005 && g <= 0.600 + 0.030), gaps.toString());
            assertTrue(bfd(s).up() && frrUp(lab.v4(4)));
            assertEquals(0, bfd(s).flaps());
        }
    }
}
