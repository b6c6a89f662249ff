package io.levitate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * End to end, through real parts only: the client namespace's kernel TCP, bird2 doing ECMP,
 * two Levitates (DPDK af_packet forwarder + BGP announcer each), backends behind the userspace
 * GRE decapsulator with a real HTTP server. Each test builds its own lab and removes it, even
 * on failure, and prints its figures on lines starting "LAB ". A forwarder's own failures
 * (killed, stopped, restarted) under either router are the failover matrix's ({@link FailoverMatrix}).
 */
class LabIT {
    private static final Duration HEALTH = Duration.ofSeconds(15);
    private static final String BE2 = "10.0.3.12";

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

    private static void report(final String test, final String figures) {
        System.out.println("LAB " + test + ": " + figures);
    }

    private long sum(final String label) {
        return lab.counter(1, label) + lab.counter(2, label);
    }

    private static final Set<String> BACKENDS = Set.of("be1", "be2", "be3");

    /** 1. HTTP through the VIP, v4 and v6; every answer from a backend; replies bypass Levitate. */
    @Test
    void httpThroughTheVipAndRepliesBypassLevitate() {
        final Json v4 = lab.client("get", "--vip", Lab.VIP4, "--count", "40");
        final Json v6 = lab.client("get", "--vip", Lab.VIP6, "--count", "20");
        for (final Json j : new Json[] {v4, v6}) {
            assertEquals(0, j.number("errors"), j.toString());
            assertTrue(BACKENDS.containsAll(j.counts("backends").keySet()), j.toString());
        }
        assertEquals(40, v4.number("ok"));
        assertEquals(20, v6.number("ok"));
        assertTrue(v4.counts("backends").size() >= 2, "40 connections over 3 backends: " + v4);

        // Every packet the client sent to a VIP crossed a Levitate and was tunnelled (both sides
        // re-read until they agree: the client's last ACKs and the counters file trail a little).
        Lab.until(
                Duration.ofSeconds(5),
                () -> sum("service web: packets") + sum("service web6: packets")
                        == lab.clientCounter("to_vip4") + lab.clientCounter("to_vip6"),
                () -> "tunnelled " + (sum("service web: packets") + sum("service web6: packets")) + " vs sent "
                        + (lab.clientCounter("to_vip4") + lab.clientCounter("to_vip6")));
        final long toVip = lab.clientCounter("to_vip4") + lab.clientCounter("to_vip6");
        final long fromVip = lab.clientCounter("from_vip4") + lab.clientCounter("from_vip6");
        // One reading of each Levitate's counters, so its figures are from the same moment.
        final Map<String, Long> s1 = lab.stat(1);
        final Map<String, Long> s2 = lab.stat(2);
        final long tunnelled = s1.get("service web: packets")
                + s1.get("service web6: packets")
                + s2.get("service web: packets")
                + s2.get("service web6: packets");
        // lb2 runs bare-metal style: its kernel's own traffic (BGP, health checks) crosses it
        // through the exception path and is part of its tx; lb1's kernel shares its veth.
        final long fromKernel = s2.get("worker 0: exception path from kernel");
        final long toKernel = s2.get("worker 0: exception path to kernel");
        assertTrue(
                fromKernel > 0 && toKernel > 0,
                "lb2's kernel talks through the exception path: " + fromKernel + "/" + toKernel);
        assertEquals(0, s1.get("worker 0: exception path from kernel"), "lb1 has no exception path");
        final long tx = s1.get("worker 0: tx packets") + s2.get("worker 0: tx packets") - fromKernel;
        final long newFlows1 = s1.get("service web: new flows") + s1.get("service web6: new flows");
        final long newFlows2 = s2.get("service web: new flows") + s2.get("service web6: new flows");
        assertTrue(fromVip >= 3L * 60, "the client got replies from the VIP: " + fromVip);
        assertEquals(60, newFlows1 + newFlows2, "one new flow per connection");
        final long viaRouterToClient = lab.nftCounter("router", "vip_replies_to_client");
        final long viaRouterToLevitate = lab.nftCounter("router", "vip_replies_to_levitate");
        // DSR: the backends' answers went from the router straight to the client, none towards a
        // Levitate (there they would have been dropped as no_service, or handed to lb2's kernel).
        assertEquals(fromVip, viaRouterToClient, "the router forwarded every answer from the backends to the client");
        assertEquals(0, viaRouterToLevitate, "and none towards a Levitate");
        assertTrue(newFlows1 > 0 && newFlows2 > 0, "ECMP used both Levitates: " + newFlows1 + "/" + newFlows2);
        report(
                "http",
                "v4 " + v4.counts("backends") + ", v6 " + v6.counts("backends") + "; client sent " + toVip
                        + " packets to the VIPs, Levitates tunnelled " + tunnelled + " (tx " + tx
                        + "); client received "
                        + fromVip + " replies (router: " + viaRouterToClient + " backend->client, "
                        + viaRouterToLevitate
                        + " towards a Levitate), none through Levitate; new flows lb1 " + newFlows1 + ", lb2 "
                        + newFlows2
                        + "; lb2's exception path: " + toKernel + " packets to its kernel, " + fromKernel + " from it");
    }

    /** 2. ≥ 100 long-lived connections over both Levitates; one dies; none breaks. */
    @Test
    void killingALevitateBreaksNoConnection() throws Exception {
        final int n = 120;
        final long flows1 = lab.counter(1, "service web: new flows");
        final long flows2 = lab.counter(2, "service web: new flows");
        try (HoldClient hold = new HoldClient(lab, Lab.VIP4, n)) {
            assertEquals(n, hold.opened.number("opened"), hold.opened.toString());
            // Which Levitate each connection took, from their counters (`ip route get` does not
            // predict the kernel's multipath choice for forwarded packets exactly).
            Lab.until(
                    Duration.ofSeconds(5),
                    () -> sum("service web: new flows") - flows1 - flows2 == n,
                    () -> "new flows " + (sum("service web: new flows") - flows1 - flows2) + " of " + n);
            final long onLb1 = lab.counter(1, "service web: new flows") - flows1;
            assertTrue(onLb1 > 0 && onLb1 < n, "ECMP spread the connections: " + onLb1 + " of " + n + " on lb1");
            final Json before = hold.round();
            assertEquals(n, before.number("ok"), before.toString());
            final long misses2 = lab.counter(2, "worker 0: conntrack misses");

            final long t0 = System.nanoTime();
            final Process kill = lab.start("kill-lb", "1");
            final long withdrawMs = Lab.until(
                    Duration.ofSeconds(10),
                    () -> lab.nexthops(4) == 1,
                    () -> "the router still has " + lab.nexthops(4) + " nexthops");
            kill.waitFor();
            assertEquals(0, kill.exitValue());

            final Json after = hold.round();
            assertEquals(0, after.number("broken"), after.toString());
            assertEquals(0, after.number("moved"), after.toString());
            assertEquals(n, after.number("ok"), after.toString());
            // lb2 had never seen lb1's flows: it found each by Maglev, the same backend lb1 had
            // (broken 0 and moved 0 above say so), and remembered it: one conntrack miss each.
            Lab.until(
                    Duration.ofSeconds(5),
                    () -> lab.counter(2, "worker 0: conntrack misses") - misses2 >= onLb1,
                    () -> "lb2 adopted " + (lab.counter(2, "worker 0: conntrack misses") - misses2) + " of lb1's "
                            + onLb1);
            final long adopted = lab.counter(2, "worker 0: conntrack misses") - misses2;
            report(
                    "kill-levitate",
                    n + " connections (" + onLb1 + " through lb1), backends " + hold.opened.counts("backends")
                            + "; lb1 killed, route withdrawn after " + withdrawMs + " ms ("
                            + (System.nanoTime() - t0) / 1_000_000
                            + " ms until the round); broken " + after.number("broken") + ", moved "
                            + after.number("moved")
                            + ", lb2 adopted " + adopted + " flows");
        }
    }

    private boolean backendUp(final int levitate, final String address) {
        return lab.counter(levitate, "backend web/" + address + ":80: up") == 1;
    }

    /** 3. A backend's HTTP server stops: health checks mark it down; others' connections are untouched. */
    @Test
    void aFailedBackendLosesOnlyItsOwnConnections() throws Exception {
        final int n = 90;
        try (HoldClient hold = new HoldClient(lab, Lab.VIP4, n)) {
            final Map<String, Long> backends = hold.opened.counts("backends");
            final long onBe2 = backends.getOrDefault("be2", 0L);
            assertTrue(onBe2 > 0, backends.toString());
            lab.ok("stop-httpd", "2");
            final long downMs = Lab.until(
                    HEALTH,
                    () -> !backendUp(1, BE2) && !backendUp(2, BE2),
                    () -> "be2 still up: lb1 " + backendUp(1, BE2) + ", lb2 " + backendUp(2, BE2));
            assertTrue(
                    backendUp(1, "10.0.3.11")
                            && backendUp(1, "10.0.3.13")
                            && backendUp(2, "10.0.3.11")
                            && backendUp(2, "10.0.3.13"),
                    "the others stay up on both");

            final Json round = hold.round();
            assertEquals(onBe2, round.number("broken"), "only be2's connections break: " + round);
            assertEquals(n - onBe2, round.number("ok"), round.toString());
            assertEquals(0, round.number("moved"), round.toString());

            final Json fresh = lab.client("get", "--vip", Lab.VIP4, "--count", "30");
            assertEquals(0, fresh.number("errors"), fresh.toString());
            assertFalse(fresh.counts("backends").containsKey("be2"), fresh.toString());
            report(
                    "backend-down",
                    n + " connections " + backends + "; be2 stopped, marked down on both after " + downMs
                            + " ms; " + round.number("broken") + " broken (all be2's), " + round.number("ok")
                            + " untouched; 30 new connections " + fresh.counts("backends") + ", 0 errors");
        }
    }

    /** 4. Draining a backend: its connections carry on, new ones go elsewhere. */
    @Test
    void aDrainedBackendKeepsItsConnectionsAndGetsNoNewOnes() throws Exception {
        final int n = 90;
        try (HoldClient hold = new HoldClient(lab, Lab.VIP4, n)) {
            final long onBe2 = hold.opened.counts("backends").getOrDefault("be2", 0L);
            assertTrue(onBe2 > 0, hold.opened.toString());
            for (final String lb : new String[] {"1", "2"}) {
                lab.ok("config", lb, "3", BE2 + "=drain");
                assertTrue(lab.ok("reload", lb).contains("web"), "reload of lb" + lb);
            }
            final Json round = hold.round();
            assertEquals(n, round.number("ok"), round.toString());
            assertEquals(0, round.number("broken"), round.toString());
            assertEquals(onBe2, round.counts("backends").getOrDefault("be2", 0L), "be2 still serves its own: " + round);

            final Json fresh = lab.client("get", "--vip", Lab.VIP4, "--count", "30");
            assertEquals(0, fresh.number("errors"), fresh.toString());
            assertFalse(fresh.counts("backends").containsKey("be2"), "no new connection on the drained be2: " + fresh);
            report(
                    "drain",
                    n + " connections, " + onBe2 + " on be2; be2 drained on both: " + round.number("ok")
                            + " of " + n + " still answered (be2 "
                            + round.counts("backends").get("be2") + "); 30 new "
                            + fresh.counts("backends"));
        }
    }

    /** 5. Reload under load, adding a backend: no connection error. */
    @Test
    void reloadingUnderLoadToAddABackendCausesNoError() throws Exception {
        lab.ok("add-backend", "4");
        final int n = 60;
        try (HoldClient hold = new HoldClient(lab, Lab.VIP4, n)) {
            final long flows0 = sum("service web: new flows");
            final Process churn = lab.start("client", "churn", "--vip", Lab.VIP4, "--seconds", "8");
            Lab.until(
                    Duration.ofSeconds(10),
                    () -> sum("service web: new flows") >= flows0 + 30,
                    () -> "churn did not start: " + sum("service web: new flows"));
            final long reloadStart = System.nanoTime();
            for (final String lb : new String[] {"1", "2"}) {
                lab.ok("config", lb, "4");
                assertTrue(lab.ok("reload", lb).contains("web"), "reload of lb" + lb);
            }
            final long reloadMs = (System.nanoTime() - reloadStart) / 1_000_000;
            final String out =
                    new String(churn.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            churn.waitFor();
            final Json load = new Json(out.lines()
                    .filter(l -> l.startsWith("{"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("churn printed no summary: " + out)));
            assertEquals(0, load.number("errors"), load.toString());
            assertTrue(load.counts("backends").containsKey("be4"), "new connections reach the added be4: " + load);
            final Json round = hold.round();
            assertEquals(0, round.number("broken"), round.toString());
            assertEquals(0, round.number("moved"), round.toString());
            report(
                    "reload",
                    "churn " + load.number("ok") + " connections " + load.counts("backends") + ", "
                            + load.number("errors") + " errors; both reloaded (be4 added) in " + reloadMs + " ms; " + n
                            + " long-lived: " + round.number("ok") + " ok, " + round.number("broken") + " broken");
        }
    }

    /**
     * 6. Full-size segments and no path MTU discovery: every link is 1500 bytes and the router
     * drops ICMP too-big, so the client's segments to a VIP, which cross a Levitate and then a
     * GRE tunnel, fit only because the backends' SYN-ACKs advertise an MSS that leaves room for
     * the tunnel (lab.sh backend_mss; in DSR a Levitate never sees a SYN-ACK, and the client
     * sizes its segments by it). 1 MiB uploads and downloads, IPv4 and IPv6, over both
     * Levitates; then, with the backends' clamp off, the same upload stalls.
     */
    @Test
    void oneMegabyteTransfersFitTheTunnelWithoutPathMtuDiscovery() {
        final long flows1 = lab.counter(1, "service web: new flows") + lab.counter(1, "service web6: new flows");
        final long flows2 = lab.counter(2, "service web: new flows") + lab.counter(2, "service web6: new flows");
        final long tooBigBefore = lab.nftCounter("router", "too_big_dropped");
        final int count = 6;
        final StringBuilder figures = new StringBuilder();
        // The largest MSS whose segments still fit the tunnel on a 1500-byte link: IPv4 in IPv4
        // GRE (24 bytes of tunnel, 40 of IPv4 and TCP), IPv6 in IPv6 GRE (44, 60).
        for (final String[] family : new String[][] {{Lab.VIP4, "1436"}, {Lab.VIP6, "1396"}}) {
            for (final String mode : new String[] {"upload", "download"}) {
                final Json j =
                        lab.client(mode, "--vip", family[0], "--count", Integer.toString(count), "--timeout", "5");
                assertEquals(0, j.number("errors"), j.toString());
                assertEquals(count, j.number("ok"), j.toString());
                assertEquals(count * (1L << 20), j.number("bytes"), j.toString());
                assertTrue(j.number("mss") <= Long.parseLong(family[1]), "the client sends segments that fit: " + j);
                figures.append(family[0])
                        .append(' ')
                        .append(mode)
                        .append(' ')
                        .append(count)
                        .append(" x 1 MiB, slowest ")
                        .append(j.number("slowest_ms"))
                        .append(" ms, client MSS ")
                        .append(j.number("mss"))
                        .append("; ");
            }
        }
        assertEquals(tooBigBefore, lab.nftCounter("router", "too_big_dropped"), "no segment was too big for a tunnel");
        final long on1 = lab.counter(1, "service web: new flows") + lab.counter(1, "service web6: new flows") - flows1;
        final long on2 = lab.counter(2, "service web: new flows") + lab.counter(2, "service web6: new flows") - flows2;
        assertTrue(on1 + on2 >= 4L * count, "a new flow per transfer at least: " + (on1 + on2));
        assertTrue(on1 > 0 && on2 > 0, "the transfers crossed both Levitates: " + on1 + "/" + on2);

        // The same uploads with the backends advertising the kernel's own MSS (1460, 1440): the
        // client's full-size segments are too big for the tunnel, the Levitate's ICMP too-big is
        // dropped on the way, and the transfer stalls. So the transfers above are a real test.
        lab.ok("backend-mss", "off");
        for (final String vip : new String[] {Lab.VIP4, Lab.VIP6}) {
            final long dropped = lab.nftCounter("router", "too_big_dropped");
            final Json stalled = lab.client("upload", "--vip", vip, "--count", "1", "--timeout", "3");
            assertEquals(1, stalled.number("errors"), stalled.toString());
            assertTrue(lab.nftCounter("router", "too_big_dropped") > dropped, "a Levitate said too big: " + stalled);
            figures.append(vip)
                    .append(" upload without the backends' clamp: client MSS ")
                    .append(stalled.number("mss"))
                    .append(", ")
                    .append(stalled.toString().replaceAll(".*\\[\"([^\"]*)\".*", "$1"))
                    .append("; ");
        }
        report("mtu", figures + "flows lb1 " + on1 + ", lb2 " + on2);
    }
}
