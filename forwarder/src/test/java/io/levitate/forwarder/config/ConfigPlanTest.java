package io.levitate.forwarder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.config.ConfigPlan.ServiceChange;
import io.levitate.forwarder.config.ConfigPlan.Status;
import io.levitate.maglev.TableDiff;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code levitate plan}: what changes per service, and the share of new flows that moves. */
class ConfigPlanTest {
    /** A file with one service of ten backends 10.0.2.11..20, plus the given extra lines. */
    private static String tenBackends(final String backendTail, final String extraServices) {
        final StringBuilder sb = new StringBuilder("""
            instance:
              name: lb1
              ports:
                - device: net_null0
              addresses:
                ipv4: 10.0.1.2
              gateways:
                ipv4: 10.0.1.1
            hash_seed: 0x6c657669746174
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends:
            """);
        for (int i = 11; i <= 20; i++) {
            sb.append("      - address: 10.0.2.").append(i).append('\n');
        }
        sb.append(backendTail).append("""
              - name: dns
                vip: 198.18.0.53
                port: 53
                protocol: udp
                backends:
                  - address: 10.0.3.1
                  - address: 10.0.3.2
            """).append(extraServices);
        return sb.toString();
    }

    /** One service "web" of n backends 10.1.(i / 250).(i % 250 + 1), with extra service lines and a seed. */
    private static String nBackends(final int n, final String serviceLines, final String seed) {
        final StringBuilder sb = new StringBuilder("""
            instance:
              name: lb1
              ports:
                - device: net_null0
              addresses:
                ipv4: 10.0.1.2
              gateways:
                ipv4: 10.0.1.1
            """)
                .append("hash_seed: ")
                .append(seed)
                .append('\n')
                .append("""
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
            """)
                .append(serviceLines)
                .append("    backends:\n");
        for (int i = 0; i < n; i++) {
            sb.append("      - {address: 10.1.")
                    .append(i / 250)
                    .append('.')
                    .append(i % 250 + 1)
                    .append("}\n");
        }
        return sb.toString();
    }

    /**
     * Second opinion on a moved share when the flow hash changes: the old and the new hash of a flow
     * are independent, so a flow keeps its backend with probability sum_i p_i q_i, the shares of
     * each backend in the old and the new table (from their slot counts, not from any sample).
     */
    private static double independentMovedShare(final String before, final String after) {
        final var a = ConfigTesting.valid(before).buildTables().get("web");
        final var b = ConfigTesting.valid(after).buildTables().get("web");
        double same = 0;
        for (int i = 0; i < a.backendCount(); i++) {
            final int j = b.indexOf(a.backend(i));
            if (j >= 0) {
                same += (double) a.slotCount(i) / a.size() * b.slotCount(j) / b.size();
            }
        }
        return 1 - same;
    }

    private static ConfigPlan plan(final String before, final String after) {
        return ConfigPlan.between(ConfigTesting.valid(before), ConfigTesting.valid(after));
    }

    private static ServiceChange service(final ConfigPlan plan, final String name) {
        return plan.services().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void removingOneOfTenBackendsMovesAboutATenth() {
        final String before = tenBackends("", "");
        final String after = before.replace("      - address: 10.0.2.20\n", "");
        final ConfigPlan plan = plan(before, after);
        final ServiceChange web = service(plan, "web");
        assertEquals(Status.CHANGED, web.status());
        assertEquals(List.of("- backend 10.0.2.20:80 (was weight 100, active)"), web.changes());
        // Its own tenth must move; Maglev's minimal disruption keeps the extra small.
        assertTrue(web.movedShare() >= 0.099 && web.movedShare() < 0.13, "moved " + web.movedShare());
        assertEquals(65537, web.sizeBefore());
        assertEquals(65537, web.sizeAfter());
        assertTrue(!web.digestBefore().equals(web.digestAfter()));
        final String text = plan.render("old.yaml", "new.yaml");
        assertTrue(
                text.contains("~ service web 198.18.0.10:80/tcp: changed\n"
                        + "    - backend 10.0.2.20:80 (was weight 100, active)\n"
                        + "    table size 65537 (unchanged)\n"
                        + "    new flows that move to another backend: " + ConfigPlan.percent(web.movedShare())
                        + " (exact, from the tables)\n"),
                text);
        assertTrue(text.contains("      10.0.2.20:80 10.00% -> 0.00%\n"), text);
        assertTrue(text.contains("= service dns 198.18.0.53:53/udp: unchanged"), text);
        assertTrue(text.endsWith("summary: 0 added, 0 removed, 1 changed, 1 unchanged\n"), text);
    }

    @Test
    void aWeightChangeMovesTheSharesItShifts() {
        final String before = tenBackends("", "");
        final String after =
                before.replace("      - address: 10.0.2.11\n", "      - address: 10.0.2.11\n        weight: 200\n");
        final ConfigPlan plan = plan(before, after);
        final ServiceChange web = service(plan, "web");
        assertEquals(List.of("~ backend 10.0.2.11:80 weight 100 -> 200"), web.changes());
        // 10.0.2.11 goes from 1/10 to 2/11 of the table: at least that difference (~8 %) moves.
        assertTrue(web.movedShare() > 0.08 && web.movedShare() < 0.2, "moved " + web.movedShare());
        final LevitateConfig a = ConfigTesting.valid(before);
        final LevitateConfig b = ConfigTesting.valid(after);
        assertEquals(
                TableDiff.between(a.buildTables().get("web"), b.buildTables().get("web"))
                        .movedShare(),
                web.movedShare(),
                "the share is maglev's exact diff");
        assertTrue(
                web.shareChanges().get(0).startsWith("10.0.2.11:80 10.00% -> 18.1"),
                web.shareChanges().toString());
    }

    @Test
    void drainingABackendMovesItsNewFlowsAndShowsTheState() {
        final String before = tenBackends("", "");
        final String after =
                before.replace("      - address: 10.0.2.15\n", "      - address: 10.0.2.15\n        state: drain\n");
        final ServiceChange web = service(plan(before, after), "web");
        assertEquals(List.of("~ backend 10.0.2.15:80 state active -> drain"), web.changes());
        assertTrue(web.movedShare() >= 0.099 && web.movedShare() < 0.13, "moved " + web.movedShare());
    }

    @Test
    void addingAndRemovingServices() {
        final String before = tenBackends("", """
              - name: old
                vip: 198.18.0.30
                port: 443
                protocol: tcp
                backends:
                  - address: 10.0.4.1
            """);
        final String after = tenBackends("", """
              - name: api
                vip: 198.18.0.20
                port: 443
                protocol: tcp
                table_size: 251
                backends:
                  - address: 10.0.5.1
                  - address: 10.0.5.2
            """);
        final ConfigPlan plan = plan(before, after);
        assertEquals(Status.ADDED, service(plan, "api").status());
        assertEquals(Status.REMOVED, service(plan, "old").status());
        assertEquals(Status.UNCHANGED, service(plan, "web").status());
        final String text = plan.render("old.yaml", "new.yaml");
        assertTrue(
                text.contains("+ service api 198.18.0.20:443/tcp: added, 2 backends, table size 251, digest "
                        + service(plan, "api").digestAfter() + "\n"),
                text);
        assertTrue(text.contains("- service old 198.18.0.30:443/tcp: removed (had 1 backends, digest "), text);
        assertTrue(text.endsWith("summary: 1 added, 1 removed, 0 changed, 2 unchanged\n"), text);
    }

    @Test
    void anUnchangedServiceKeepsItsDigestWhateverElseChanges() {
        final String before = tenBackends("", "");
        final String after = before.replace("  name: lb1\n", "  name: lb1\n  workers: 2\n")
                .replace("      - address: 10.0.2.20\n", "");
        final ConfigPlan plan = plan(before, after);
        final ServiceChange dns = service(plan, "dns");
        assertEquals(Status.UNCHANGED, dns.status());
        assertEquals(dns.digestBefore(), dns.digestAfter());
        assertEquals(0.0, dns.movedShare());
        assertEquals(List.of("instance.workers"), plan.otherChanges());
        assertTrue(plan.render("a", "b").contains("other changes: instance.workers\n"));
    }

    @Test
    void aSeedChangeIsCalledOut() {
        final String before = tenBackends("", "");
        final ConfigPlan reseeded = plan(before, before.replace("hash_seed: 0x6c657669746174", "hash_seed: 1"));
        assertTrue(service(reseeded, "dns").movedShare() > 0.3);
        assertEquals(Status.CHANGED, service(reseeded, "dns").status(), "same keys, different table");
        assertTrue(reseeded.render("a", "b")
                .contains("hash_seed 0x6c657669746174 -> 0x1: every table is rebuilt; nearly all new flows move\n"));
    }

    /**
     * Regression: the table comparison alone said 0.00 % for a change of hash fields, which moves
     * nearly every flow (the tables are identical; the hash that indexes them is not).
     */
    @Test
    void aHashFieldChangeMovesNearlyEveryFlowAndSaysItWasSampled() {
        final String before = nBackends(20, "", "42");
        final String after = nBackends(20, "    hash: source-ip\n", "42");
        final ConfigPlan plan = plan(before, after);
        final ServiceChange web = service(plan, "web");
        final double expected = independentMovedShare(before, after);
        System.out.printf(
                "5-tuple -> source-ip, 20 backends: plan %.4f%%, independent %.4f%%%n",
                100 * web.movedShare(), 100 * expected);
        assertTrue(web.movedShare() > 0.9, "moved " + web.movedShare());
        // 1 M flows: one standard error is about 0.02 %; five of them is a test that does not flake.
        assertEquals(expected, web.movedShare(), 5 * Math.sqrt(expected * (1 - expected) / 1_000_000));
        final String text = plan.render("a", "b");
        assertTrue(
                text.contains("    new flows that move to another backend: " + ConfigPlan.percent(web.movedShare())
                        + " (sampled, 1000000 flows, \u00b1"),
                text);
    }

    @Test
    void aSeedChangeMovesAllButOneInNAndSaysItWasSampled() {
        final String before = nBackends(4, "", "42");
        final String after = nBackends(4, "", "43");
        final ConfigPlan plan = plan(before, after);
        final ServiceChange web = service(plan, "web");
        final double expected = independentMovedShare(before, after);
        System.out.printf(
                "seed 42 -> 43, 4 backends: plan %.4f%%, independent %.4f%% ((N-1)/N = 75%%)%n",
                100 * web.movedShare(), 100 * expected);
        assertEquals(0.75, expected, 0.01);
        assertEquals(expected, web.movedShare(), 5 * Math.sqrt(expected * (1 - expected) / 1_000_000));
        assertTrue(plan.render("a", "b").contains(" (sampled, 1000000 flows, \u00b1"), plan.render("a", "b"));
    }

    @Test
    void aTableOnlyChangeIsExactAndSaysSo() {
        final String before = tenBackends("", "");
        final String after = before.replace("      - address: 10.0.2.20\n", "");
        final ConfigPlan plan = plan(before, after);
        final ServiceChange web = service(plan, "web");
        assertEquals(
                TableDiff.between(
                                ConfigTesting.valid(before).buildTables().get("web"),
                                ConfigTesting.valid(after).buildTables().get("web"))
                        .movedShare(),
                web.movedShare());
        assertTrue(
                plan.render("a", "b")
                        .contains("    new flows that move to another backend: " + ConfigPlan.percent(web.movedShare())
                                + " (exact, from the tables)\n"),
                plan.render("a", "b"));
    }

    /** Regression: removing one of 1000 backends changed the default M and moved 99.9 % of new flows. */
    @Test
    void removingOneOf1000BackendsMovesAboutATenthOfAPercent() {
        final String before = nBackends(1000, "", "42");
        final String after = before.replace("      - {address: 10.1.2.1}\n", "");
        final ServiceChange web = service(plan(before, after), "web");
        System.out.printf(
                "plan 1000 -> 999 backends: M %d -> %d, %.4f%% of new flows move%n",
                web.sizeBefore(), web.sizeAfter(), 100 * web.movedShare());
        assertEquals(web.sizeBefore(), web.sizeAfter());
        assertTrue(web.movedShare() <= 0.01, "moved " + web.movedShare());
        assertTrue(web.movedShare() >= 0.001, "the removed backend's own tenth of a percent moves");
    }

    @Test
    void aTableSizeChangeIsOneLineWithTheShareThatMoves() {
        final String before = tenBackends("", "");
        final String resized = before.replace("    protocol: tcp\n", "    protocol: tcp\n    table_size: 131071\n");
        final ServiceChange web = service(plan(before, resized), "web");
        assertEquals(
                List.of("table size 65537 -> 131071: " + ConfigPlan.percent(web.movedShare()) + " of new flows move"),
                web.changes());
        assertTrue(web.movedShare() > 0.8, "moved " + web.movedShare());
    }
}
