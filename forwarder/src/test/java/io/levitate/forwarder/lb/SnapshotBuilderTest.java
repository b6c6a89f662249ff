package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.conntrack.BackendStates;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.maglev.BackendState;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a health transition does to the published tables. */
class SnapshotBuilderTest {
    private static final String CONFIG = """
        instance:
          name: t
          ports: [{device: "net_null0"}]
          addresses: {ipv4: 10.0.1.2}
          gateways: {ipv4: 10.0.1.1}
        hash_seed: 1
        services:
          - name: web
            vip: 198.18.0.10
            port: 80
            protocol: tcp
            backends: [{address: 10.0.2.11}, {address: 10.0.2.12}, {address: 10.0.2.13}]
          - name: dns
            vip: 198.18.0.10
            port: 53
            protocol: udp
            backends: [{address: 10.0.3.21}, {address: 10.0.3.22}]
        """;

    @Test
    void aDownBackendChangesOnlyItsServicesTableAndKeepsIds() {
        final LevitateConfig config = ConfigReader.parse(CONFIG, "t.yaml").config();
        final SnapshotBuilder builder = new SnapshotBuilder();
        final DataPlaneSnapshot healthy = builder.build(config, Map.of());
        final DataPlaneSnapshot oneDown = builder.build(config, Map.of("web/10.0.2.12:80", BackendState.DOWN));

        final ServiceState webBefore = healthy.services().get(0);
        final ServiceState webAfter = oneDown.services().get(0);
        assertNotEquals(webBefore.table.digest(), webAfter.table.digest(), "web is rebuilt");
        assertEquals(
                healthy.services().get(1).table.digest(),
                oneDown.services().get(1).table.digest(),
                "dns untouched");
        assertEquals(3, webBefore.healthyBackends);
        assertEquals(2, webAfter.healthyBackends);

        // Ids are stable across snapshots (conntrack remembers them); the down one is marked DOWN.
        assertEquals(healthy.backendCount(), oneDown.backendCount());
        for (int id = 0; id < oneDown.backendCount(); id++) {
            assertEquals(healthy.backendName(id), oneDown.backendName(id));
            assertEquals(
                    oneDown.backendName(id).equals("web/10.0.2.12:80") ? BackendStates.DOWN : BackendStates.USABLE,
                    oneDown.backendStates.state(id),
                    oneDown.backendName(id));
        }
        // The down backend owns no slot: no new flow reaches it.
        for (int slot = 0; slot < webAfter.table.size(); slot++) {
            assertTrue(!oneDown.backendName(webAfter.backendId(webAfter.table.slot(slot)))
                    .equals("web/10.0.2.12:80"));
        }
    }

    /** web with backends 10.x.y.z for numbers {@code first..first+count-1} (each a distinct address). */
    static LevitateConfig churned(final int first, final int count) {
        final StringBuilder backends = new StringBuilder();
        for (int n = first; n < first + count; n++) {
            backends.append(n == first ? "" : ", ")
                    .append("{address: 10.")
                    .append(n >>> 16 & 0xFF)
                    .append('.')
                    .append(n >>> 8 & 0xFF)
                    .append('.')
                    .append(n & 0xFF)
                    .append('}');
        }
        // Small tables: thousands of reloads build them all.
        return ConfigReader.parse(
                        CONFIG.replace(
                                        "[{address: 10.0.2.11}, {address: 10.0.2.12}, {address: 10.0.2.13}]",
                                        "[" + backends + "]")
                                .replace("    protocol: tcp\n", "    protocol: tcp\n    table_size: 251\n")
                                .replace("    protocol: udp\n", "    protocol: udp\n    table_size: 251\n"),
                        "t.yaml")
                .config();
    }

    @Test
    void backendChurnOverTenThousandReloadsStaysWithinTheIds() {
        // Every reload replaces one of web's four backends by a new one: 10,003 distinct backends
        // over the process's life, never more than 6 at once. Without conntrack (no workers) a freed
        // id is free at once.
        final SnapshotBuilder builder = new SnapshotBuilder();
        int highest = 0;
        for (int reload = 0; reload < 10_000; reload++) {
            final DataPlaneSnapshot s = builder.build(churned(reload, 4), Map.of());
            highest = Math.max(highest, s.backendCount());
            final ServiceState web = s.service("web");
            for (int slot = 0; slot < 4; slot++) {
                assertTrue(web.backendId(slot) < SnapshotBuilder.MAX_BACKENDS, "reload " + reload);
            }
        }
        assertTrue(highest <= 8, "ids in use after 10,000 reloads: " + highest);
    }
}
