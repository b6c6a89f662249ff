package io.levitate.forwarder.config;

import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.MappingView;
import io.levitate.core.config.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * A {@code health_check:} mapping, a service's or a backend's override: the probe's type, port,
 * HTTP path and status, interval, timeout, and rise and fall counts.
 */
final class HealthCheckBinder {
    static final List<String> HEALTH_KEYS = List.of(
            "type",
            "port",
            "path",
            "expect_status",
            "interval",
            "timeout",
            "rise",
            "fall",
            "sni",
            "tls_verify",
            "ca_file",
            "query_name",
            "query_type",
            "expect_rcode",
            "command",
            "via");
    private static final List<String> VIAS = List.of("direct", "tunnel");
    private static final List<String> HEALTH_TYPES = List.of("tcp", "http", "https", "dns", "exec");
    /** Keys of some check types only: key, then the types it applies to. */
    private static final Map<String, List<String>> HEALTH_KEY_TYPES = Map.ofEntries(
            Map.entry("port", List.of("tcp", "http", "https", "dns")),
            Map.entry("path", List.of("http", "https")),
            Map.entry("expect_status", List.of("http", "https")),
            Map.entry("sni", List.of("https")),
            Map.entry("tls_verify", List.of("https")),
            Map.entry("ca_file", List.of("https")),
            Map.entry("query_name", List.of("dns")),
            Map.entry("query_type", List.of("dns")),
            Map.entry("expect_rcode", List.of("dns")),
            Map.entry("command", List.of("exec")),
            Map.entry("via", List.of("tcp", "http", "https", "dns")));

    private static final List<String> DNS_RCODES =
            List.of("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED");
    /** A DNS name of letters, digits, '-' and '_' labels of 1..63 (a trailing dot allowed). */
    private static final Pattern DNS_NAME =
            Pattern.compile("(?=.{1,253}\\.?$)" + "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
                    + "(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");

    private final ErrorSink sink;
    /** Whether {@code instance.health_prefix} is set: {@code via: tunnel} needs it. */
    private final boolean healthPrefix;

    HealthCheckBinder(final ErrorSink sink, final boolean healthPrefix) {
        this.sink = sink;
        this.healthPrefix = healthPrefix;
    }

    HealthCheckConfig bind(final Node node, final Node owner, final String path) {
        final MappingView h = MappingView.of(sink, node, owner, path, HEALTH_KEYS);
        if (h == null) {
            return null;
        }
        final Node typeNode = h.require("type");
        final int typeIndex = typeNode == null ? -1 : Values.word(sink, typeNode, h.child("type"), HEALTH_TYPES);
        final HealthCheckConfig.Type type = typeIndex < 0 ? null : HealthCheckConfig.Type.values()[typeIndex];
        if (type != null) {
            final String typeName = HEALTH_TYPES.get(typeIndex);
            for (final String key : HEALTH_KEYS) {
                final List<String> types = HEALTH_KEY_TYPES.get(key);
                if (types != null && !types.contains(typeName) && h.get(key) != null) {
                    sink.at(
                            h.keyNode(key),
                            h.child(key) + ": applies to "
                                    + Values.orList(types).replace(" or ", " and ") + " checks only (type is "
                                    + typeName + ")");
                }
            }
        }
        final Integer port =
                type == HealthCheckConfig.Type.EXEC ? Integer.valueOf(0) : h.optionalInt("port", 1, 0xFFFF, 0);
        String httpPath = null;
        Integer status = 0;
        if (type == HealthCheckConfig.Type.HTTP || type == HealthCheckConfig.Type.HTTPS) {
            httpPath = ConfigDefaults.HTTP_PATH;
            if (h.get("path") != null) {
                httpPath = Values.string(sink, h.get("path"), h.child("path"));
                if (httpPath != null
                        && (!httpPath.startsWith("/") || httpPath.chars().anyMatch(c -> c <= ' ' || c == 0x7F))) {
                    sink.at(
                            h.get("path"),
                            h.child("path") + ": must start with / and hold no spaces or control characters");
                    httpPath = null;
                }
            }
            status = h.optionalInt("expect_status", 100, 599, ConfigDefaults.HTTP_STATUS);
        }
        final HealthCheckConfig.Tls tls = type == HealthCheckConfig.Type.HTTPS ? tlsCheck(h) : null;
        final HealthCheckConfig.Dns dns = type == HealthCheckConfig.Type.DNS ? dnsCheck(h) : null;
        final List<String> command = type == HealthCheckConfig.Type.EXEC ? execCommand(h) : null;
        final Duration interval = h.optionalDuration(
                "interval",
                ConfigDefaults.MIN_HEALTH_INTERVAL,
                ConfigDefaults.MAX_HEALTH_INTERVAL,
                ConfigDefaults.HEALTH_INTERVAL);
        final Duration timeout = h.optionalDuration(
                "timeout", Duration.ofMillis(1), ConfigDefaults.MAX_HEALTH_INTERVAL, ConfigDefaults.HEALTH_TIMEOUT);
        if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
            sink.at(
                    h.get("timeout") != null ? h.get("timeout") : h.node(),
                    h.child("timeout") + ": " + Values.formatDuration(timeout) + " is longer than the interval "
                            + Values.formatDuration(interval));
        }
        final Integer rise = h.optionalInt("rise", 1, ConfigDefaults.MAX_RISE_FALL, ConfigDefaults.RISE);
        final Integer fall = h.optionalInt("fall", 1, ConfigDefaults.MAX_RISE_FALL, ConfigDefaults.FALL);
        HealthCheckConfig.Via via = HealthCheckConfig.Via.DEFAULT;
        if (h.get("via") != null) {
            final int v = Values.word(sink, h.get("via"), h.child("via"), VIAS);
            via = v < 0 ? null : v == 0 ? HealthCheckConfig.Via.DIRECT : HealthCheckConfig.Via.TUNNEL;
            if (via == HealthCheckConfig.Via.TUNNEL && !healthPrefix) {
                // Refused rather than checked directly: an operator who asked for the tunnel
                // believes a pass means the backend decapsulates, which a direct probe cannot show.
                sink.at(
                        h.get("via"),
                        h.child("via") + ": tunnel needs instance.health_prefix (the probes' source addresses, "
                                + "which must route back to this machine; OPERATIONS.md, Health checks through "
                                + "the tunnel)");
                via = null;
            }
        }
        final boolean http = type == HealthCheckConfig.Type.HTTP || type == HealthCheckConfig.Type.HTTPS;
        if (type == null
                || port == null
                || (http && (httpPath == null || status == null))
                || (type == HealthCheckConfig.Type.HTTPS && tls == null)
                || (type == HealthCheckConfig.Type.DNS && dns == null)
                || (type == HealthCheckConfig.Type.EXEC && command == null)
                || interval == null
                || timeout == null
                || rise == null
                || fall == null
                || via == null) {
            return null;
        }
        return new HealthCheckConfig(
                type, port, httpPath, status, interval, timeout, rise, fall, tls, dns, command, via);
    }

    /** An https check's sni, tls_verify and ca_file, or null after an error. */
    private HealthCheckConfig.Tls tlsCheck(final MappingView h) {
        String sni = null;
        boolean ok = true;
        if (h.get("sni") != null) {
            sni = Values.string(sink, h.get("sni"), h.child("sni"));
            if (sni != null && !validSni(sni)) {
                sink.at(
                        h.get("sni"),
                        h.child("sni") + ": must be a host name (letters, digits, '-' labels; not an "
                                + "address, no trailing dot), got " + Values.describe(h.get("sni")));
                sni = null;
            }
            ok = sni != null;
        }
        HealthCheckConfig.TlsVerify verify = HealthCheckConfig.TlsVerify.NONE;
        if (h.get("tls_verify") != null) {
            final int v = Values.word(sink, h.get("tls_verify"), h.child("tls_verify"), List.of("none", "ca"));
            verify = v < 0 ? null : HealthCheckConfig.TlsVerify.values()[v];
            ok &= verify != null;
        }
        String caFile = null;
        if (verify == HealthCheckConfig.TlsVerify.CA) {
            final Node ca = h.require("ca_file");
            caFile = ca == null ? null : Values.string(sink, ca, h.child("ca_file"));
            if (caFile != null && !caFile.startsWith("/")) {
                sink.at(ca, h.child("ca_file") + ": must be an absolute path, got " + Values.describe(ca));
                caFile = null;
            }
            ok &= caFile != null;
        } else if (verify == HealthCheckConfig.TlsVerify.NONE && h.get("ca_file") != null) {
            sink.at(
                    h.keyNode("ca_file"),
                    h.child("ca_file") + ": applies with tls_verify: ca only (tls_verify is none)");
            ok = false;
        }
        return ok ? new HealthCheckConfig.Tls(sni, verify, caFile) : null;
    }

    private static boolean validSni(final String sni) {
        if (sni.endsWith(".") || !DNS_NAME.matcher(sni).matches() || sni.matches("[0-9.]+")) {
            return false;
        }
        try {
            new javax.net.ssl.SNIHostName(sni);
            return true;
        } catch (final IllegalArgumentException ex) {
            return false;
        }
    }

    /** A dns check's query_name, query_type and expect_rcode, or null after an error. */
    private HealthCheckConfig.Dns dnsCheck(final MappingView h) {
        final Node nameNode = h.require("query_name");
        String name = nameNode == null ? null : Values.string(sink, nameNode, h.child("query_name"));
        if (name != null && !DNS_NAME.matcher(name).matches()) {
            sink.at(
                    nameNode,
                    h.child("query_name") + ": must be a DNS name (labels of 1..63 letters, digits, '-' or "
                            + "'_', at most 253 characters), got " + Values.describe(nameNode));
            name = null;
        }
        int queryType = HealthCheckConfig.QUERY_A;
        if (h.get("query_type") != null) {
            final int t = Values.word(sink, h.get("query_type"), h.child("query_type"), List.of("A", "AAAA"));
            queryType = t < 0 ? -1 : t == 0 ? HealthCheckConfig.QUERY_A : HealthCheckConfig.QUERY_AAAA;
        }
        int rcode = 0;
        if (h.get("expect_rcode") != null) {
            rcode = Values.word(sink, h.get("expect_rcode"), h.child("expect_rcode"), DNS_RCODES);
        }
        if (name == null || queryType < 0 || rcode < 0) {
            return null;
        }
        return new HealthCheckConfig.Dns(
                name.endsWith(".") ? name.substring(0, name.length() - 1) : name, queryType, rcode);
    }

    /** An exec check's command: a non-empty list of strings, run without a shell; null after an error. */
    private List<String> execCommand(final MappingView h) {
        final Node node = h.require("command");
        if (node == null) {
            return null;
        }
        if (!(node instanceof org.snakeyaml.engine.v2.nodes.SequenceNode)) {
            sink.visit(node);
            sink.at(
                    node,
                    h.child("command") + ": must be a list of strings, the program and its arguments (no shell),"
                            + " e.g. [/usr/local/bin/check-backend, --quick], got " + Values.describe(node));
            return null;
        }
        final List<Node> items = Values.list(sink, node, h.child("command"));
        if (items.isEmpty()) {
            sink.at(node, h.child("command") + ": must name a program, got an empty list");
            return null;
        }
        final List<String> argv = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            final String arg = Values.string(sink, items.get(i), h.child("command") + "[" + i + "]");
            if (arg != null && (arg.indexOf(0) >= 0 || (i == 0 && arg.isBlank()))) {
                sink.at(
                        items.get(i),
                        h.child("command") + "[" + i + "]: "
                                + (arg.indexOf(0) >= 0
                                        ? "must hold no NUL character"
                                        : "must name the program, got an empty string"));
                ok = false;
            }
            ok &= arg != null;
            argv.add(arg);
        }
        return ok ? argv : null;
    }
}
