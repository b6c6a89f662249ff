package io.levitate.core.counters;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: the forwarder's exporter (its
 * counters file and latency histograms) and the announcer's metrics server (sessions, BFD, VIPs)
 * both write through this one class, so both endpoints quote and lay out lines alike.
 *
 * <p>Each sample is one line, {@code name{label="value",...} value}; label values are escaped as
 * the format requires (backslash, double quote, line feed), so a name from a configuration file
 * can never break a line. Values are written as given: a {@code long} in decimal, or text the
 * caller formatted (a quantile's fixed digits, a number of seconds).
 */
public final class PrometheusText {
    /** The Content-Type of a response in this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out;

    public PrometheusText(final int capacity) {
        this(new StringBuilder(capacity));
    }

    /** Appends to {@code out}, after whatever it holds. */
    public PrometheusText(final StringBuilder out) {
        this.out = out;
    }

    /** {@code # HELP} and {@code # TYPE} lines that introduce a metric's samples. */
    public PrometheusText family(final String name, final String help, final String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /**
     * One sample.
     *
     * @param labels label names and values, alternating: {@code "peer", "10.0.1.1", "afi", "ipv4"}.
     */
    public PrometheusText sample(final String name, final long value, final String... labels) {
        head(name, labels);
        out.append(value).append('\n');
        return this;
    }

    /** One sample whose value the caller has formatted (a floating-point figure). */
    public PrometheusText sample(final String name, final String value, final String... labels) {
        head(name, labels);
        out.append(value).append('\n');
        return this;
    }

    private void head(final String name, final String[] labels) {
        if ((labels.length & 1) != 0) {
            throw new IllegalArgumentException("labels come in name and value pairs: " + labels.length + " strings");
        }
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"");
                escape(labels[i + 1]);
                out.append('"');
            }
            out.append('}');
        }
        out.append(' ');
    }

    private void escape(final String value) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    /** Whether nothing has been written yet. */
    public boolean isEmpty() {
        return out.isEmpty();
    }

    /** The exposition so far. */
    @Override
    public String toString() {
        return out.toString();
    }
}
