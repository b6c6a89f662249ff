package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.LevitateConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a live reload must refuse because only a restart can apply it. */
class RestartOnlyChangesTest {
    private static String minimal() throws IOException {
        try (InputStream in = RestartOnlyChangesTest.class.getResourceAsStream("/config/minimal.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static LevitateConfig config(final String yaml) {
        final ConfigResult r = ConfigReader.parse(yaml, "t.yaml");
        assertTrue(r.valid(), r.errors().toString());
        return r.config();
    }

    private static List<String> changes(final String extraInstanceLines) throws IOException {
        final String base = minimal();
        assertTrue(base.contains("  name: lb1\n"), base);
        return ControlPlane.restartOnlyChanges(
                config(base), config(base.replace("  name: lb1\n", "  name: lb1\n" + extraInstanceLines)));
    }

    @Test
    void idleAndExceptionPathNeedARestart() throws IOException {
        assertEquals(List.of(), changes(""));
        assertEquals(List.of("instance idle/exception_path"), changes("  idle: backoff\n"));
        assertEquals(List.of("instance idle/exception_path"), changes("  exception_path: tap\n"));
        assertEquals(List.of("instance idle/exception_path"), changes("  exception_rate: 100\n"));
        assertEquals(List.of("instance.workers/cores"), changes("  workers: 2\n"));
    }

    @Test
    void pinningTheGatewaysNeedsARestart() throws IOException {
        final String base = minimal();
        final String pinned = base.replace(
                "    ipv4: 10.0.1.1\n", "    ipv4: 10.0.1.1\n    ipv4_mac: 02:00:00:00:00:01\n  neighbours: static\n");
        assertEquals(
                List.of("instance.neighbours/gateway MACs"),
                ControlPlane.restartOnlyChanges(config(base), config(pinned)));
        assertEquals(
                List.of("instance.neighbours/gateway MACs"),
                ControlPlane.restartOnlyChanges(
                        config(pinned), config(pinned.replace("02:00:00:00:00:01", "02:00:00:00:00:02"))));
    }
}
