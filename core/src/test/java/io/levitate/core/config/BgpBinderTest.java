package io.levitate.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The keys of {@code bgp:} that only the announcer runs, as the one binder both processes use
 * binds them (the forwarder's ConfigErrorsTest and the announcer's ConfigLoaderTest cover the rest
 * through their readers).
 */
class BgpBinderTest {
    private static final String SECTION = """
        bgp:
          local_as: 65001
          router_id: 10.0.1.2
          peers:
            - address: 10.0.1.1
              remote_as: 65000
              local_address: 10.0.1.2
        """;

    /** The section's value, or the errors as FILE:LINE:COL lines. */
    private static Object bind(final String yaml) {
        final ErrorSink sink = new ErrorSink("t.yaml");
        final Node root = YamlSource.compose(yaml, sink, "empty");
        final MappingView top = root == null ? null : MappingView.of(sink, root, null, "", List.of("bgp"));
        final BgpConfig bgp = top == null ? null : new BgpBinder(sink).bind(top.get("bgp"), top.keyNode("bgp"));
        return sink.isEmpty()
                ? bgp
                : sink.sorted().stream().map(ConfigError::toString).toList();
    }

    @Test
    void announcerKeysHaveTheDocumentedDefaults() {
        final BgpConfig bgp = (BgpConfig) bind(SECTION);
        assertEquals(Duration.ofSeconds(2), bgp.announceDelay());
        assertEquals(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9101), bgp.metricsListen());
        assertEquals(-1, bgp.gracefulRestartTime());
        assertEquals(
                new InetSocketAddress(InetAddress.ofLiteral("10.0.1.2"), 179),
                bgp.listen(),
                "every peer has the same local address: port 179 of it");
        assertNull(bgp.peers().get(0).bfd(), "no key, no BFD");
    }

    @Test
    void listenOffMetricsOffAndBfd() {
        final BgpConfig bgp = (BgpConfig) bind(SECTION.replace(
                        "  peers:",
                        "  listen: \"off\"\n  metrics_listen: off\n"
                                + "  announce_delay: 500ms\n  graceful_restart_time: 120\n  peers:")
                + "      bfd: {min_rx: 50ms}\n");
        assertNull(bgp.listen());
        assertNull(bgp.metricsListen());
        assertEquals(Duration.ofMillis(500), bgp.announceDelay());
        assertEquals(120, bgp.gracefulRestartTime());
        assertEquals(
                new BfdSettings(Duration.ofMillis(300), Duration.ofMillis(50), 3),
                bgp.peers().get(0).bfd());
        assertEquals(
                BfdSettings.DEFAULT,
                ((BgpConfig) bind(SECTION + "      bfd: true\n")).peers().get(0).bfd());
        assertNull(((BgpConfig) bind(SECTION + "      bfd: false\n"))
                .peers()
                .get(0)
                .bfd());
    }

    @Test
    void aPeerWithoutLocalAddressListensEverywhere() {
        final BgpConfig bgp = (BgpConfig) bind(SECTION + "    - address: \"fd00::1\"\n      remote_as: 65000\n");
        assertEquals(new InetSocketAddress(InetAddress.ofLiteral("::"), 179), bgp.listen());
    }

    @Test
    void errorsAtTheValue() {
        assertEquals(
                List.of("t.yaml:4:11: bgp.listen: off leaves the passive peers no way to connect"),
                bind(SECTION.replace("  peers:", "  listen: off\n  peers:") + "      passive: true\n"));
        assertEquals(
                List.of("t.yaml:4:19: bgp.metrics_listen: '::1:9101' is not ADDRESS:PORT with an IP address"),
                bind(SECTION.replace("  peers:", "  metrics_listen: \"::1:9101\"\n  peers:")));
        assertEquals(
                List.of("t.yaml:4:19: bgp.announce_delay: must be 0s..10m, got 11m"),
                bind(SECTION.replace("  peers:", "  announce_delay: 11m\n  peers:")));
        assertEquals(
                List.of("t.yaml:1:6: YAML tag !!str: tags are not accepted; the schema gives every key its type "
                        + "(quote text, write numbers plainly)"),
                bind("bgp: !!str x\n"));
    }
}
