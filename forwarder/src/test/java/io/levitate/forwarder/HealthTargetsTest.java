package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.health.HealthChecker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The health-check plan with {@code instance.health_prefix}: which checks go through the tunnel
 * (the default for IPv4 services, unless {@code via: direct}), to what (the VIP) and from where
 * (backend id i: the prefix's address i), and which fall back to direct, saying why.
 */
class HealthTargetsTest {
    private static final String CONFIG = """
        instance:
          name: lb1
          ports:
            - device: "net_null0"
          addresses:
            ipv4: 10.0.1.2
            ipv6: "fd00:1::2"
          gateways:
            ipv4: 10.0.1.1
            ipv6: "fd00:1::1"
          health_prefix: 10.0.1.128/28
        hash_seed: 7
        services:
          - name: web
            vip: 198.18.0.10
            port: 80
            protocol: tcp
            health_check: {type: http, path: /healthz}
            backends: [{address: 10.0.3.11}, {address: 10.0.3.12}]
          - name: web-direct
            vip: 198.18.0.11
            port: 80
            protocol: tcp
            health_check: {type: tcp, via: direct}
            backends: [{address: 10.0.3.11}]
          - name: web6
            vip: "2001:db8::10"
            port: 80
            protocol: tcp
            health_check: {type: tcp}
            backends: [{address: "fd00:3::11"}]
        """;

    @Test
    void ipv4ChecksGoThroughTheTunnelFromTheirBackendsAddress() throws Exception {
        final ConfigResult parsed = ConfigReader.parse(CONFIG, "t.yaml");
        assertEquals(List.of(), parsed.errors());
        final LevitateConfig config = parsed.config();
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final ControlPlane control = new ControlPlane(
                new PrintStream(log, true, StandardCharsets.UTF_8), new AtomicReference<>(), () -> 0, id -> {});
        // Ids as a snapshot might give them; 10.0.3.12 of web beyond the /28's 16 addresses.
        final Map<String, Integer> ids = Map.of(
                "web/10.0.3.11:80", 3, "web/10.0.3.12:80", 16, "web-direct/10.0.3.11:80", 0, "web6/[fd00:3::11]:80", 1);
        final List<HealthChecker.Target> targets =
                control.healthTargets(config, (service, backend) -> ids.get(service + "/" + backend.identity()));
        assertEquals(4, targets.size(), targets.toString());
        final HealthChecker.Target tunnelled = targets.get(0);
        assertEquals("web/10.0.3.11:80", tunnelled.label());
        assertEquals(InetAddress.getByName("198.18.0.10"), tunnelled.address(), "to the VIP");
        assertEquals(InetAddress.getByName("10.0.1.131"), tunnelled.source(), "from the prefix's address 3");
        final HealthChecker.Target outside = targets.get(1);
        assertNull(outside.source(), "id 16 has no address in a /28: direct");
        assertEquals(InetAddress.getByName("10.0.3.12"), outside.address());
        final HealthChecker.Target direct = targets.get(2);
        assertNull(direct.source(), "via: direct");
        assertEquals(InetAddress.getByName("10.0.3.11"), direct.address());
        assertNull(targets.get(3).source(), "IPv6: direct");
        final String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(
                printed.contains("health check of web/10.0.3.12:80 goes direct: its backend id 16 has no address in "
                        + "instance.health_prefix 10.0.1.128/28"),
                printed);
        assertTrue(
                !printed.contains("web6"), "an IPv6 check left at the default goes direct without a word: " + printed);
    }
}
