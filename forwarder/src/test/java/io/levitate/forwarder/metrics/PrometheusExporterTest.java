package io.levitate.forwarder.metrics;

import io.levitate.core.counters.CountersLayout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PrometheusExporterTest
{
    @Test
    void countersBecomeStableMetricNamesWithLabels()
    {
        assertEquals("levitate_worker_rx_packets_total{worker=\"1\"} 5",
            PrometheusExporter.sample(CountersLayout.TYPE_WORKER_RX_PACKETS, "worker 1: rx packets", 5));
        assertEquals("levitate_worker_tx_dropped_total{worker=\"0\"} 2",
            PrometheusExporter.sample(CountersLayout.TYPE_WORKER_TX_DROPPED, "worker 0: tx dropped (ring full)", 2));
        assertEquals("levitate_worker_drops_total{worker=\"0\",reason=\"bad_ihl\"} 3",
            PrometheusExporter.sample(CountersLayout.TYPE_WORKER_DROP_BASE + 7, "worker 0: drop bad_ihl", 3));
        assertEquals("levitate_service_healthy_backends{service=\"web\"} 3",
            PrometheusExporter.sample(CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS, "service web: healthy backends", 3));
        assertEquals("levitate_backend_new_flows_total{backend=\"web/10.0.2.11:80\"} 9",
            PrometheusExporter.sample(CountersLayout.TYPE_BACKEND_NEW_FLOWS, "backend web/10.0.2.11:80: new flows", 9));
        assertEquals("levitate_backend_up{backend=\"web6/[fd00:2::11]:80\"} 1",
            PrometheusExporter.sample(CountersLayout.TYPE_BACKEND_HEALTH, "backend web6/[fd00:2::11]:80: up", 1));
        assertNull(PrometheusExporter.sample(9999, "something else", 1));
    }
}
