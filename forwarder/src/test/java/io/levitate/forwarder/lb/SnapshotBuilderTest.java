package io.levitate.forwarder.lb;

import io.levitate.conntrack.BackendStates;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.maglev.BackendState;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a health transition does to the published tables. */
class SnapshotBuilderTest
{
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
    void aDownBackendChangesOnlyItsServicesTableAndKeepsIds()
    {
        final LevitateConfig config = ConfigReader.parse(CONFIG, "t.yaml").config();
        final SnapshotBuilder builder = new SnapshotBuilder();
        final DataPlaneSnapshot healthy = builder.build(config, Map.of());
        final DataPlaneSnapshot oneDown = builder.build(config, Map.of("web/10.0.2.12:80", BackendState.DOWN));

        final ServiceState webBefore = healthy.services().get(0);
        final ServiceState webAfter = oneDown.services().get(0);
        assertNotEquals(webBefore.table.digest(), webAfter.table.digest(), "web is rebuilt");
        assertEquals(healthy.services().get(1).table.digest(), oneDown.services().get(1).table.digest(), "dns untouched");
        assertEquals(3, webBefore.healthyBackends);
        assertEquals(2, webAfter.healthyBackends);

        // Ids are stable across snapshots (conntrack remembers them); the down one is marked DOWN.
        assertEquals(healthy.backendCount(), oneDown.backendCount());
        for (int id = 0; id < oneDown.backendCount(); id++)
        {
            assertEquals(healthy.backendName(id), oneDown.backendName(id));
            assertEquals(oneDown.backendName(id).equals("web/10.0.2.12:80") ? BackendStates.DOWN : BackendStates.USABLE,
                oneDown.backendStates.state(id), oneDown.backendName(id));
        }
        // The down backend owns no slot: no new flow reaches it.
        for (int slot = 0; slot < webAfter.table.size(); slot++)
        {
            assertTrue(!oneDown.backendName(webAfter.backendId(webAfter.table.slot(slot))).equals("web/10.0.2.12:80"));
        }
    }
}
