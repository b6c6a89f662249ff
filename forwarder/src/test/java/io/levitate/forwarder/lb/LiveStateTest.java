package io.levitate.forwarder.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.counters.PrometheusText;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.ServiceTable;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the control socket's {@code tables} and the table info metric say of a snapshot: the
 * digest and size of the table the workers use, and a backend a health check took down told
 * apart from one configured down.
 */
class LiveStateTest {
    private static final String YAML = """
            instance:
              name: t
              ports: [{device: "net_null0"}]
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 42
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.1}, {address: 10.0.2.2}, {address: 10.0.2.3, state: down}]
            """;

    private static LevitateConfig config() {
        return ConfigReader.parse(YAML, "t.yaml").config();
    }

    @Test
    void tablesTellAHealthCheckedDownBackendFromAConfiguredOne() {
        final LevitateConfig config = config();
        final DataPlaneSnapshot snapshot =
                new SnapshotBuilder().build(config, Map.of("web/10.0.2.1:80", BackendState.DOWN));
        final ServiceTable table = snapshot.service("web").table;
        final var lines = LiveState.tables(snapshot, config);
        assertEquals(
                "service web match=198.18.0.10:80/tcp M=65537 digest=" + table.digestHex()
                        + " healthy=1 seed=42 hash=five_tuple generation=" + snapshot.generation,
                lines.get(0));
        assertEquals("  backend 10.0.2.1:80 weight=100 state=active health=down slots=0 share=0.00%", lines.get(1));
        assertEquals("  backend 10.0.2.2:80 weight=100 state=active health=up slots=65537 share=100.00%", lines.get(2));
        assertEquals("  backend 10.0.2.3:80 weight=100 state=down health=- slots=0 share=0.00%", lines.get(3));
    }

    @Test
    void theInfoMetricCarriesTheLiveDigestAndSize() {
        final DataPlaneSnapshot snapshot = new SnapshotBuilder().build(config(), Map.of());
        final PrometheusText text = new PrometheusText(1024);
        LiveState.prometheus(snapshot, text);
        final String digest = snapshot.service("web").table.digestHex();
        assertTrue(
                text.toString()
                        .endsWith("levitate_service_table_info{service=\"web\",digest=\"" + digest
                                + "\",size=\"65537\"} 1\n"),
                text.toString());
        assertTrue(text.toString().startsWith("# HELP levitate_service_table_info "), text.toString());
    }
}
