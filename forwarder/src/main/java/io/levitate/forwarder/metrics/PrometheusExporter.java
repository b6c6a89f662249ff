package io.levitate.forwarder.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.levitate.core.counters.CountersLayout;
import io.levitate.core.counters.PrometheusText;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.concurrent.status.CountersReader;

/**
 * Serves {@code GET /metrics} in the Prometheus text format (version 0.0.4, written by core's
 * {@link PrometheusText}) on one small thread. Bound to 127.0.0.1 by default: counters reveal
 * traffic, so exposing them is an operator's choice.
 */
public final class PrometheusExporter implements AutoCloseable {
    private static final Pattern WORKER = Pattern.compile("^worker (\\d+): (.*)$");
    private static final Pattern SERVICE = Pattern.compile("^service ([^:]+): (.*)$");
    private static final Pattern BACKEND = Pattern.compile("^backend (.+): ([^:]+)$");
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

    private final HttpServer server;
    private final CountersReader counters;
    private final Consumer<PrometheusText> live;
    private final List<SingleWriterRecorder> recorders;
    private final List<Histogram> cumulative = new ArrayList<>();
    /**
     * Each worker's last interval histogram, handed back to the recorder it came from: a
     * SingleWriterRecorder takes back only a histogram it handed out itself.
     */
    private final Histogram[] intervals;

    public PrometheusExporter(
            final InetSocketAddress listen, final CountersReader counters, final List<SingleWriterRecorder> recorders)
            throws IOException {
        this(listen, counters, recorders, text -> {});
    }

    /**
     * @param live writes the samples read from the running state rather than from counters (the
     *             per-service table info), on each scrape
     */
    public PrometheusExporter(
            final InetSocketAddress listen,
            final CountersReader counters,
            final List<SingleWriterRecorder> recorders,
            final Consumer<PrometheusText> live)
            throws IOException {
        this.live = live;
        this.counters = counters;
        this.recorders = List.copyOf(recorders);
        this.intervals = new Histogram[recorders.size()];
        for (int i = 0; i < recorders.size(); i++) {
            cumulative.add(new Histogram(1, 10_000_000_000L, 3));
        }
        server = HttpServer.create(listen, 16);
        server.createContext("/metrics", this::serve);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "levitate-metrics");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The address actually bound (port 0 picks a free one). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void serve(final HttpExchange exchange) throws IOException {
        final byte[] body = render().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", PrometheusText.CONTENT_TYPE);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * Burst latency from now on: what the recorders hold so far is dropped and the quantiles start
     * again. The forwarder calls it at the end of warm-up, so the quantiles describe the compiled
     * code, not the first seconds while the JIT compiles the worker (as the allocation and GC
     * figures after warm-up do).
     */
    public synchronized void restartLatency() {
        for (int w = 0; w < recorders.size(); w++) {
            intervals[w] = recorders.get(w).getIntervalHistogram(intervals[w]);
            cumulative.get(w).reset();
        }
    }

    /** The whole exposition; synchronized because HdrHistogram intervals are swapped here. */
    public synchronized String render() {
        final PrometheusText text = new PrometheusText(16 * 1024);
        counters.forEach((id, type, key, label) -> append(text, type, label, counters.getCounterValue(id)));
        for (int w = 0; w < recorders.size(); w++) {
            intervals[w] = recorders.get(w).getIntervalHistogram(intervals[w]);
            final Histogram total = cumulative.get(w);
            total.add(intervals[w]);
            final String worker = Integer.toString(w);
            for (final double q : QUANTILES) {
                text.sample(
                        "levitate_burst_latency_seconds",
                        String.format(Locale.ROOT, "%.9f", total.getValueAtPercentile(q * 100) / 1e9),
                        "worker",
                        worker,
                        "quantile",
                        Double.toString(q));
            }
            text.sample("levitate_burst_latency_seconds_count", total.getTotalCount(), "worker", worker);
        }
        live.accept(text);
        return text.toString();
    }

    /** One sample line (without its line feed) for a counter, named by its type id (docs/COUNTERS.md); null to skip. */
    static String sample(final int type, final String label, final long value) {
        final PrometheusText text = new PrometheusText(128);
        if (!append(text, type, label, value)) {
            return null;
        }
        final String line = text.toString();
        return line.substring(0, line.length() - 1);
    }

    /** Writes a counter's sample, named by its type id and label (docs/COUNTERS.md); false when it has none. */
    private static boolean append(final PrometheusText text, final int type, final String label, final long value) {
        final Matcher worker = WORKER.matcher(label);
        final Matcher service = SERVICE.matcher(label);
        final Matcher backend = BACKEND.matcher(label);
        if (type == CountersLayout.TYPE_PROCESS_HEARTBEAT) {
            text.sample("levitate_heartbeat_epoch_ms", value);
        } else if (type == CountersLayout.TYPE_FORWARDER_STATE) {
            text.sample("levitate_forwarder_state", value);
        } else if (type >= CountersLayout.TYPE_WORKER_DROP_BASE
                && type < CountersLayout.TYPE_WORKER_DROP_BASE + 200
                && worker.matches()) {
            text.sample(
                    "levitate_worker_drops_total",
                    value,
                    "worker",
                    worker.group(1),
                    "reason",
                    worker.group(2).replace("drop ", ""));
        } else if (worker.matches()) {
            text.sample(
                    "levitate_worker_" + metricWord(worker.group(2))
                            + (type == CountersLayout.TYPE_WORKER_HEARTBEAT
                                            || worker.group(2).endsWith("occupancy")
                                    ? ""
                                    : "_total"),
                    value,
                    "worker",
                    worker.group(1));
        } else if (service.matches()) {
            text.sample(
                    "levitate_service_" + metricWord(service.group(2))
                            + (type == CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS ? "" : "_total"),
                    value,
                    "service",
                    service.group(1));
        } else if (backend.matches()) {
            text.sample(
                    "levitate_backend_" + metricWord(backend.group(2))
                            + (type == CountersLayout.TYPE_BACKEND_HEALTH ? "" : "_total"),
                    value,
                    "backend",
                    backend.group(1));
        } else if (type == CountersLayout.TYPE_WORKER_ERRORS) {
            text.sample("levitate_worker_errors_total", value);
        } else {
            return false;
        }
        return true;
    }

    /** "tx dropped (ring full)" -> "tx_dropped". */
    static String metricWord(final String text) {
        final int paren = text.indexOf(" (");
        final String core = paren > 0 ? text.substring(0, paren) : text;
        return core.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
