package io.levitate.forwarder.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.levitate.forwarder.counters.CountersLayout;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves {@code GET /metrics} in the Prometheus text format (version 0.0.4) on one small thread.
 * Bound to 127.0.0.1 by default: counters reveal traffic, so exposing them is an operator's choice.
 */
public final class PrometheusExporter implements AutoCloseable
{
    private static final Pattern WORKER = Pattern.compile("^worker (\\d+): (.*)$");
    private static final Pattern SERVICE = Pattern.compile("^service ([^:]+): (.*)$");
    private static final Pattern BACKEND = Pattern.compile("^backend (.+): ([^:]+)$");

    private final HttpServer server;
    private final CountersReader counters;
    private final List<SingleWriterRecorder> recorders;
    private final List<Histogram> cumulative = new ArrayList<>();
    private Histogram interval;

    public PrometheusExporter(final InetSocketAddress listen, final CountersReader counters,
        final List<SingleWriterRecorder> recorders) throws IOException
    {
        this.counters = counters;
        this.recorders = List.copyOf(recorders);
        for (int i = 0; i < recorders.size(); i++)
        {
            cumulative.add(new Histogram(1, 10_000_000_000L, 3));
        }
        server = HttpServer.create(listen, 16);
        server.createContext("/metrics", this::serve);
        server.setExecutor(Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "levitate-metrics");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The address actually bound (port 0 picks a free one). */
    public InetSocketAddress address()
    {
        return server.getAddress();
    }

    private void serve(final HttpExchange exchange) throws IOException
    {
        final byte[] body = render().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    /** The whole exposition; synchronized because HdrHistogram intervals are swapped here. */
    public synchronized String render()
    {
        final StringBuilder sb = new StringBuilder(16 * 1024);
        counters.forEach((id, type, key, label) ->
        {
            final String line = sample(type, label, counters.getCounterValue(id));
            if (line != null)
            {
                sb.append(line).append('\n');
            }
        });
        for (int w = 0; w < recorders.size(); w++)
        {
            interval = recorders.get(w).getIntervalHistogram(interval);
            final Histogram total = cumulative.get(w);
            total.add(interval);
            for (final double q : new double[] {0.5, 0.9, 0.99, 0.999})
            {
                sb.append(String.format(Locale.ROOT, "levitate_burst_latency_seconds{worker=\"%d\",quantile=\"%s\"} %.9f%n",
                    w, q, total.getValueAtPercentile(q * 100) / 1e9));
            }
            sb.append(String.format(Locale.ROOT, "levitate_burst_latency_seconds_count{worker=\"%d\"} %d%n", w,
                total.getTotalCount()));
        }
        return sb.toString();
    }

    /** One sample line for a counter, named by its type id (docs/COUNTERS.md); null to skip. */
    static String sample(final int type, final String label, final long value)
    {
        final String name;
        String labels = "";
        final Matcher worker = WORKER.matcher(label);
        final Matcher service = SERVICE.matcher(label);
        final Matcher backend = BACKEND.matcher(label);
        if (type == CountersLayout.TYPE_PROCESS_HEARTBEAT)
        {
            name = "levitate_heartbeat_epoch_ms";
        }
        else if (type == CountersLayout.TYPE_FORWARDER_STATE)
        {
            name = "levitate_forwarder_state";
        }
        else if (type >= CountersLayout.TYPE_WORKER_DROP_BASE && type < CountersLayout.TYPE_WORKER_DROP_BASE + 200
            && worker.matches())
        {
            name = "levitate_worker_drops_total";
            labels = "worker=\"" + worker.group(1) + "\",reason=\"" + worker.group(2).replace("drop ", "") + "\"";
        }
        else if (worker.matches())
        {
            name = "levitate_worker_" + metricWord(worker.group(2)) + (type == CountersLayout.TYPE_WORKER_HEARTBEAT
                || worker.group(2).endsWith("occupancy") ? "" : "_total");
            labels = "worker=\"" + worker.group(1) + "\"";
        }
        else if (service.matches())
        {
            name = "levitate_service_" + metricWord(service.group(2))
                + (type == CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS ? "" : "_total");
            labels = "service=\"" + escape(service.group(1)) + "\"";
        }
        else if (backend.matches())
        {
            name = "levitate_backend_" + metricWord(backend.group(2))
                + (type == CountersLayout.TYPE_BACKEND_HEALTH ? "" : "_total");
            labels = "backend=\"" + escape(backend.group(1)) + "\"";
        }
        else if (type == CountersLayout.TYPE_WORKER_ERRORS)
        {
            name = "levitate_worker_errors_total";
        }
        else
        {
            return null;
        }
        return labels.isEmpty() ? name + " " + value : name + "{" + labels + "} " + value;
    }

    /** "tx dropped (ring full)" -> "tx_dropped". */
    static String metricWord(final String text)
    {
        final int paren = text.indexOf(" (");
        final String core = paren > 0 ? text.substring(0, paren) : text;
        return core.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }

    private static String escape(final String value)
    {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public void close()
    {
        server.stop(0);
        ((java.util.concurrent.ExecutorService)server.getExecutor()).shutdownNow();
    }
}
