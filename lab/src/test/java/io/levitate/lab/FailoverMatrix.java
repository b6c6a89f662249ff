package io.levitate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The failover matrix of one router (lab.sh's LAB_ROUTER: {@link BirdFailoverMatrixIT},
 * {@link FrrFailoverMatrixIT}): each Levitate style, lb1 kernel-homed ("shared veth": its BGP and
 * BFD go through its kernel, so a dead forwarder is noticed by the announcer's heartbeat check,
 * which withdraws) and lb2 bare metal (BGP and BFD cross the forwarder's exception path, so a dead
 * forwarder silences them and the router's BFD notices), times each end of its forwarder, SIGKILL
 * (a crash) and SIGTERM (a stop: withdraw first, forward on for the stop grace), under 120
 * long-lived connections; each case ends with the forwarder restarted.
 *
 * <p>The bounds, each case: the Levitate's nexthop gone from the router's FIB (read with
 * {@code ip route} in its namespace) within 1 s of the signal; no connection broken, through the
 * failure and through the rejoin; both ECMP nexthops back within 5 s of the new forwarder
 * forwarding. One lab for the four cases (a bring-up costs seconds); each case first makes sure
 * both Levitates are in, so one failed case does not fail the next. Each case prints one line:
 * {@code LAB failover ROUTER STYLE SIGNAL: key=value ...} (README, "Failover figures").
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class FailoverMatrix {
    private static final int CONNECTIONS = 120;
    private static final long FIB_GONE_LIMIT_MS = 1_000;
    private static final long REJOIN_LIMIT_MS = 5_000;
    /** instance.stop_grace's default; the lab's configuration does not set it. */
    private static final long STOP_GRACE_MS = 2_000;

    /** The two ways a Levitate reaches the router in the lab (lab.sh's header). */
    enum Style {
        SHARED_VETH(1, "shared-veth"),
        BARE_METAL(2, "bare-metal");

        final int lb;
        final String label;

        Style(final int lb, final String label) {
            this.lb = lb;
            this.label = label;
        }
    }

    enum Signal {
        SIGKILL,
        SIGTERM
    }

    private final String router;
    private Lab lab;

    FailoverMatrix(final String router) {
        this.router = router;
    }

    @BeforeAll
    void up() throws Exception {
        lab = new Lab(Map.of("LAB_ROUTER", router));
    }

    @AfterAll
    void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void sharedVethForwarderKilled() throws Exception {
        failover(Style.SHARED_VETH, Signal.SIGKILL);
    }

    @Test
    @Order(2)
    void sharedVethForwarderStopped() throws Exception {
        failover(Style.SHARED_VETH, Signal.SIGTERM);
    }

    @Test
    @Order(3)
    void bareMetalForwarderKilled() throws Exception {
        failover(Style.BARE_METAL, Signal.SIGKILL);
    }

    @Test
    @Order(4)
    void bareMetalForwarderStopped() throws Exception {
        failover(Style.BARE_METAL, Signal.SIGTERM);
    }

    private void failover(final Style style, final Signal signal) throws Exception {
        final int n = style.lb;
        final int other = 3 - n;
        // Both Levitates in, whatever a previous case left (start-lb starts only what does not run).
        if (lab.routerNexthops(4) != 2 || lab.routerNexthops(6) != 2) {
            lab.ok("start-lb", "1");
            lab.ok("start-lb", "2");
        }
        Lab.until(
                Duration.ofSeconds(30),
                () -> lab.routerNexthops(4) == 2 && lab.routerNexthops(6) == 2,
                () -> "the router has " + lab.routerRoute(4) + lab.routerRoute(6) + lab.ok("status"));
        // And the router's BFD with both Up: it acts on a session only once it has been Up.
        lab.ok("wait-bfd", "1", "2");

        // The connections the router's ECMP hash gave Levitate N: the SYNs it forwarded to it.
        final String synCounter = "syn_to_lb" + n;
        final long synsBefore = lab.nftCounter("router", synCounter);
        final StringBuilder figures = new StringBuilder();
        try (HoldClient hold = new HoldClient(lab, Lab.VIP4, CONNECTIONS)) {
            assertEquals(CONNECTIONS, hold.opened.number("opened"), hold.opened.toString());
            final long through = lab.nftCounter("router", synCounter) - synsBefore;
            assertTrue(through > 0, "no connection went through lb" + n);
            final Json before = hold.round();
            assertEquals(CONNECTIONS, before.number("ok"), before.toString());

            final ProcessHandle forwarder = lab.process("forwarder-" + n);
            final AtomicLong exitedAt = new AtomicLong();
            final long t0 = System.nanoTime();
            assertTrue(signal == Signal.SIGKILL ? forwarder.destroyForcibly() : forwarder.destroy(), signal + " sent");
            final Thread exitWatch = Thread.ofPlatform()
                    .daemon()
                    .start(() -> Lab.until(
                            Duration.ofSeconds(15),
                            () -> Lab.exited(forwarder.pid()) && exitedAt.compareAndSet(0, System.nanoTime()),
                            () -> "forwarder " + n + " still runs"));
            // One request on every connection while the route moves: after a SIGKILL, once the
            // forwarder is gone, so those through it stall until the router sends them elsewhere;
            // after a SIGTERM at once, while the stopping forwarder still forwards.
            final CompletableFuture<Json> during = CompletableFuture.supplyAsync(() -> {
                try {
                    if (signal == Signal.SIGKILL) {
                        Lab.until(
                                Duration.ofSeconds(5),
                                () -> Lab.exited(forwarder.pid()),
                                () -> "forwarder " + n + " survived SIGKILL");
                    }
                    return hold.burst();
                } catch (final java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            final long goneMs = Lab.until(
                    Duration.ofSeconds(15),
                    () -> !lab.routerHas(4, n) && lab.routerHas(4, other),
                    () -> "the router's route is still " + lab.routerRoute(4));
            final long v6GoneMs = Lab.until(
                            Duration.ofSeconds(5),
                            () -> !lab.routerHas(6, n) && lab.routerHas(6, other),
                            () -> "the router's IPv6 route is still " + lab.routerRoute(6))
                    + goneMs;
            final Json burst = during.get(30, TimeUnit.SECONDS);
            exitWatch.join(20_000);
            assertTrue(exitedAt.get() != 0, "forwarder " + n + " exited");
            final long exitMs = (exitedAt.get() - t0) / 1_000_000;
            final Json after = hold.round();
            final boolean sessionUp =
                    signal == Signal.SIGKILL && style == Style.SHARED_VETH ? sessionEstablished(n) : false;

            // Back: the forwarder restarted (its announcer ran on throughout).
            lab.ok("kill-forwarder", Integer.toString(n));
            final Lab.Rejoin rejoin = lab.rejoin(n);
            final Json back = hold.round();

            figures.append("fib_gone_ms=")
                    .append(goneMs)
                    .append(" ipv6_gone_ms=")
                    .append(v6GoneMs)
                    .append(" connections=")
                    .append(CONNECTIONS)
                    .append(" via_lb")
                    .append(n)
                    .append('=')
                    .append(through)
                    .append(" broken=")
                    .append(burst.number("broken") + after.number("broken"))
                    .append(" stalled=")
                    .append(burst.number("stalled"))
                    .append(" slowest_ms=")
                    .append(burst.number("slowest_ms"))
                    .append(" moved=")
                    .append(burst.number("moved") + after.number("moved"))
                    .append(" forwarder_exit_ms=")
                    .append(exitMs)
                    .append(" restart_forwarding_ms=")
                    .append(rejoin.forwardingMs())
                    .append(" rejoin_ms=")
                    .append(rejoin.backMs())
                    .append(" ipv6_rejoin_ms=")
                    .append(rejoin.backMs() + rejoin.v6Ms())
                    .append(" broken_after_rejoin=")
                    .append(back.number("broken"))
                    .append(" moved_after_rejoin=")
                    .append(back.number("moved"));
            if (signal == Signal.SIGKILL && style == Style.SHARED_VETH) {
                figures.append(" bgp_session_kept=").append(sessionUp);
            }
            System.out.println("LAB failover " + router + " " + style.label + " " + signal + ": " + figures);

            assertEquals(0, burst.number("broken"), burst.toString());
            assertEquals(0, after.number("broken"), after.toString());
            assertEquals(CONNECTIONS, after.number("ok"), after.toString());
            assertEquals(
                    0, burst.number("moved") + after.number("moved"), "another backend answered: " + burst + after);
            assertTrue(goneMs <= FIB_GONE_LIMIT_MS, "route gone from the FIB " + goneMs + " ms after " + signal);
            if (signal == Signal.SIGTERM) {
                assertTrue(exitMs <= STOP_GRACE_MS + 1_000, "forwarder exited " + exitMs + " ms after SIGTERM");
                assertTrue(
                        exitMs >= goneMs,
                        "the forwarder outlived its route: exit " + exitMs + " ms, route gone " + goneMs + " ms");
            }
            if (signal == Signal.SIGKILL && style == Style.SHARED_VETH) {
                assertTrue(sessionUp, "the announcer's session stays up: it withdrew the route, it did not die");
            }
            assertTrue(
                    rejoin.backMs() <= REJOIN_LIMIT_MS,
                    "both nexthops " + rejoin.backMs() + " ms after the new forwarder forwarded");
            assertEquals(0, back.number("broken"), "broken by the rejoin: " + back);
            assertEquals(CONNECTIONS, back.number("ok"), back.toString());
            assertEquals(0, back.number("moved"), "another backend answered after the rejoin: " + back);
        }
    }

    /** Whether the router's BGP session with Levitate N is Established. */
    private boolean sessionEstablished(final int n) {
        if (router.equals("bird")) {
            return lab.routerCli("show", "protocols", "lb" + n).contains("Established");
        }
        return lab.routerCli("show", "bgp", "neighbors", "10.0." + n + ".2").contains("BGP state = Established");
    }
}
