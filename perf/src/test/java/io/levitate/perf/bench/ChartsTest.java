package io.levitate.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Charts drawn from small result files: a readable PNG of the set size that shows the data. */
class ChartsTest {
    /** Charts' colours of testpmd-io, l3fwd-em and levitate-*. */
    private static final int GREY = 0x8c8c8c;

    private static final int BLUE = 0x1f77b4;
    private static final int ORANGE = 0xff7f0e;

    @TempDir
    Path dir;

    private static Map<String, Object> contender(String name, Double median, Double min, Double max) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("status", "ok");
        Map<String, Object> mpps = new LinkedHashMap<>();
        mpps.put("median", median);
        mpps.put("min", min);
        mpps.put("max", max);
        c.put("mpps", mpps);
        return c;
    }

    private static Map<String, Object> skipped(String name, String reason) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("command", null);
        c.put("status", "skipped");
        c.put("skip_reason", reason);
        return c;
    }

    private static Map<String, Object> scenario(long flows, List<Object> contenders) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", "lb");
        root.put("date", "2026-12-06T20:00:00Z");
        root.put("git_commit", "0123456789abcdef0123456789abcdef01234567-dirty");
        root.put("flows", flows);
        root.put("frame_size", 64);
        root.put("rounds", 3);
        root.put("seconds", 5);
        root.put("warmup_seconds", 3);
        root.put("contenders", contenders);
        return root;
    }

    private Path write(String name, Object json) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, Json.write(json));
        return p;
    }

    private static BufferedImage readPng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(
                bytes.length > 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G');
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO cannot decode " + png);
        assertEquals(Charts.WIDTH, img.getWidth());
        assertEquals(Charts.HEIGHT, img.getHeight());
        return img;
    }

    /**
     * Rows (y) holding {@code run} pixels of {@code rgb} side by side: {min, max}, or null if none
     * do. A run, not a pixel: the edges of black text on white pass through greys too.
     */
    private static int[] rowsOf(BufferedImage img, int rgb, int run) {
        int top = Integer.MAX_VALUE;
        int bottom = -1;
        for (int y = 0; y < img.getHeight(); y++) {
            int length = 0;
            for (int x = 0; x < img.getWidth() && length < run; x++) {
                length = (img.getRGB(x, y) & 0xffffff) == rgb ? length + 1 : 0;
            }
            if (length >= run) {
                top = Math.min(top, y);
                bottom = Math.max(bottom, y);
            }
        }
        return bottom < 0 ? null : new int[] {top, bottom};
    }

    private static int[] rowsOf(BufferedImage img, int rgb) {
        return rowsOf(img, rgb, 8);
    }

    @Test
    void scenarioChartIsAPngWithOneBarPerContenderAsTallAsItsMedian() throws IOException {
        Path json = write(
                "lb-20261206-200000.json",
                scenario(
                        10_000,
                        List.of(
                                contender("testpmd-io", 50.0, 48.0, 56.0),
                                contender("l3fwd-em", 20.0, 19.0, 21.0),
                                contender("levitate-lb", 10.0, 9.0, 11.0))));
        Path png = Charts.draw(json);
        assertEquals(dir.resolve("lb-20261206-200000.png"), png);
        BufferedImage img = readPng(png);
        int[] grey = rowsOf(img, GREY);
        int[] blue = rowsOf(img, BLUE);
        int[] orange = rowsOf(img, ORANGE);
        assertNotNull(grey, "no testpmd-io bar");
        assertNotNull(blue, "no l3fwd-em bar");
        assertNotNull(orange, "no levitate-lb bar");
        // All bars stand on the same zero line; their heights go as the medians (50 : 20 : 10).
        assertTrue(Math.abs(grey[1] - blue[1]) <= 1 && Math.abs(grey[1] - orange[1]) <= 1);
        double h50 = grey[1] - grey[0];
        assertEquals(0.4, (blue[1] - blue[0]) / h50, 0.03);
        assertEquals(0.2, (orange[1] - orange[0]) / h50, 0.03);
    }

    @Test
    void aSkippedContenderHasNoBarAndTheOthersStillDo() throws IOException {
        Path json = write(
                "lb-20261206-200001.json",
                scenario(
                        1_000_000,
                        List.of(
                                contender("testpmd-io", 28.0, 26.4, 29.5),
                                skipped("l3fwd-em", "pcap too large for l3fwd's pool"),
                                contender("levitate-lb", 7.1, 5.8, 8.4))));
        BufferedImage img = readPng(Charts.draw(json));
        assertNotNull(rowsOf(img, GREY));
        assertNotNull(rowsOf(img, ORANGE));
        assertEquals(null, rowsOf(img, BLUE));
    }

    @Test
    void sweepChartHasALinePerContender() throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", "sweep");
        root.put("sweep_of", "lb");
        root.put("flows_points", List.of(1_000L, 10_000L, 1_000_000L));
        root.put("date", "2026-12-06T20:00:00Z");
        root.put("git_commit", "0123456789abcdef0123456789abcdef01234567");
        root.put("frame_size", 64);
        List<Object> points = new ArrayList<>();
        for (long f : new long[] {1_000, 10_000, 1_000_000}) {
            double scale = f == 1_000_000 ? 0.5 : 1;
            points.add(scenario(
                    f,
                    List.of(
                            contender("testpmd-io", 50 * scale, 45 * scale, 55 * scale),
                            f == 1_000_000
                                    ? skipped("l3fwd-em", "pcap too large")
                                    : contender("l3fwd-em", 20.0, 18.0, 22.0),
                            contender("levitate-lb", 10 * scale, 9 * scale, 11 * scale))));
        }
        root.put("points", points);
        BufferedImage img = readPng(Charts.draw(write("sweep-20261206-200000.json", root)));
        int[] grey = rowsOf(img, GREY, 4);
        int[] blue = rowsOf(img, BLUE, 4);
        int[] orange = rowsOf(img, ORANGE, 4);
        assertNotNull(grey, "no testpmd-io line");
        assertNotNull(blue, "no l3fwd-em line");
        assertNotNull(orange, "no levitate-lb line");
        // The fastest contender's line is above the slowest one's (smaller y is higher).
        assertTrue(grey[0] < orange[0], "testpmd-io at " + grey[0] + ", levitate-lb at " + orange[0]);
        assertEquals("sweep of lb — 1 k, 10 k, 1 M flows, 64-byte frames", Charts.title(root, null));
    }

    @Test
    void aCommittedResultFileIsDrawnAsItIs() throws IOException {
        // An older file from perf/results (tests run in the module's directory).
        Path committed = Path.of("results/lb-20261201-150629.json");
        Path copy = Files.copy(committed, dir.resolve(committed.getFileName()));
        BufferedImage img = readPng(Charts.draw(copy));
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, "a nearly blank image: " + colours.size() + " colours");
        assertNotNull(rowsOf(img, GREY));
        assertNotNull(rowsOf(img, BLUE));
        assertNotNull(rowsOf(img, ORANGE));
    }

    @Test
    void titleNamesScenarioFlowsAndFrameSize() {
        assertEquals("lb — 10 k flows, 64-byte frames", Charts.title(scenario(10_000, List.of()), 10_000L));
        assertEquals("12,345 flows", Charts.flows(12_345) + " flows");
    }

    @Test
    void roundsWithTheForwardingThreadOffItsCpuAreFlagged() {
        Map<String, Object> quiet = scenario(10_000, new ArrayList<>());
        Map<String, Object> c = contender("testpmd-io", 50.0, 48.0, 56.0);
        c.put(
                "round_details",
                List.of(Map.of("fwd_thread_on_cpu_share", 0.99), Map.of("fwd_thread_on_cpu_share", 0.97)));
        quiet.put("contenders", List.of(c));
        assertEquals(null, Charts.noise(quiet));
        Map<String, Object> busy = contender("levitate-lb", 10.0, 9.0, 11.0);
        busy.put("round_details", List.of(Map.of("fwd_thread_on_cpu_share", 0.303)));
        Map<String, Object> sweep = new LinkedHashMap<>();
        sweep.put("points", List.of(quiet, scenario(1000, List.of(busy))));
        assertEquals(
                "shared machine: forwarding threads on a CPU for 30–99 % of the measured intervals; figures indicative",
                Charts.noise(sweep));
        Map<String, Object> once = scenario(1000, List.of(busy));
        assertEquals(
                "shared machine: forwarding threads on a CPU for 30 % of the measured intervals; figures indicative",
                Charts.noise(once));
    }

    @Test
    void notAResultFileIsRefused() throws IOException {
        Path p = dir.resolve("x.json");
        Files.writeString(p, "[1, 2]");
        assertThrows(IllegalArgumentException.class, () -> Charts.draw(p));
        Files.writeString(p, "{\"scenario\": ");
        assertThrows(IllegalArgumentException.class, () -> Charts.draw(p));
    }

    @Test
    void jsonReaderReadsWhatJsonWrites() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"quoted\" \\ line\nnext\ttab \u0001 é");
        m.put("long", 4_000_000_000L);
        m.put("double", 12.345);
        m.put("negative", -0.5e-3);
        m.put("nan", Double.NaN);
        m.put("bool", true);
        m.put("list", List.of(1L, 2.5, "x"));
        m.put("empty", Map.of());
        m.put("nested", Map.of("k", List.of()));
        Object back = JsonReader.parse(Json.write(m));
        Map<String, Object> expected = new LinkedHashMap<>(m);
        expected.put("nan", null);
        assertEquals(expected, back);
        assertEquals(
                List.of("s", "long", "double", "negative", "nan", "bool", "list", "empty", "nested"),
                List.copyOf(((Map<?, ?>) back).keySet()));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{\"a\": 1,}"));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("[1 2]"));
        assertThrows(IllegalArgumentException.class, () -> JsonReader.parse("{} x"));
    }
}
