package io.levitate.core.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void familiesAndSamplesAreLinesOfTheTextFormat() {
        final PrometheusText text = new PrometheusText(256);
        assertTrue(text.isEmpty());
        text.family("levitate_bgp_session_up", "1 while Up", "gauge")
                .sample("levitate_bgp_session_up", 1, "peer", "10.0.1.1")
                .sample("levitate_forwarder_state", 2)
                .sample("levitate_burst_latency_seconds", "0.000001500", "worker", "0", "quantile", "0.99");
        assertEquals("""
            # HELP levitate_bgp_session_up 1 while Up
            # TYPE levitate_bgp_session_up gauge
            levitate_bgp_session_up{peer="10.0.1.1"} 1
            levitate_forwarder_state 2
            levitate_burst_latency_seconds{worker="0",quantile="0.99"} 0.000001500
            """, text.toString());
    }

    /** A label value from a configuration file or a peer's NOTIFICATION never breaks its line. */
    @Test
    void labelValuesAreEscaped() {
        final String text = new PrometheusText(64)
                .sample("m", -1, "reason", "a \"b\" c\\d\ne")
                .toString();
        assertEquals("m{reason=\"a \\\"b\\\" c\\\\d\\ne\"} -1\n", text);
    }

    @Test
    void appendsToTheCallersBuffer() {
        final StringBuilder sb = new StringBuilder("# before\n");
        new PrometheusText(sb).sample("m", 3);
        assertEquals("# before\nm 3\n", sb.toString());
    }

    @Test
    void labelsComeInPairs() {
        assertThrows(IllegalArgumentException.class, () -> new PrometheusText(16).sample("m", 1, "peer"));
    }
}
