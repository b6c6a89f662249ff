package io.levitate.perf.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Component;
import java.awt.Font;
import java.awt.Graphics;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.swing.Icon;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.labels.StandardXYItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.MinMaxCategoryRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Draws a result file of {@code scripts/bench.sh} as a PNG beside it (same name, {@code .png}):
 * a scenario as one bar per contender (the median Mpps over the rounds, a whisker from the
 * slowest to the fastest round), a sweep ({@link Sweep}) as one line per contender over the flow
 * counts (log scale) with the same whiskers. The title says scenario, flows, frame size, date and
 * commit. The bench draws every file it writes; this redraws any result file, older committed
 * ones included:
 *
 * <pre>java -cp perf/target/benchmarks.jar io.levitate.perf.bench.Charts perf/results/lb-….json …</pre>
 */
public final class Charts {
    static {
        // Charts are files: no display is needed or wanted (the bench runs over ssh, as root).
        System.setProperty("java.awt.headless", "true");
    }

    static final int WIDTH = 960;
    static final int HEIGHT = 540;

    /** Colours by contender name prefix, so one contender looks the same in every chart. */
    private static final Map<String, Color> COLOURS = new LinkedHashMap<>();

    static {
        COLOURS.put(Contender.TESTPMD_IO, new Color(0x8c, 0x8c, 0x8c));
        COLOURS.put(Contender.L3FWD_EM, new Color(0x1f, 0x77, 0xb4));
        COLOURS.put("levitate-lb-2w", new Color(0x2c, 0xa0, 0x2c));
        COLOURS.put("levitate", new Color(0xff, 0x7f, 0x0e));
    }

    private static final Color[] SPARE = {
        new Color(0xd6, 0x27, 0x28),
        new Color(0x94, 0x67, 0xbd),
        new Color(0x8c, 0x56, 0x4b),
        new Color(0xe3, 0x77, 0xc2)
    };

    private Charts() {}

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.out.println("usage: java -cp perf/target/benchmarks.jar io.levitate.perf.bench.Charts RESULT.json…\n"
                    + "draws each result file of scripts/bench.sh as RESULT.png beside it");
            System.exit(args.length == 0 ? 2 : 0);
        }
        int failed = 0;
        for (String a : args) {
            try {
                System.out.println("charts: wrote " + draw(Path.of(a)));
            } catch (IOException | RuntimeException e) {
                System.err.println("charts: " + a + ": " + e.getMessage());
                failed++;
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Where the chart of {@code json} goes: beside it, {@code .json} replaced by {@code .png}. */
    static Path chartFile(Path json) {
        String name = json.getFileName().toString();
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
        return json.resolveSibling(stem + ".png");
    }

    /** Reads a result file, writes its chart beside it and returns the chart's path. */
    static Path draw(Path json) throws IOException {
        if (!(JsonReader.parse(Files.readString(json)) instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("not a result file (no JSON object)");
        }
        Path png = chartFile(json);
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        ChartUtils.saveChartAsPNG(tmp.toFile(), chart(root), WIDTH, HEIGHT);
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return png;
    }

    /** For the bench: a chart that cannot be drawn costs a warning, never the result file. */
    static void drawQuietly(Path json) {
        try {
            System.out.println("bench: wrote " + draw(json));
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("bench: no chart for " + json + ": " + e);
        }
    }

    static JFreeChart chart(Map<?, ?> root) {
        return root.get("points") instanceof List<?> points ? sweepChart(root, points) : scenarioChart(root);
    }

    private static JFreeChart scenarioChart(Map<?, ?> root) {
        DefaultCategoryDataset medians = new DefaultCategoryDataset();
        DefaultCategoryDataset range = new DefaultCategoryDataset();
        List<Color> colours = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Object o : list(root.get("contenders"))) {
            Map<?, ?> c = map(o);
            String name = String.valueOf(c.get("name"));
            Map<?, ?> mpps = map(c.get("mpps"));
            Double median = number(mpps.get("median"));
            String label = median == null ? name + " (" + text(c.get("status"), "no result") + ")" : name;
            if (c.get("skip_reason") != null) {
                notes.add(name + " skipped: " + c.get("skip_reason"));
            }
            String error = firstError(c);
            if (error != null) {
                notes.add(name + " failed a round: " + error);
            }
            medians.addValue(median, "median", label);
            range.addValue(number(mpps.get("min")), "min", label);
            range.addValue(number(mpps.get("max")), "max", label);
            colours.add(colour(name, colours.size()));
        }
        BarRenderer bars = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return colours.get(column);
            }
        };
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setMaximumBarWidth(0.18);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.00")));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        bars.setDefaultPositiveItemLabelPosition(
                new ItemLabelPosition(ItemLabelAnchor.INSIDE6, TextAnchor.BOTTOM_CENTER));
        bars.setItemLabelAnchorOffset(6);
        MinMaxCategoryRenderer whiskers = new MinMaxCategoryRenderer();
        whiskers.setDrawLines(false); // true would join each series (min, max) across the contenders
        whiskers.setGroupPaint(Color.BLACK);
        whiskers.setGroupStroke(new BasicStroke(1.6f));
        Icon cap = new Cap(24);
        whiskers.setObjectIcon(cap);
        whiskers.setMinIcon(cap);
        whiskers.setMaxIcon(cap);
        whiskers.setDefaultSeriesVisibleInLegend(false);
        CategoryAxis x = new CategoryAxis(null);
        x.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        NumberAxis y = new NumberAxis("Mpps forwarded (bar: median of the rounds, whisker: min–max)");
        CategoryPlot plot = new CategoryPlot(medians, x, y, bars);
        plot.setDataset(1, range);
        plot.setRenderer(1, whiskers);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        style(plot);
        JFreeChart chart =
                new JFreeChart(title(root, longValue(root.get("flows"))), JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        subtitles(chart, root, notes);
        return chart;
    }

    private static JFreeChart sweepChart(Map<?, ?> root, List<?> points) {
        Map<String, YIntervalSeries> series = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (Object p : points) {
            Map<?, ?> point = map(p);
            Long flows = longValue(point.get("flows"));
            if (flows == null || flows < 1) {
                continue;
            }
            lo = Math.min(lo, flows);
            hi = Math.max(hi, flows);
            for (Object o : list(point.get("contenders"))) {
                Map<?, ?> c = map(o);
                String name = String.valueOf(c.get("name"));
                YIntervalSeries s = series.computeIfAbsent(name, YIntervalSeries::new);
                Map<?, ?> mpps = map(c.get("mpps"));
                Double median = number(mpps.get("median"));
                if (median == null) {
                    notes.add(name + " at " + flows(flows) + " flows: "
                            + text(c.get("skip_reason"), text(c.get("status"), "no result")));
                    continue;
                }
                Double min = number(mpps.get("min"));
                Double max = number(mpps.get("max"));
                s.add(flows, median, min == null ? median : min, max == null ? median : max);
            }
        }
        // A sweep cut short still spans the flow counts it was to run.
        for (Object o : list(root.get("flows_points"))) {
            Long f = longValue(o);
            if (f != null && f >= 1) {
                lo = Math.min(lo, f);
                hi = Math.max(hi, f);
            }
        }
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDrawYError(true);
        renderer.setCapLength(10);
        renderer.setItemLabelAnchorOffset(9);
        renderer.setErrorStroke(new BasicStroke(1.4f));
        renderer.setDefaultLinesVisible(true);
        renderer.setDefaultShapesVisible(true);
        renderer.setDefaultItemLabelGenerator(
                new StandardXYItemLabelGenerator("{2}", new FlowsFormat(), new DecimalFormat("0.0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        renderer.setDefaultPositiveItemLabelPosition(
                new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        for (YIntervalSeries s : series.values()) {
            int i = data.getSeriesCount();
            data.addSeries(s);
            renderer.setSeriesPaint(i, colour(String.valueOf(s.getKey()), i));
            renderer.setSeriesStroke(i, new BasicStroke(2.2f));
        }
        LogAxis x = new LogAxis("flows (distinct 5-tuples in the pcap, log scale)");
        x.setBase(10);
        x.setTickUnit(new NumberTickUnit(1.0));
        x.setNumberFormatOverride(new FlowsFormat());
        if (hi > 0) {
            x.setRange(lo / 2, hi * 2);
        }
        NumberAxis y = new NumberAxis("Mpps forwarded (point: median of the rounds, whisker: min–max)");
        XYPlot plot = new XYPlot(data, x, y, renderer);
        style(plot);
        JFreeChart chart = new JFreeChart(title(root, null), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        subtitles(chart, root, notes);
        return chart;
    }

    private static void style(Plot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        if (plot instanceof CategoryPlot c) {
            c.setRangeGridlinePaint(new Color(0xd0, 0xd0, 0xd0));
        } else if (plot instanceof XYPlot xy) {
            xy.setRangeGridlinePaint(new Color(0xd0, 0xd0, 0xd0));
            xy.setDomainGridlinePaint(new Color(0xd0, 0xd0, 0xd0));
        }
    }

    /** "lb — 10 k flows, 64-byte frames" (a sweep: its flow counts instead). */
    static String title(Map<?, ?> root, Long flows) {
        StringBuilder t = new StringBuilder(text(root.get("scenario"), "?"));
        if (root.get("sweep_of") != null) {
            t.append(" of ").append(root.get("sweep_of"));
        }
        t.append(" — ");
        if (flows != null) {
            t.append(flows(flows)).append(" flows");
        } else if (root.get("flows_points") instanceof List<?> fl && !fl.isEmpty()) {
            List<String> f = new ArrayList<>();
            for (Object o : fl) {
                Long v = longValue(o);
                f.add(v == null ? "?" : flows(v));
            }
            t.append(String.join(", ", f)).append(" flows");
        } else {
            t.append("? flows");
        }
        Long frame = longValue(root.get("frame_size"));
        if (frame != null) {
            t.append(", ").append(frame).append("-byte frames");
        }
        if (Boolean.TRUE.equals(root.get("ipv6"))) {
            t.append(", IPv6");
        }
        Double syn = number(root.get("syn_share"));
        if (syn != null && syn > 0) {
            t.append(String.format(Locale.ROOT, ", %.0f %% SYN", syn * 100));
        }
        return t.toString();
    }

    /** Date, commit, rounds, then one line per note (skipped contenders of a sweep). */
    private static void subtitles(JFreeChart chart, Map<?, ?> root, List<String> notes) {
        String date = text(root.get("date"), "undated").replace('T', ' ').replace("Z", " UTC");
        String commit = text(root.get("git_commit"), "unknown");
        if (commit.matches("[0-9a-f]{40}.*")) {
            commit = commit.substring(0, 10) + commit.substring(40);
        }
        String line = String.format(
                Locale.ROOT,
                "%s · commit %s · %s round(s) × %s s measured after %s s warm-up · %s",
                date,
                commit,
                text(root.get("rounds"), "?"),
                text(root.get("seconds"), "?"),
                text(root.get("warmup_seconds"), "?"),
                machine(root));
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        chart.addSubtitle(new TextTitle(line, font));
        String noise = noise(root);
        if (noise != null) {
            chart.addSubtitle(new TextTitle(noise, font));
        }
        for (String n : notes) {
            TextTitle t = new TextTitle(n, font);
            t.setPosition(RectangleEdge.BOTTOM);
            chart.addSubtitle(t);
        }
        chart.setBackgroundPaint(Color.WHITE);
    }

    /**
     * A warning when a measured forwarding thread was off its CPU for over 10 % of an interval
     * ({@code round_details[].fwd_thread_on_cpu_share}): other work shared the core, and the
     * figures say more about the machine than about the contenders. Null when all were on CPU.
     */
    static String noise(Map<?, ?> root) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        List<Object> files = new ArrayList<>(list(root.get("points")));
        files.add(root);
        for (Object f : files) {
            for (Object c : list(map(f).get("contenders"))) {
                for (Object r : list(map(c).get("round_details"))) {
                    Double share = number(map(r).get("fwd_thread_on_cpu_share"));
                    if (share != null) {
                        lo = Math.min(lo, share);
                        hi = Math.max(hi, share);
                    }
                }
            }
        }
        if (!(lo < 0.9)) {
            return null;
        }
        String range = Math.round(lo * 100) == Math.round(hi * 100)
                ? String.format(Locale.ROOT, "%.0f %%", lo * 100)
                : String.format(Locale.ROOT, "%.0f–%.0f %%", lo * 100, hi * 100);
        return "shared machine: forwarding threads on a CPU for " + range
                + " of the measured intervals; figures indicative";
    }

    /** The first failed round's error of a contender, cut to fit a chart's width; or null. */
    private static String firstError(Map<?, ?> contender) {
        for (Object r : list(contender.get("round_details"))) {
            Object e = map(r).get("error");
            if (e != null) {
                String t = String.valueOf(e);
                return t.length() > 110 ? t.substring(0, 110) + "…" : t;
            }
        }
        return null;
    }

    private static String machine(Map<?, ?> root) {
        Map<?, ?> m = map(root.get("machine"));
        if (m.isEmpty()) {
            return "machine not recorded";
        }
        return text(m.get("nproc"), "?") + " CPUs, " + text(m.get("cpu_model"), "?") + ", DPDK "
                + text(m.get("dpdk"), "?");
    }

    /** 1000 → "1 k", 1000000 → "1 M", others with digit grouping. */
    static String flows(long n) {
        if (n >= 1_000_000 && n % 1_000_000 == 0) {
            return n / 1_000_000 + " M";
        }
        if (n >= 1000 && n % 1000 == 0) {
            return n / 1000 + " k";
        }
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static Color colour(String name, int index) {
        for (Map.Entry<String, Color> e : COLOURS.entrySet()) {
            if (name.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return SPARE[index % SPARE.length];
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static Double number(Object o) {
        return o instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
    }

    private static Long longValue(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    private static String text(Object o, String absent) {
        return o == null ? absent : String.valueOf(o);
    }

    /** A whisker's cap: a short horizontal line centred on the value. */
    private record Cap(int width) implements Icon {
        @Override
        public void paintIcon(Component c, Graphics g, int x, int y) {
            g.setColor(Color.BLACK);
            // MinMaxCategoryRenderer hands over the value's point, not a corner
            g.fillRect(x - width / 2, y - 1, width, 2);
        }

        @Override
        public int getIconWidth() {
            return width;
        }

        @Override
        public int getIconHeight() {
            return 4;
        }
    }

    /** Axis and label format for flow counts: 1 k, 10 k, 1 M. */
    private static final class FlowsFormat extends NumberFormat {
        @Override
        public StringBuffer format(double number, StringBuffer to, FieldPosition pos) {
            return to.append(flows(Math.round(number)));
        }

        @Override
        public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
            return to.append(flows(number));
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            return null;
        }
    }
}
