package io.levitate.forwarder.config;

import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.MappingView;
import io.levitate.core.config.Values;
import java.time.Duration;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * A {@code health_check:} mapping, a service's or a backend's override: the probe's type, port,
 * HTTP path and status, interval, timeout, and rise and fall counts.
 */
final class HealthCheckBinder {
    static final List<String> HEALTH_KEYS =
            List.of("type", "port", "path", "expect_status", "interval", "timeout", "rise", "fall");

    private final ErrorSink sink;

    HealthCheckBinder(final ErrorSink sink) {
        this.sink = sink;
    }

    HealthCheckConfig bind(final Node node, final Node owner, final String path) {
        final MappingView h = MappingView.of(sink, node, owner, path, HEALTH_KEYS);
        if (h == null) {
            return null;
        }
        final Node typeNode = h.require("type");
        final int type = typeNode == null ? -1 : Values.word(sink, typeNode, h.child("type"), List.of("tcp", "http"));
        final Integer port = h.optionalInt("port", 1, 0xFFFF, 0);
        String httpPath = null;
        Integer status = 0;
        if (type == 0) {
            for (final String httpOnly : List.of("path", "expect_status")) {
                if (h.get(httpOnly) != null) {
                    sink.at(h.keyNode(httpOnly), h.child(httpOnly) + ": applies to http checks only (type is tcp)");
                }
            }
        } else if (type == 1) {
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
        if (type < 0
                || port == null
                || (type == 1 && (httpPath == null || status == null))
                || interval == null
                || timeout == null
                || rise == null
                || fall == null) {
            return null;
        }
        return new HealthCheckConfig(
                type == 0 ? HealthCheckConfig.Type.TCP : HealthCheckConfig.Type.HTTP,
                port,
                httpPath,
                status,
                interval,
                timeout,
                rise,
                fall);
    }
}
