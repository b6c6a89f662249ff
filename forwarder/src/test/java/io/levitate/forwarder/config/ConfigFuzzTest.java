package io.levitate.forwarder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.levitate.core.config.ConfigError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bad configuration never crashes: 12 000 mutated and random documents (truncations,
 * lost and repeated lines, broken indentation, wrong types, huge numbers, stray bytes, anchors and
 * aliases, deep nesting) each yield either a valid configuration, whose tables build, or errors that
 * each carry the file, a line and column inside the text, and a one-line reason. Fixed seeds: a
 * failure reproduces.
 */
class ConfigFuzzTest {
    private static final int MUTATED = 8_000;
    private static final int RANDOM = 2_500;
    private static final int BYTE_LEVEL = 1_500;

    private static final String[] VALUES = {
        "",
        "~",
        "null",
        "[]",
        "{}",
        "-1",
        "0",
        "1",
        "65535",
        "65536",
        "99999999999999999999999999",
        "0x",
        "0xFFFFFFFFFFFFFFFFF",
        "\"80\"",
        "'x'",
        "*nope",
        "&a x",
        "!!binary AA==",
        "!custom x",
        "[1, [2, [3]]]",
        "{a: {b: {c: d}}}",
        "true",
        "yes",
        "1.5",
        "1e9",
        "-0",
        "fd00::1",
        "::",
        "10.0.0.1",
        "10.0.0.256",
        "300s",
        "0s",
        "5 s",
        "any",
        "'",
        "\"",
        "{a: b",
        "[a",
        "- x",
        "? x",
        "|\n  text",
        ">",
        "@",
        "`",
        "%TAG",
        "a: b: c",
        "\t",
        "\u0000",
        "\u0085",
        "\uFEFF",
        "é",
        "\uD83D\uDE00",
        "x".repeat(300),
        "9".repeat(60),
        "[" + "[".repeat(100) + "]".repeat(101)
    };

    @Test
    void mutatedAndRandomDocumentsNeverEscape() {
        final List<String> seeds = List.of(ConfigTesting.minimal(), ConfigTesting.resource("valid.yaml"));
        final Random random = new Random(0x1e717a7eL);
        final long start = System.nanoTime();
        int valid = 0;
        int invalid = 0;
        for (int i = 0; i < MUTATED; i++) {
            String doc = seeds.get(random.nextInt(seeds.size()));
            final int rounds = 1 + random.nextInt(3);
            for (int r = 0; r < rounds; r++) {
                doc = mutate(doc, random);
            }
            if (check(doc, i)) {
                valid++;
            } else {
                invalid++;
            }
        }
        for (int i = 0; i < RANDOM; i++) {
            if (check(randomDocument(random), i)) {
                valid++;
            } else {
                invalid++;
            }
        }
        for (int i = 0; i < BYTE_LEVEL; i++) {
            final byte[] bytes = seeds.get(random.nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8);
            final int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            final byte[] cut = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            if (checkResult(ConfigReader.parse(cut, ConfigTesting.FILE), new String(cut, StandardCharsets.UTF_8), i)) {
                valid++;
            } else {
                invalid++;
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "config fuzz: %d documents (%d valid, %d invalid) in %.1f s%n",
                valid + invalid, valid, invalid, seconds);
        assertEquals(MUTATED + RANDOM + BYTE_LEVEL, valid + invalid);
        assertTrue(invalid > valid, "most mutations must break something, or the mutator is not mutating");
        assertTrue(valid > 100, "some mutations must keep the file valid (comments, reordering, defaults)");
    }

    /** True when valid; fails the test on an escaping exception or a malformed error. */
    private static boolean check(final String doc, final int index) {
        final ConfigResult result;
        try {
            result = ConfigReader.parse(doc, ConfigTesting.FILE);
        } catch (final RuntimeException | StackOverflowError escaped) {
            fail("document " + index + " threw " + escaped + ":\n" + doc, escaped);
            return false;
        }
        return checkResult(result, doc, index);
    }

    private static boolean checkResult(final ConfigResult result, final String doc, final int index) {
        if (result.valid()) {
            assertTrue(result.errors().isEmpty());
            // Building every table is the expensive part; a sample proves validation admits only buildable services.
            if (index % 32 == 0) {
                try {
                    result.config().buildTables();
                } catch (final RuntimeException escaped) {
                    fail("valid document " + index + " failed to build its tables: " + escaped + ":\n" + doc, escaped);
                }
            }
            return true;
        }
        final int lines = (int) doc.chars()
                        .filter(c -> c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029)
                        .count()
                + 1;
        assertFalse(result.errors().isEmpty());
        for (final ConfigError e : result.errors()) {
            final String where = "document " + index + ": " + e + "\n" + doc;
            assertEquals(ConfigTesting.FILE, e.file(), where);
            assertTrue(e.line() >= 1 && e.line() <= lines + 1, where);
            assertTrue(e.column() >= 1, where);
            assertFalse(e.reason().isBlank(), where);
            assertFalse(e.reason().contains("\n"), "one line per error: " + where);
            assertFalse(e.reason().contains("Exception"), "no exception names for operators: " + where);
        }
        return false;
    }

    private static String mutate(final String doc, final Random random) {
        final List<String> lines = new ArrayList<>(Arrays.asList(doc.split("\n", -1)));
        final int at = random.nextInt(lines.size());
        switch (random.nextInt(11)) {
            case 0 -> {
                return doc.substring(0, random.nextInt(doc.length() + 1));
            }
            case 1 -> lines.remove(at);
            case 2 -> lines.add(at, lines.get(at));
            case 3 -> {
                // Replace a value after "key: " with something of another type or shape.
                final String line = lines.get(at);
                final int colon = line.indexOf(": ");
                final String value = VALUES[random.nextInt(VALUES.length)];
                lines.set(at, colon < 0 ? line + " " + value : line.substring(0, colon + 2) + value);
            }
            case 4 -> {
                final String line = lines.get(at);
                lines.set(
                        at,
                        random.nextBoolean()
                                ? " ".repeat(1 + random.nextInt(3)) + line
                                : line.replaceFirst("^ {1,2}", ""));
            }
            case 5 -> {
                final int pos = random.nextInt(doc.length() + 1);
                final char c = (char) (random.nextBoolean() ? random.nextInt(128) : random.nextInt(0x10000));
                return doc.substring(0, pos) + c + doc.substring(pos);
            }
            case 6 -> java.util.Collections.swap(lines, at, random.nextInt(lines.size()));
            case 7 -> {
                // Misspell a key.
                final String line = lines.get(at);
                final int colon = line.indexOf(':');
                if (colon > 1) {
                    final int p = random.nextInt(colon);
                    lines.set(at, line.substring(0, p) + (char) ('a' + random.nextInt(26)) + line.substring(p + 1));
                }
            }
            case 8 -> {
                // Anchor a line's value and alias it from another line.
                final String line = lines.get(at);
                final int colon = line.indexOf(": ");
                final int other = random.nextInt(lines.size());
                final int otherColon = lines.get(other).indexOf(": ");
                if (colon > 0 && otherColon > 0 && other != at) {
                    lines.set(at, line.substring(0, colon + 2) + "&x" + at + " " + line.substring(colon + 2));
                    lines.set(other, lines.get(other).substring(0, otherColon + 2) + "*x" + at);
                }
            }
            case 9 -> {
                final String line = lines.get(at);
                final int colon = line.indexOf(": ");
                final String huge = random.nextBoolean()
                        ? "1" + "0".repeat(random.nextInt(400))
                        : "-" + Long.toUnsignedString(random.nextLong());
                lines.set(at, colon < 0 ? line : line.substring(0, colon + 2) + huge);
            }
            default -> {
                final int depth = random.nextInt(200);
                final String line = lines.get(at);
                final int colon = line.indexOf(": ");
                final String nest = random.nextBoolean()
                        ? "[".repeat(depth) + "]".repeat(depth)
                        : "{a: ".repeat(depth) + "b" + "}".repeat(depth);
                lines.set(at, colon < 0 ? line : line.substring(0, colon + 2) + nest);
            }
        }
        return String.join("\n", lines);
    }

    private static final String[] KEYS = {
        "instance",
        "name",
        "ports",
        "device",
        "services",
        "vip",
        "port",
        "backends",
        "address",
        "weight",
        "hash_seed",
        "bgp",
        "peers",
        "<<",
        "? complex",
        "- item",
        "x"
    };

    /** A random YAML-shaped document: keys, values, lists, indentation, anchors. */
    private static String randomDocument(final Random random) {
        final StringBuilder sb = new StringBuilder();
        final int lines = random.nextInt(40);
        int indent = 0;
        for (int i = 0; i < lines; i++) {
            indent = Math.max(0, indent + random.nextInt(5) - 2);
            sb.append(" ".repeat(indent));
            if (random.nextInt(4) == 0) {
                sb.append("- ");
            }
            sb.append(KEYS[random.nextInt(KEYS.length)]).append(':');
            if (random.nextBoolean()) {
                sb.append(' ').append(VALUES[random.nextInt(VALUES.length)]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
