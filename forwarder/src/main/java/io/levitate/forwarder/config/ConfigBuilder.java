package io.levitate.forwarder.config;

import io.levitate.core.config.Addresses;
import io.levitate.core.config.BgpBinder;
import io.levitate.core.config.BgpConfig;
import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.MappingView;
import io.levitate.core.config.Values;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Walks a composed document along the schema of {@code docs/CONFIG.md}, reporting every problem and
 * building the model. Each section is checked even when another has errors, so one run lists them
 * all; a cross-key rule runs only when the keys it relates were themselves valid, so one mistake is
 * reported once, not again by every rule that reads it.
 *
 * <p>The sections have their own binders: {@link InstanceBinder}, {@link ServiceBinder} (with
 * {@link HealthCheckBinder}), and core's {@link BgpBinder}, the one the announcer runs too; this
 * class keeps the document's top level, {@code hash_seed}, {@code conntrack}, {@code metrics} and
 * {@code control}.
 */
final class ConfigBuilder {
    private static final List<String> ROOT_KEYS =
            List.of("instance", "hash_seed", "conntrack", "services", "metrics", "control", "bgp");
    private static final List<String> CONNTRACK_KEYS =
            List.of("capacity", "timeouts", "flood_guard_new_flows_per_second");
    private static final List<String> TIMEOUT_KEYS = List.of("tcp_established", "tcp_closing", "tcp_syn", "udp");
    private static final List<String> METRICS_KEYS = List.of("listen");
    private static final List<String> CONTROL_KEYS = List.of("socket");
    // The sections' schemas live with their binders (instance, services, health checks here; bgp in
    // core, shared with the announcer); named here too for dist's ConfigDocTest, which reads every
    // parser's key lists from this class.
    private static final List<String> INSTANCE_KEYS = InstanceBinder.INSTANCE_KEYS;
    private static final List<String> PORT_KEYS = InstanceBinder.PORT_KEYS;
    private static final List<String> SERVICE_KEYS = ServiceBinder.SERVICE_KEYS;
    private static final List<String> BACKEND_KEYS = ServiceBinder.BACKEND_KEYS;
    private static final List<String> HEALTH_KEYS = HealthCheckBinder.HEALTH_KEYS;
    private static final List<String> BGP_KEYS = BgpBinder.BGP_KEYS;
    private static final List<String> PEER_KEYS = BgpBinder.PEER_KEYS;
    private static final List<String> BFD_KEYS = BgpBinder.BFD_KEYS;

    private final ErrorSink sink;

    /** Where each backend's weight (or address) is written; filled once the services are bound. */
    private Map<String, ConfigWarning.Site> backendPositions = Map.of();

    ConfigBuilder(final ErrorSink sink) {
        this.sink = sink;
    }

    /**
     * Per backend of the file, keyed by {@link ConfigWarning#backendKey}: where its {@code weight}
     * value is written, or its {@code address} when no weight is.
     */
    Map<String, ConfigWarning.Site> backendPositions() {
        return backendPositions;
    }

    /** The model, or null when anything was reported. */
    LevitateConfig build(final Node root) {
        final MappingView top = MappingView.of(sink, root, null, "", ROOT_KEYS);
        if (top == null) {
            return null;
        }
        final Node instanceNode = top.require("instance");
        final InstanceBinder instanceBinder = new InstanceBinder(sink);
        final InstanceConfig instance =
                instanceNode == null ? null : instanceBinder.bind(instanceNode, top.keyNode("instance"));
        final Node seedNode = top.require("hash_seed");
        final Long seed = seedNode == null ? null : Values.uint64(sink, seedNode, "hash_seed");
        final ConntrackSettings conntrack = conntrack(top.get("conntrack"), top.keyNode("conntrack"));
        final Node servicesNode = top.require("services");
        final ServiceBinder serviceBinder = new ServiceBinder(
                sink,
                instanceBinder.addresses(),
                instanceBinder.gateways(),
                // An instance section with errors has said its piece: no second error here.
                instance == null || instance.healthPrefix() != null);
        final List<ServiceDefinition> services =
                servicesNode == null ? List.of() : serviceBinder.bind(servicesNode, conntrack);
        backendPositions = serviceBinder.backendPositions();
        final MetricsConfig metrics = metrics(top.get("metrics"), top.keyNode("metrics"));
        final ControlConfig control = control(top.get("control"), top.keyNode("control"));
        final Node bgpNode = top.get("bgp");
        final BgpConfig bgp = bgpNode == null ? null : new BgpBinder(sink).bind(bgpNode, top.keyNode("bgp"));
        if (!sink.isEmpty() || instance == null || seed == null) {
            return null;
        }
        return new LevitateConfig(instance, seed, conntrack, services, metrics, control, bgp);
    }

    // ---------------------------------------------------------------- conntrack

    private ConntrackSettings conntrack(final Node node, final Node owner) {
        final ConntrackSettings defaults = new ConntrackSettings(
                ConfigDefaults.CONNTRACK_CAPACITY,
                ConfigDefaults.TCP_ESTABLISHED,
                ConfigDefaults.TCP_CLOSING,
                ConfigDefaults.TCP_SYN,
                ConfigDefaults.UDP,
                ConfigDefaults.FLOOD_GUARD);
        if (node == null) {
            return defaults;
        }
        final MappingView m = MappingView.of(sink, node, owner, "conntrack", CONNTRACK_KEYS);
        if (m == null) {
            return defaults;
        }
        final Integer capacity = m.optionalInt(
                "capacity",
                ConfigDefaults.MIN_CONNTRACK_CAPACITY,
                ConfigDefaults.MAX_CONNTRACK_CAPACITY,
                ConfigDefaults.CONNTRACK_CAPACITY);
        final Integer flood = m.optionalInt(
                "flood_guard_new_flows_per_second", 0, ConfigDefaults.MAX_FLOOD_GUARD, ConfigDefaults.FLOOD_GUARD);
        Duration established = defaults.tcpEstablished();
        Duration closing = defaults.tcpClosing();
        Duration syn = defaults.tcpSyn();
        Duration udp = defaults.udp();
        if (m.get("timeouts") != null) {
            final MappingView t =
                    MappingView.of(sink, m.get("timeouts"), m.keyNode("timeouts"), m.child("timeouts"), TIMEOUT_KEYS);
            if (t != null) {
                established = timeout(t, "tcp_established", established);
                closing = timeout(t, "tcp_closing", closing);
                syn = timeout(t, "tcp_syn", syn);
                udp = timeout(t, "udp", udp);
            }
        }
        return new ConntrackSettings(
                capacity == null ? defaults.capacity() : capacity,
                established,
                closing,
                syn,
                udp,
                flood == null ? 0 : flood);
    }

    private Duration timeout(final MappingView m, final String key, final Duration fallback) {
        final Node n = m.get(key);
        if (n == null) {
            return fallback;
        }
        final Duration d =
                Values.duration(sink, n, m.child(key), ConfigDefaults.MIN_TIMEOUT, ConfigDefaults.MAX_TIMEOUT);
        return d == null ? fallback : d;
    }

    // ---------------------------------------------------------------- metrics, control

    private MetricsConfig metrics(final Node node, final Node owner) {
        final InetSocketAddress fallback = new InetSocketAddress(Addresses.parseIpv4("127.0.0.1"), 9100);
        if (node == null) {
            return new MetricsConfig(fallback);
        }
        final MappingView m = MappingView.of(sink, node, owner, "metrics", METRICS_KEYS);
        if (m == null || m.get("listen") == null) {
            return new MetricsConfig(fallback);
        }
        final Node listenNode = m.get("listen");
        final String text = Values.string(sink, listenNode, m.child("listen"));
        if (text == null) {
            return null;
        }
        final Matcher match = Values.LISTEN.matcher(text);
        InetAddress host = null;
        int port = -1;
        if (match.matches()) {
            final String hostText = match.group(1) != null ? match.group(1) : match.group(2);
            host = match.group(1) != null ? Addresses.parseIpv6(hostText) : Addresses.parseIpv4(hostText);
            port = Integer.parseInt(match.group(3));
        }
        if (host == null || port < 1 || port > 0xFFFF) {
            sink.at(
                    listenNode,
                    m.child("listen") + ": '" + Values.shorten(text)
                            + "' is not ADDRESS:PORT with an IP address (127.0.0.1:9100, [::1]:9100; host names are not resolved)");
            return null;
        }
        return new MetricsConfig(new InetSocketAddress(host, port));
    }

    private ControlConfig control(final Node node, final Node owner) {
        final Path fallback = Path.of(ConfigDefaults.CONTROL_SOCKET);
        if (node == null) {
            return new ControlConfig(fallback);
        }
        final MappingView m = MappingView.of(sink, node, owner, "control", CONTROL_KEYS);
        if (m == null || m.get("socket") == null) {
            return new ControlConfig(fallback);
        }
        final Path socket = Values.absolutePath(sink, m.get("socket"), m.child("socket"));
        if (socket != null
                && socket.toString().getBytes(StandardCharsets.UTF_8).length > ConfigDefaults.MAX_SOCKET_PATH_BYTES) {
            sink.at(
                    m.get("socket"),
                    m.child("socket") + ": longer than " + ConfigDefaults.MAX_SOCKET_PATH_BYTES
                            + " bytes, the limit of a Unix socket path");
            return null;
        }
        return socket == null ? null : new ControlConfig(socket);
    }
}
