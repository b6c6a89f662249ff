package io.levitate.forwarder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.config.ConfigError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Shared fixtures: the minimal valid file and helpers that read a text as file {@code t.yaml}. */
final class ConfigTesting {
    static final String FILE = "t.yaml";

    private ConfigTesting() {}

    /** A test resource as text. */
    static String resource(final String name) {
        try (InputStream in = ConfigTesting.class.getResourceAsStream("/config/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The minimal valid file, 17 lines:
     * <pre>
     *  1 instance:                 10 services:
     *  2   name: lb1               11   - name: web
     *  3   ports:                  12     vip: 198.18.0.10
     *  4     - device: net_null0   13     port: 80
     *  5   addresses:              14     protocol: tcp
     *  6     ipv4: 10.0.1.2        15     backends:
     *  7   gateways:               16       - address: 10.0.2.11
     *  8     ipv4: 10.0.1.1        17       - address: 10.0.2.12
     *  9 hash_seed: 42
     * </pre>
     */
    static String minimal() {
        return resource("minimal.yaml");
    }

    /** The minimal file with one exact substring replaced (which must occur once). */
    static String minimalWith(final String old, final String replacement) {
        final String base = minimal();
        final int at = base.indexOf(old);
        assertTrue(at >= 0 && base.indexOf(old, at + 1) < 0, "fixture must contain '" + old + "' exactly once");
        return base.substring(0, at) + replacement + base.substring(at + old.length());
    }

    static ConfigResult parse(final String yaml) {
        return ConfigReader.parse(yaml, FILE);
    }

    /** The errors of a text, each as {@code FILE:LINE:COL: reason}. */
    static List<String> errors(final String yaml) {
        final List<String> out = new ArrayList<>();
        for (final ConfigError e : parse(yaml).errors()) {
            out.add(e.toString());
        }
        return out;
    }

    /** Asserts the exact error lines, in order. */
    static void assertErrors(final String yaml, final String... expected) {
        assertEquals(List.of(expected), errors(yaml));
    }

    /** Asserts the text is valid and returns its model. */
    static LevitateConfig valid(final String yaml) {
        final ConfigResult r = parse(yaml);
        assertEquals(List.of(), r.errors());
        return r.config();
    }
}
