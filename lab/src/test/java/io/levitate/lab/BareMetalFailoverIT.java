package io.levitate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bare-metal Levitate (lb2: its kernel's BGP session crosses the forwarder's exception path)
 * crashed and left down long enough for its announcer to back off, then restarted: back in the
 * router's ECMP route within seconds all the same. The prompt kills and stops of both styles
 * under both routers are {@link FailoverMatrix}'s.
 */
class BareMetalFailoverIT {
    /** How long the crashed forwarder stays down: longer than the 8 s the announcer's backoff reaches without BFD. */
    private static final long OUTAGE_MS = 12_000;

    private Lab lab;

    @BeforeEach
    void up() throws Exception {
        lab = new Lab();
    }

    @AfterEach
    void down() {
        if (lab != null) {
            lab.close();
        }
    }

    /**
     * lb2's forwarder crashes (SIGKILL) and stays down for 12 s while its announcer runs on: its
     * session died with the exception path, and the announcer either waits for BFD to come Up
     * again (the lab's peers run BFD, which holds BGP down meanwhile) or, without BFD, backs off
     * to 8 s between connects from the vanished address. Then it starts again: both ECMP
     * nexthops within 5 s of the new forwarder forwarding, however long the outage was.
     */
    @Test
    void aCrashedBareMetalForwarderIsBackInTheRouterWithin5sOfForwarding() throws Exception {
        final Path announcerLog = lab.dir.resolve("announcer-2.log");
        final int linesBefore =
                Files.readAllLines(announcerLog, StandardCharsets.UTF_8).size();
        final ProcessHandle old = lab.process("forwarder-2");
        final long t0 = System.nanoTime();
        assertTrue(old.destroyForcibly(), "SIGKILL sent");
        old.onExit().get(15, TimeUnit.SECONDS);
        Lab.until(
                Duration.ofSeconds(10),
                () -> lab.routerNexthops(4) == 1,
                () -> "the router still has " + lab.routerNexthops(4) + " nexthops after the kill");
        Thread.sleep(Math.max(0, OUTAGE_MS - (System.nanoTime() - t0) / 1_000_000));
        lab.ok("kill-forwarder", "2");
        final Lab.Rejoin rejoin = lab.rejoin(2);
        final Json after = lab.client("get", "--vip", Lab.VIP4, "--count", "20");
        final String announcer = Files.readString(announcerLog, StandardCharsets.UTF_8);
        System.out.println(
                "LAB bare-metal-crash-restart: forwarder 2 killed; restarted " + OUTAGE_MS / 1000 + " s later ("
                        + (announcer.contains("BGP may connect again") ? "BGP held down by BFD meanwhile, " : "")
                        + "the announcer's longest backoff " + longestBackoffSince(announcerLog, linesBefore)
                        + " ms); the new forwarder forwarded "
                        + rejoin.forwardingMs() + " ms after start-lb; both ECMP nexthops again " + rejoin.backMs()
                        + " ms after that (limit 5000), IPv6 " + rejoin.v6Ms() + " ms later; 20 requests after: "
                        + after.number("ok") + " ok");
        assertEquals(0, after.number("errors"), after.toString());
        assertTrue(
                rejoin.backMs() <= 5_000, "both nexthops " + rejoin.backMs() + " ms after the new forwarder forwarded");
    }

    /** The longest "next attempt in N ms" the announcer logged after its first SKIP lines. */
    private static long longestBackoffSince(final Path log, final int skip) {
        long longest = 0;
        try {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            final Pattern p = Pattern.compile("next attempt in (\\d+) ms");
            for (final String line : lines.subList(Math.min(skip, lines.size()), lines.size())) {
                final Matcher m = p.matcher(line);
                if (m.find()) {
                    longest = Math.max(longest, Long.parseLong(m.group(1)));
                }
            }
        } catch (final java.io.IOException e) {
            return -1;
        }
        return longest;
    }
}
