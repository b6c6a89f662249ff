package io.levitate.forwarder.config;

import io.levitate.forwarder.config.ConfigPlan.ServiceChange;
import io.levitate.forwarder.config.ConfigPlan.Status;
import io.levitate.maglev.TableDiff;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code levitate plan}: what changes per service, and the share of new flows that moves. */
class ConfigPlanTest
{
    /** A file with one service of ten backends 10.0.2.11..20, plus the given extra lines. */
    private static String tenBackends(final String backendTail, final String extraServices)
    {
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
        for (int i = 11; i <= 20; i++)
        {
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

    private static ConfigPlan plan(final String before, final String after)
    {
        return ConfigPlan.between(ConfigTesting.valid(before), ConfigTesting.valid(after));
    }

    private static ServiceChange service(final ConfigPlan plan, final String name)
    {
        return plan.services().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void removingOneOfTenBackendsMovesAboutATenth()
    {
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
        assertTrue(text.contains("~ service web 198.18.0.10:80/tcp: changed\n"
            + "    - backend 10.0.2.20:80 (was weight 100, active)\n"
            + "    table size 65537 (unchanged)\n"
            + "    new flows that move to another backend: " + ConfigPlan.percent(web.movedShare()) + "\n"), text);
        assertTrue(text.contains("      10.0.2.20:80 10.00% -> 0.00%\n"), text);
        assertTrue(text.contains("= service dns 198.18.0.53:53/udp: unchanged"), text);
        assertTrue(text.endsWith("summary: 0 added, 0 removed, 1 changed, 1 unchanged\n"), text);
    }

    @Test
    void aWeightChangeMovesTheSharesItShifts()
    {
        final String before = tenBackends("", "");
        final String after = before.replace("      - address: 10.0.2.11\n",
            "      - address: 10.0.2.11\n        weight: 200\n");
        final ConfigPlan plan = plan(before, after);
        final ServiceChange web = service(plan, "web");
        assertEquals(List.of("~ backend 10.0.2.11:80 weight 100 -> 200"), web.changes());
        // 10.0.2.11 goes from 1/10 to 2/11 of the table: at least that difference (~8 %) moves.
        assertTrue(web.movedShare() > 0.08 && web.movedShare() < 0.2, "moved " + web.movedShare());
        final LevitateConfig a = ConfigTesting.valid(before);
        final LevitateConfig b = ConfigTesting.valid(after);
        assertEquals(TableDiff.between(a.buildTables().get("web"), b.buildTables().get("web")).movedShare(),
            web.movedShare(), "the share is maglev's exact diff");
        assertTrue(web.shareChanges().get(0).startsWith("10.0.2.11:80 10.00% -> 18.1"), web.shareChanges().toString());
    }

    @Test
    void drainingABackendMovesItsNewFlowsAndShowsTheState()
    {
        final String before = tenBackends("", "");
        final String after = before.replace("      - address: 10.0.2.15\n",
            "      - address: 10.0.2.15\n        state: drain\n");
        final ServiceChange web = service(plan(before, after), "web");
        assertEquals(List.of("~ backend 10.0.2.15:80 state active -> drain"), web.changes());
        assertTrue(web.movedShare() >= 0.099 && web.movedShare() < 0.13, "moved " + web.movedShare());
    }

    @Test
    void addingAndRemovingServices()
    {
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
        assertTrue(text.contains("+ service api 198.18.0.20:443/tcp: added, 2 backends, table size 251, digest "
            + service(plan, "api").digestAfter() + "\n"), text);
        assertTrue(text.contains("- service old 198.18.0.30:443/tcp: removed (had 1 backends, digest "), text);
        assertTrue(text.endsWith("summary: 1 added, 1 removed, 0 changed, 2 unchanged\n"), text);
    }

    @Test
    void anUnchangedServiceKeepsItsDigestWhateverElseChanges()
    {
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
    void tableSizeAndSeedChangesAreCalledOut()
    {
        final String before = tenBackends("", "");
        final String resized = before.replace("    protocol: tcp\n", "    protocol: tcp\n    table_size: 131071\n");
        final ServiceChange web = service(plan(before, resized), "web");
        assertEquals(List.of("table size 65537 -> 131071 (a new size reshuffles nearly every slot)"), web.changes());
        assertTrue(web.movedShare() > 0.8, "moved " + web.movedShare());

        final ConfigPlan reseeded = plan(before, before.replace("hash_seed: 0x6c657669746174", "hash_seed: 1"));
        assertTrue(service(reseeded, "dns").movedShare() > 0.3);
        assertEquals(Status.CHANGED, service(reseeded, "dns").status(), "same keys, different table");
        assertTrue(reseeded.render("a", "b").contains(
            "hash_seed 0x6c657669746174 -> 0x1: every table is rebuilt; nearly all new flows move\n"));
    }
}
