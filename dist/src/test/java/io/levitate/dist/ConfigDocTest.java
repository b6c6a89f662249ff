package io.levitate.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFIG.md against the two parsers: every key the forwarder's ConfigBuilder and the
 * announcer's ConfigLoader accept has a row (default, range, meaning) in the reference section,
 * and appears in the example schema at the top. The key lists are read from the parsers
 * themselves, so a key added to a parser without documentation fails here.
 */
class ConfigDocTest {
    private static final Path DOC = Path.of(System.getProperty("levitate.repo", ".."), "docs/CONFIG.md");
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([^`]+)` \\|");

    @Test
    void everyParserKeyHasAReferenceRowAndAnExample() throws Exception {
        final String doc = Files.readString(DOC);
        final Map<String, String> sections = sections(doc);
        final String schema = doc.substring(doc.indexOf("```yaml"), doc.indexOf("```", doc.indexOf("```yaml") + 7));
        final String forwarder = "io.levitate.forwarder.config.ConfigBuilder";
        final String announcer = "io.levitate.bgp.config.ConfigLoader";
        final List<String> missing = new ArrayList<>();
        check(missing, sections, schema, "instance", "", keys(forwarder, "INSTANCE_KEYS"));
        check(missing, sections, schema, "instance", "ports[].", keys(forwarder, "PORT_KEYS"));
        check(missing, sections, schema, "conntrack", "", keys(forwarder, "CONNTRACK_KEYS"));
        check(missing, sections, schema, "conntrack", "timeouts.", keys(forwarder, "TIMEOUT_KEYS"));
        check(missing, sections, schema, "services", "", keys(forwarder, "SERVICE_KEYS"));
        check(missing, sections, schema, "services", "", keys(announcer, "SERVICE_KEYS"));
        check(missing, sections, schema, "services[].backends[]", "", keys(forwarder, "BACKEND_KEYS"));
        check(missing, sections, schema, "health_check", "", keys(forwarder, "HEALTH_KEYS"));
        check(missing, sections, schema, "metrics", "metrics.", keys(forwarder, "METRICS_KEYS"));
        check(missing, sections, schema, "metrics", "control.", keys(forwarder, "CONTROL_KEYS"));
        check(missing, sections, schema, "bgp", "", keys(forwarder, "BGP_KEYS"));
        check(missing, sections, schema, "bgp", "peers[].", keys(forwarder, "PEER_KEYS"));
        check(missing, sections, schema, "bgp", "", keys(announcer, "BGP_KEYS"));
        check(missing, sections, schema, "bgp", "peers[].", keys(announcer, "PEER_KEYS"));
        check(missing, sections, schema, "bgp", "peers[].bfd.", keys(forwarder, "BFD_KEYS"));
        check(missing, sections, schema, "bgp", "peers[].bfd.", keys(announcer, "BFD_KEYS"));
        for (final String root : keys(forwarder, "ROOT_KEYS")) {
            if (!doc.contains("### `" + root + "`") && !doc.contains(", `" + root + "`")) {
                missing.add("no section for " + root);
            }
        }
        assertEquals(List.of(), missing, "undocumented keys in " + DOC);
    }

    @Test
    void theCheckSeesAMissingRow() throws Exception {
        final Map<String, String> sections =
                sections("### `bgp` (optional)\n\n| key | default |\n|---|---|\n| `local_as` | required |\n");
        final List<String> missing = new ArrayList<>();
        check(missing, sections, "local_as: 1\n", "bgp", "", List.of("local_as", "router_id"));
        assertEquals(List.of("bgp: router_id has no reference row", "router_id: not in the example schema"), missing);
    }

    private static void check(
            final List<String> missing,
            final Map<String, String> sections,
            final String schema,
            final String section,
            final String prefix,
            final Collection<String> keys) {
        final String table = sections.get(section);
        assertTrue(table != null, "section " + section + " in " + DOC);
        final List<String> rows = new ArrayList<>();
        final Matcher m = ROW.matcher(table);
        while (m.find()) {
            rows.add(m.group(1));
        }
        for (final String key : keys) {
            if (!rows.contains(prefix + key)) {
                missing.add(section + ": " + prefix + key + " has no reference row");
            }
            if (!Pattern.compile("(?m)^[ -]*" + Pattern.quote(key) + ":")
                    .matcher(schema)
                    .find()) {
                missing.add(key + ": not in the example schema");
            }
        }
    }

    /** "### `name` ..." headings of the reference, each with its text up to the next heading. */
    private static Map<String, String> sections(final String doc) {
        final Map<String, String> out = new HashMap<>();
        final String[] parts = doc.split("(?m)^### ");
        for (int i = 1; i < parts.length; i++) {
            final Matcher name = Pattern.compile("^`([^`]+)`").matcher(parts[i]);
            if (name.find()) {
                out.put(name.group(1), parts[i]);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Collection<String> keys(final String className, final String field) throws Exception {
        final Field f = Class.forName(className).getDeclaredField(field);
        f.setAccessible(true);
        return (Collection<String>) f.get(null);
    }
}
