package io.levitate.bgp.it;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.fsm.BgpSpeaker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our speaker (root namespace) against bird2 2.0 (its own namespace): attributes as bird's RIB
 * shows them, v4 and v6, 4-byte ASN, iBGP, withdraw, MD5 right and wrong, peer restart, hung peer,
 * graceful shutdown.
 */
class BirdInteropIT {
    private static Lab lab;
    private static Bird bird;
    private static final InetAddress VIP4 = Lab.parse("198.18.0.10");
    /** Our listener for the passive test: not 179, so the root namespace's port 179 stays free. */
    private static final int PASSIVE_PORT = 1179;

    private static final InetAddress VIP6 = Lab.parse("2001:db8:10::10");

    @BeforeAll
    static void startBird() {
        lab = new Lab();
        final String conf = """
            router id %1$s;
            protocol device { }
            template bgp lb {
              local %1$s as 65000;
              %2$s
              ipv4 { import all; export none; };
              ipv6 { import all; export none; };
            }
            protocol bgp p_ebgp from lb { neighbor %3$s as 65001; }
            protocol bgp p_as4 from lb { neighbor %4$s as 4200000001; }
            protocol bgp p_md5 from lb { neighbor %5$s as 65002; password "s3cret"; }
            protocol bgp p_ibgp from lb { neighbor %6$s as 65000; direct; }
            protocol bgp p_passive from lb { neighbor %7$s port %8$d as 65006; }
            """.formatted(
                        lab.v4(1), Bird.FAST, lab.v4(2), lab.v4(3), lab.v4(4), lab.v4(5), lab.v4(6), PASSIVE_PORT);
        bird = new Bird(lab, "bird", conf);
    }

    @AfterAll
    static void stopBird() {
        if (bird != null) {
            bird.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static BgpSpeaker speaker(final long as, final int host, final String md5) {
        return Speakers.start(Speakers.config(as, host, List.of(Speakers.peer(lab, 65000, host, md5))));
    }

    private static String routeBlock(final String routes, final String prefix) {
        final int at = routes.indexOf(prefix);
        if (at < 0) {
            return "";
        }
        final int next = routes.indexOf("\n" + "Table", at);
        final String rest = routes.substring(at);
        final int end = rest.indexOf("\n", rest.indexOf("BGP.") + 1);
        return next < 0 ? rest : routes.substring(at, next);
    }

    @Test
    void ebgpRoutesWithAttributesThenWithdraw() {
        try (BgpSpeaker s = speaker(65001, 2, null)) {
            s.setRoutes(Speakers.routes(VIP4, VIP6));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bird.routes().contains("198.18.0.10/32")
                            && bird.routes().contains("2001:db8:10::10/128"),
                    () -> bird.protocol("p_ebgp") + bird.routes());
            final String routes = bird.birdc("show", "route", "all", "protocol", "p_ebgp");
            assertTrue(routes.contains("BGP.origin: IGP"), routes);
            assertTrue(routes.contains("BGP.as_path: 65001"), routes);
            assertTrue(routes.contains("BGP.next_hop: " + lab.v4(2)), routes);
            assertTrue(routes.contains("BGP.next_hop: " + lab.v6(2)), routes);
            assertTrue(routes.contains("BGP.med: 100"), routes);
            assertTrue(routes.contains("BGP.community: (65001,100)"), routes);
            assertTrue(routes.contains("BGP.large_community: (65001, 1, 2)"), routes);
            assertTrue(
                    Speakers.status(s).prefixesV4() == 1 && Speakers.status(s).prefixesV6() == 1,
                    Speakers.status(s).toString());

            s.setRoutes(Speakers.routes(VIP6));
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> !bird.birdc("show", "route", "protocol", "p_ebgp").contains("198.18.0.10/32"),
                    bird::routes);
            s.setRoutes(Speakers.routes());
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> !bird.birdc("show", "route", "protocol", "p_ebgp").contains("2001:db8:10::10"),
                    bird::routes);
            assertTrue(bird.established("p_ebgp"), "a route change never resets the session");
            assertEquals(0, Speakers.status(s).flaps());
        }
    }

    @Test
    void fourByteAsn() {
        try (BgpSpeaker s = speaker(4_200_000_001L, 3, null)) {
            s.setRoutes(Speakers.routes(Lab.parse("198.18.0.11")));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bird.birdc("show", "route", "all", "protocol", "p_as4")
                            .contains("BGP.as_path: 4200000001"),
                    () -> bird.protocol("p_as4") + bird.routes());
        }
    }

    @Test
    void ibgpSendsLocalPrefAndEmptyAsPath() {
        try (BgpSpeaker s = Speakers.start(Speakers.config(65000, 5, List.of(Speakers.peer(lab, 65000, 5, null))))) {
            s.setRoutes(Speakers.routes(Lab.parse("198.18.0.15")));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bird.birdc("show", "route", "all", "protocol", "p_ibgp")
                            .contains("198.18.0.15/32"),
                    () -> bird.protocol("p_ibgp") + bird.routes());
            final String routes = bird.birdc("show", "route", "all", "protocol", "p_ibgp");
            assertTrue(routes.contains("BGP.local_pref: 100"), routes);
            assertTrue(
                    routes.contains("BGP.as_path: \n")
                            || routes.contains("BGP.as_path:\n")
                            || routes.matches("(?s).*BGP.as_path: *\n.*"),
                    routes);
        }
    }

    @Test
    void passivePeerConnectsToOurListener() {
        final io.levitate.bgp.PeerConfig passive =
                new io.levitate.bgp.PeerConfig(lab.addr4(1), 65000, 179, null, null, null, null, true, -1);
        final io.levitate.bgp.SpeakerConfig base = Speakers.config(65006, 6, List.of(passive));
        final io.levitate.bgp.SpeakerConfig cfg = new io.levitate.bgp.SpeakerConfig(
                base.localAs(),
                base.routerId(),
                base.holdTimeSeconds(),
                base.connectRetryMillis(),
                base.gracefulShutdownMillis(),
                base.med(),
                base.communities(),
                base.largeCommunities(),
                base.gracefulRestartSeconds(),
                new java.net.InetSocketAddress(lab.addr4(6), PASSIVE_PORT),
                base.peers());
        try (BgpSpeaker s = Speakers.start(cfg)) {
            assertEquals("Active", Speakers.status(s).state(), "a passive session waits");
            s.setRoutes(Speakers.routes(Lab.parse("198.18.0.16")));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bird.birdc("show", "route", "all", "protocol", "p_passive")
                            .contains("BGP.next_hop: " + lab.v4(6)),
                    () -> bird.protocol("p_passive") + Speakers.status(s));
        }
    }

    @Test
    void md5RightKeyEstablishesWrongKeyFailsCleanly() {
        try (BgpSpeaker wrong = speaker(65002, 4, "wrong-key")) {
            // The peer drops unsigned-correctly segments silently: we see connect timeouts, back off, never crash.
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> Speakers.status(wrong).lastError() != null
                            && Speakers.status(wrong).lastError().contains("timed out"),
                    () -> Speakers.status(wrong).toString());
            assertFalse(Speakers.established(wrong));
            assertFalse(bird.established("p_md5"));
        }
        try (BgpSpeaker right = speaker(65002, 4, "s3cret")) {
            right.setRoutes(Speakers.routes(Lab.parse("198.18.0.14")));
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> bird.birdc("show", "route", "protocol", "p_md5").contains("198.18.0.14/32"),
                    () -> bird.protocol("p_md5") + Speakers.status(right));
        }
    }

    @Test
    void peerRestartSessionComesBackAndRoutesReturn() {
        try (BgpSpeaker s = speaker(65001, 2, null)) {
            s.setRoutes(Speakers.routes(VIP4));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bird.birdc("show", "route", "protocol", "p_ebgp").contains("198.18.0.10/32"),
                    bird::routes);
            bird.stop();
            Poll.until(
                    Duration.ofSeconds(10),
                    () -> !Speakers.established(s),
                    () -> Speakers.status(s).toString());
            bird.start();
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> bird.birdc("show", "route", "protocol", "p_ebgp").contains("198.18.0.10/32"),
                    () -> Speakers.status(s) + bird.protocol("p_ebgp"));
            assertEquals(1, Speakers.status(s).flaps());
        }
    }

    @Test
    void hungPeerIsDroppedByOurHoldTimer() {
        try (BgpSpeaker s = speaker(65001, 2, null)) {
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> Speakers.established(s),
                    () -> Speakers.status(s).toString());
            bird.signal("STOP");
            try {
                final long ms = Poll.until(
                        Duration.ofSeconds(8),
                        () -> !Speakers.established(s),
                        () -> Speakers.status(s).toString());
                System.out.println("hung peer: session dropped " + ms + " ms after SIGSTOP (hold time 3 s)");
                assertTrue(
                        Speakers.status(s).lastNotificationSent().startsWith("Hold Timer Expired"),
                        Speakers.status(s).toString());
            } finally {
                bird.signal("CONT");
            }
        }
    }

    @Test
    void gracefulShutdownSendsGshutCommunityThenWithdrawsThenCease() {
        try (BgpSpeaker s = speaker(65001, 2, null)) {
            s.setRoutes(Speakers.routes(VIP4));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> bird.birdc("show", "route", "protocol", "p_ebgp").contains("198.18.0.10/32"),
                    bird::routes);
            final var done = s.gracefulShutdown("levitate maintenance");
            Poll.until(
                    Duration.ofSeconds(3),
                    () -> bird.birdc("show", "route", "all", "protocol", "p_ebgp")
                            .contains("(65535,0)"),
                    bird::routes);
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> !bird.birdc("show", "route", "protocol", "p_ebgp").contains("198.18.0.10/32"),
                    bird::routes);
            done.join();
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> bird.protocol("p_ebgp").contains("levitate maintenance"),
                    () -> bird.protocol("p_ebgp"));
            assertFalse(Speakers.established(s));
        }
    }
}
