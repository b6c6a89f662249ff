package io.levitate.bgp.sidecar;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.bfd.BfdStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The BFD part of /metrics: one series per peer and per drop reason; nothing without BFD peers. */
class StatusRendererBfdTest {
    @Test
    void bfdSeries() {
        final BfdStatus up = new BfdStatus(
                "10.0.1.1",
                "Up",
                3,
                "Up",
                "No Diagnostic",
                7,
                9,
                300_000,
                900_000,
                300_000,
                300_000,
                3,
                300_000,
                300_000,
                3,
                1200,
                1190,
                2,
                1,
                2,
                3,
                0,
                null,
                false);
        final Map<String, Long> drops = new LinkedHashMap<>();
        drops.put("ttl_not_255", 4L);
        drops.put("bad_version", 0L);
        final StringBuilder sb = new StringBuilder();
        StatusRenderer.bfdPrometheus(sb, List.of(up), drops);
        final String text = sb.toString();
        for (final String line : List.of(
                "levitate_bfd_session_state{peer=\"10.0.1.1\"} 3",
                "levitate_bfd_session_up{peer=\"10.0.1.1\"} 1",
                "levitate_bfd_bgp_held{peer=\"10.0.1.1\"} 0",
                "levitate_bfd_session_flaps_total{peer=\"10.0.1.1\"} 1",
                "levitate_bfd_tx_interval_seconds{peer=\"10.0.1.1\"} 0.3",
                "levitate_bfd_detection_time_seconds{peer=\"10.0.1.1\"} 0.9",
                "levitate_bfd_packets_sent_total{peer=\"10.0.1.1\"} 1200",
                "levitate_bfd_packets_received_total{peer=\"10.0.1.1\"} 1190",
                "levitate_bfd_packets_dropped_total{reason=\"ttl_not_255\"} 4",
                "levitate_bfd_packets_dropped_total{reason=\"bad_version\"} 0")) {
            assertTrue(text.contains(line + "\n"), line + " in\n" + text);
        }
        final StringBuilder none = new StringBuilder();
        StatusRenderer.bfdPrometheus(none, List.of(), Map.of());
        assertEquals("", none.toString());
    }
}
