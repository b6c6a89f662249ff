package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.health.HealthChecker;
import io.levitate.forwarder.lb.DataPlaneSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A reload is atomic: a fault injected after any of its steps (tables, backend ids, snapshot,
 * health-check plan, health checker started) leaves the old configuration fully running: the same
 * snapshot published, the same configuration, the same health checker still probing, no id given
 * out, no checker left behind. Real health checks against a local TCP server; no DPDK.
 */
class ControlPlaneTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private ServerSocket server;
    private ControlPlane control;
    private final AtomicReference<DataPlaneSnapshot> published = new AtomicReference<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        control = new ControlPlane(
                new PrintStream(log, true, StandardCharsets.UTF_8), published, () -> Long.MAX_VALUE, id -> {});
    }

    @AfterEach
    void stop() throws Exception {
        control.close();
        server.close();
    }

    private LevitateConfig config(final String webBackends, final String more) {
        return config(
                webBackends,
                more,
                "table_size: 251\n    health_check: {type: tcp, port: " + server.getLocalPort()
                        + ", interval: 100ms, timeout: 100ms}");
    }

    private LevitateConfig config(final String webBackends, final String more, final String webExtras) {
        final String yaml = """
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
                %s
                backends: [%s]
            %s""".formatted(webExtras, webBackends, more);
        final ConfigResult result = ConfigReader.parse(yaml, "t.yaml");
        assertEquals(List.of(), result.errors());
        return result.config();
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static long healthThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("levitate-health") && t.isAlive())
                .count();
    }

    @ParameterizedTest
    @EnumSource(ControlPlane.Step.class)
    void aFaultAtAnyStepLeavesTheOldConfigurationAndItsHealthChecksRunning(final ControlPlane.Step step)
            throws Exception {
        final LevitateConfig old = config("{address: 127.0.0.1}, {address: 127.0.0.2}", "");
        final LevitateConfig next = config("{address: 127.0.0.1}, {address: 127.0.0.3}", """
              - name: api
                vip: 198.18.0.11
                port: 80
                protocol: tcp
                table_size: 251
                backends: [{address: 10.0.4.1}]
            """);
        control.start(old);
        final DataPlaneSnapshot before = published.get();
        final HealthChecker checker = control.health();
        assertNotNull(checker);
        final String label = "web/127.0.0.1:80";
        await(() -> checker.probes(label) >= 2, "the running checker probing");
        final long threadsBefore = healthThreads();
        final long generation = control.snapshots().generation();

        control.faults = s -> {
            if (s == step) {
                throw new IllegalStateException("injected fault after " + s);
            }
        };
        final List<String> reply = control.reload(next, false);
        assertEquals(List.of("refused: injected fault after " + step + " (the running configuration stays)"), reply);

        assertSame(before, published.get(), "the old snapshot stays published");
        assertSame(old, control.config(), "the old configuration stays");
        assertSame(checker, control.health(), "the old health checker stays");
        assertEquals(generation, control.snapshots().generation());
        assertEquals(-1, control.snapshots().serviceId("api"), "no service id given out");
        final long probes = checker.probes(label);
        await(() -> checker.probes(label) >= probes + 2, "the old checker still probing");
        await(() -> healthThreads() <= threadsBefore, "the checker the failed reload started gone");

        // Without the fault the same reload applies, and replaces the checker.
        control.faults = s -> {};
        final List<String> applied = control.reload(next, false);
        assertTrue(
                applied.contains("service api: added, digest "
                        + published.get().service("api").table.digestHex()),
                applied.toString());
        assertSame(next, control.config());
        assertNotSame(before, published.get());
        final HealthChecker replacement = control.health();
        assertNotSame(checker, replacement);
        await(() -> replacement.probes("web/127.0.0.3:80") >= 2, "the new checker probing");
        final long stopped = checker.probes(label);
        await(() -> replacement.probes("web/127.0.0.3:80") >= 5, "more probes of the new checker");
        assertTrue(checker.probes(label) <= stopped + 1, "the old checker stopped (at most a probe in flight)");
    }

    @Test
    void aReloadShortOfBackendIdsIsRefusedAndChangesNothing() throws Exception {
        // Workers that never sweep: ids of removed backends are never free again.
        control.close();
        control = new ControlPlane(new PrintStream(log, true, StandardCharsets.UTF_8), published, () -> 0, id -> {});
        control.start(config(backends(0, 4096), "", "table_size: 65537"));
        final DataPlaneSnapshot before = published.get();
        // Replacing all 4096 fits (8192 ids); replacing them again does not until the first ones are swept.
        assertTrue(control.reload(config(backends(4096, 4096), "", "table_size: 65537"), false)
                .getFirst()
                .startsWith("service web: "));
        final DataPlaneSnapshot second = published.get();
        assertNotSame(before, second);
        final List<String> refused = control.reload(config(backends(8192, 1), "", "table_size: 65537"), false);
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.getFirst().startsWith("refused: no backend id for web/"), refused.getFirst());
        assertTrue(
                refused.getFirst().contains("4096 ids of removed backends wait for every worker's conntrack sweep"),
                refused.getFirst());
        assertSame(second, published.get());
        assertEquals(8192, control.snapshots().idsUsed());
    }

    /** {@code count} backends 10.1.x.y numbered from {@code first}. */
    private static String backends(final int first, final int count) {
        final StringBuilder sb = new StringBuilder();
        for (int n = first; n < first + count; n++) {
            sb.append(n == first ? "" : ", ")
                    .append("{address: 10.1.")
                    .append(n >>> 8 & 0xFF)
                    .append('.')
                    .append(n & 0xFF)
                    .append('}');
        }
        return sb.toString();
    }
}
