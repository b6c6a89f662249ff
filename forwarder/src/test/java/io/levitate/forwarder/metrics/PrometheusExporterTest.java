package io.levitate.forwarder.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.counters.CountersLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;

class PrometheusExporterTest {
    @Test
    void countersBecomeStableMetricNamesWithLabels() {
        assertEquals(
                "levitate_worker_rx_packets_total{worker=\"1\"} 5",
                PrometheusExporter.sample(CountersLayout.TYPE_WORKER_RX_PACKETS, "worker 1: rx packets", 5));
        assertEquals(
                "levitate_worker_tx_dropped_total{worker=\"0\"} 2",
                PrometheusExporter.sample(
                        CountersLayout.TYPE_WORKER_TX_DROPPED, "worker 0: tx dropped (ring full)", 2));
        assertEquals(
                "levitate_worker_drops_total{worker=\"0\",reason=\"bad_ihl\"} 3",
                PrometheusExporter.sample(CountersLayout.TYPE_WORKER_DROP_BASE + 7, "worker 0: drop bad_ihl", 3));
        assertEquals(
                "levitate_service_healthy_backends{service=\"web\"} 3",
                PrometheusExporter.sample(
                        CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS, "service web: healthy backends", 3));
        assertEquals(
                "levitate_backend_new_flows_total{backend=\"web/10.0.2.11:80\"} 9",
                PrometheusExporter.sample(
                        CountersLayout.TYPE_BACKEND_NEW_FLOWS, "backend web/10.0.2.11:80: new flows", 9));
        assertEquals(
                "levitate_backend_up{backend=\"web6/[fd00:2::11]:80\"} 1",
                PrometheusExporter.sample(CountersLayout.TYPE_BACKEND_HEALTH, "backend web6/[fd00:2::11]:80: up", 1));
        assertNull(PrometheusExporter.sample(9999, "something else", 1));
    }

    /**
     * Each worker's burst latencies come from its own recorder, and a recorder takes back only an
     * interval histogram it handed out: with one shared histogram, the second worker's swap threw
     * on the first scrape and /metrics answered nothing on a forwarder of two or more workers.
     */
    @Test
    void everyWorkersLatencyIsExportedScrapeAfterScrape() throws Exception {
        final CountersManager counters = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final SingleWriterRecorder w0 = new SingleWriterRecorder(1, 10_000_000_000L, 3);
        final SingleWriterRecorder w1 = new SingleWriterRecorder(1, 10_000_000_000L, 3);
        final PrometheusExporter exporter = new PrometheusExporter(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), counters, List.of(w0, w1));
        try {
            for (int scrape = 1; scrape <= 3; scrape++) {
                w0.recordValue(1_000);
                w1.recordValue(2_000);
                w1.recordValue(2_000);
                final String text = exporter.render();
                assertTrue(text.contains("levitate_burst_latency_seconds_count{worker=\"0\"} " + scrape + "\n"), text);
                assertTrue(
                        text.contains("levitate_burst_latency_seconds_count{worker=\"1\"} " + 2 * scrape + "\n"), text);
            }
        } finally {
            exporter.close();
        }
    }

    /**
     * After {@link PrometheusExporter#restartLatency} (the end of warm-up) the quantiles and the
     * count cover only the bursts recorded since, whether or not a scrape came between.
     */
    @Test
    void latencyRestartsAtWarmUp() throws Exception {
        final CountersManager counters = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)),
                new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024)));
        final SingleWriterRecorder w0 = new SingleWriterRecorder(1, 10_000_000_000L, 3);
        final PrometheusExporter exporter = new PrometheusExporter(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), counters, List.of(w0));
        try {
            // The JIT's first seconds: slow bursts, one scraped and one not.
            w0.recordValue(90_000_000);
            assertTrue(exporter.render().contains("levitate_burst_latency_seconds_count{worker=\"0\"} 1\n"));
            w0.recordValue(80_000_000);
            exporter.restartLatency();
            for (int i = 0; i < 1000; i++) {
                w0.recordValue(2_000);
            }
            final String text = exporter.render();
            assertTrue(text.contains("levitate_burst_latency_seconds_count{worker=\"0\"} 1000\n"), text);
            assertTrue(
                    text.contains("levitate_burst_latency_seconds{worker=\"0\",quantile=\"0.999\"} 0.000002000\n"),
                    text);
        } finally {
            exporter.close();
        }
    }
}
