package io.levitate.lab;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bare-metal Levitate (lb2: its kernel's BGP session crosses the forwarder's exception path)
 * stopped, crashed and restarted under the real router: a SIGTERM withdraws its routes while it
 * still forwards, and a restarted forwarder is back in the router's ECMP route within seconds. The
 * router's FIB is read with {@code ip} directly, so the figures do not include lab.sh's start-up.
 */
class BareMetalFailoverIT
{
    /** instance.stop_grace's default; the lab's configuration does not set it. */
    private static final long STOP_GRACE_MS = 2_000;

    private Lab lab;

    @BeforeEach
    void up() throws Exception
    {
        lab = new Lab();
    }

    @AfterEach
    void down()
    {
        if (lab != null)
        {
            lab.close();
        }
    }

    private static void report(final String test, final String figures)
    {
        System.out.println("LAB " + test + ": " + figures);
    }

    /** SIGTERM of lb2's forwarder: the route leaves the FIB within 1 s, no connection breaks, exit within grace + 1 s. */
    @Test
    void sigtermOfTheBareMetalForwarderWithdrawsWhileItStillForwards() throws Exception
    {
        final int n = 120;
        final long flows2 = lab.counter(2, "service web: new flows");
        try (HoldClient hold = new HoldClient(lab, Lab.VIP4, n))
        {
            assertEquals(n, hold.opened.number("opened"), hold.opened.toString());
            Lab.until(Duration.ofSeconds(5), () -> lab.counter(2, "service web: new flows") > flows2,
                () -> "no connection went through lb2");
            final long onLb2 = lab.counter(2, "service web: new flows") - flows2;
            final Json before = hold.round();
            assertEquals(n, before.number("ok"), before.toString());
            assertEquals(2, lab.routerNexthops(4), "both Levitates carry the VIP before the stop");

            final ProcessHandle forwarder = lab.process("forwarder-2");
            final AtomicLong exitedAt = new AtomicLong();
            final long t0 = System.nanoTime();
            assertTrue(forwarder.destroy(), "SIGTERM sent");
            // The exit, seen from a thread of its own while this one watches the router.
            final Thread watch = Thread.ofPlatform().daemon().start(() ->
                Lab.until(Duration.ofSeconds(15), () -> exited(forwarder.pid()) && exitedAt.compareAndSet(0, System.nanoTime()),
                    () -> "forwarder 2 still runs"));
            final long goneMs = Lab.until(Duration.ofSeconds(15), () -> lab.routerNexthops(4) == 1,
                () -> "the router still has " + lab.routerNexthops(4) + " nexthops");
            watch.join(20_000);
            assertTrue(exitedAt.get() != 0, "forwarder 2 exited");
            final long exitMs = (exitedAt.get() - t0) / 1_000_000;
            final String route = lab.ok("exec", "router", "ip", "route", "show", Lab.VIP4);
            assertTrue(route.contains("10.0.1.2") && !route.contains("10.0.2.2"), route);

            final Json after = hold.round();
            final long v6Ms = Lab.until(Duration.ofSeconds(5), () -> lab.routerNexthops(6) == 1,
                () -> "the IPv6 VIP still has " + lab.routerNexthops(6) + " nexthops");
            report("bare-metal-stop", n + " connections (" + onLb2 + " through lb2); SIGTERM of lb2's forwarder: route gone from "
                + "the router's FIB after " + goneMs + " ms (limit 1000), forwarder exited after " + exitMs + " ms (limit "
                + (STOP_GRACE_MS + 1_000) + "); after: " + after.number("ok") + " ok, " + after.number("broken") + " broken, "
                + after.number("moved") + " moved; IPv6 route gone " + v6Ms + " ms after the IPv4 one");
            assertEquals(0, after.number("broken"), after.toString());
            assertEquals(0, after.number("moved"), after.toString());
            assertEquals(n, after.number("ok"), after.toString());
            assertTrue(goneMs <= 1_000, "route gone from the FIB " + goneMs + " ms after SIGTERM");
            assertTrue(exitMs <= STOP_GRACE_MS + 1_000, "forwarder exited " + exitMs + " ms after SIGTERM");
            assertTrue(exitMs >= goneMs, "the forwarder outlived its route: exit " + exitMs + " ms, route gone " + goneMs + " ms");
        }
        // And back: the announcer closed its sessions with a Cease while the forwarder stopped
        // (no hold timer expiry at the router), and reconnects as soon as the forwarder is back.
        final long restart = restartAndTime();
        report("bare-metal-stop-restart", lastRestart);
        assertTrue(restart <= 5_000, "both nexthops " + restart + " ms after the new forwarder forwarded");
    }

    /**
     * lb2's forwarder crashes (SIGKILL) and stays down until its announcer, which runs on, has
     * backed off to 8 s between attempts (its session died with the exception path; every
     * connect from the vanished address fails); then it starts again: both ECMP nexthops within
     * 5 s of the new forwarder forwarding.
     */
    @Test
    void aCrashedBareMetalForwarderIsBackInTheRouterWithin5sOfForwarding() throws Exception
    {
        final Path announcerLog = lab.dir.resolve("announcer-2.log");
        final int linesBefore = Files.readAllLines(announcerLog, StandardCharsets.UTF_8).size();
        final ProcessHandle old = lab.process("forwarder-2");
        assertTrue(old.destroyForcibly(), "SIGKILL sent");
        old.onExit().get(15, TimeUnit.SECONDS);
        Lab.until(Duration.ofSeconds(10), () -> lab.routerNexthops(4) == 1,
            () -> "the router still has " + lab.routerNexthops(4) + " nexthops after the kill");
        final long backedOffMs = Lab.until(Duration.ofSeconds(60), () -> longestBackoffSince(announcerLog, linesBefore) >= 8_000,
            () -> "the announcer's backoff is " + longestBackoffSince(announcerLog, linesBefore) + " ms");
        final long restart = restartAndTime();
        report("bare-metal-crash-restart", "forwarder 2 killed; restarted once its announcer backed off to "
            + longestBackoffSince(announcerLog, linesBefore) + " ms (" + backedOffMs + " ms later); " + lastRestart);
        assertTrue(restart <= 5_000, "both nexthops " + restart + " ms after the new forwarder forwarded");
    }

    private String lastRestart = "";

    /** Starts lb2 again (lab.sh start-lb 2) and returns the ms from its forwarding to both nexthops in the router's FIB. */
    private long restartAndTime() throws Exception
    {
        // The moment the new forwarder forwards is its log's "levitate: forwarding" line; the old
        // log is moved aside first, so the old forwarder's line is never read for it.
        final Path log = lab.dir.resolve("forwarder-2.log");
        Files.move(log, log.resolveSibling("forwarder-2.log.stopped"), StandardCopyOption.REPLACE_EXISTING);
        final long t0 = System.nanoTime();
        final Process start = lab.start("start-lb", "2");
        Lab.until(Duration.ofSeconds(60), () -> forwarding(log), () -> "the new forwarder does not forward: " + lab.logs());
        final long forwardingMs = (System.nanoTime() - t0) / 1_000_000;
        final long backMs = Lab.until(Duration.ofSeconds(40), () -> lab.routerNexthops(4) == 2,
            () -> "the router has " + lab.routerNexthops(4) + " nexthops: " + lab.ok("status") + lab.logs());
        assertTrue(start.waitFor(60, TimeUnit.SECONDS), "start-lb returned");
        assertEquals(0, start.exitValue());
        final long v6Ms = Lab.until(Duration.ofSeconds(10), () -> lab.routerNexthops(6) == 2,
            () -> "the IPv6 VIP has " + lab.routerNexthops(6) + " nexthops");
        final Json after = lab.client("get", "--vip", Lab.VIP4, "--count", "20");
        assertEquals(0, after.number("errors"), after.toString());
        lastRestart = "the new forwarder forwarded " + forwardingMs + " ms after start-lb; both ECMP nexthops again "
            + backMs + " ms after that (limit 5000), IPv6 " + v6Ms + " ms later; 20 requests after: " + after.number("ok") + " ok";
        return backMs;
    }

    /** The longest "next attempt in N ms" the announcer logged after its first SKIP lines. */
    private static long longestBackoffSince(final Path log, final int skip)
    {
        long longest = 0;
        try
        {
            final java.util.List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            final java.util.regex.Pattern p = java.util.regex.Pattern.compile("next attempt in (\\d+) ms");
            for (final String line : lines.subList(Math.min(skip, lines.size()), lines.size()))
            {
                final java.util.regex.Matcher m = p.matcher(line);
                if (m.find())
                {
                    longest = Math.max(longest, Long.parseLong(m.group(1)));
                }
            }
        }
        catch (final java.io.IOException e)
        {
            return -1;
        }
        return longest;
    }

    /**
     * Whether process PID has exited: gone, or a zombie. lab.sh's processes outlive their shell,
     * so whoever adopts them reaps them, here a container's init that does so only now and then
     * (up to 1.5 s late); systemd, the parent on a real machine, reaps at once.
     */
    private static boolean exited(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        }
        catch (final java.io.IOException e)
        {
            return true;
        }
    }

    private static boolean forwarding(final Path log)
    {
        try
        {
            return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains("levitate: forwarding");
        }
        catch (final java.io.IOException e)
        {
            return false;
        }
    }
}
