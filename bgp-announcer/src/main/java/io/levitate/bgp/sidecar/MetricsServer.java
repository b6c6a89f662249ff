package io.levitate.bgp.sidecar;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.levitate.core.counters.PrometheusText;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} (Prometheus text) and {@code GET /status} (the status JSON) on the
 * announcer's own listener, 127.0.0.1:9101 by default ({@code bgp.metrics_listen}); the
 * forwarder's exporter has 9100. One thread of its own: a slow scraper never delays the speaker.
 */
final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    MetricsServer(final InetSocketAddress listen, final Announcer announcer) throws IOException {
        server = HttpServer.create(listen, 8);
        server.createContext(
                "/metrics", ex -> reply(ex, PrometheusText.CONTENT_TYPE, StatusRenderer.prometheus(announcer)));
        server.createContext("/status", ex -> reply(ex, "application/json", StatusRenderer.json(announcer)));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void reply(final HttpExchange ex, final String type, final String body) throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
