package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** tshark (an independent dissector) as a field extractor for the forwarder's output captures. */
final class TsharkFields {
    private TsharkFields() {}

    /**
     * One row per frame matching {@code filter} (null: every frame), one column per field.
     *
     * @param occurrence f (first: the outer header), l (last: the inner) or a (all, comma-separated).
     */
    static List<String[]> read(final Path pcap, final String filter, final String occurrence, final String... fields)
            throws Exception {
        final List<String> command = new ArrayList<>(List.of("tshark", "-r", pcap.toString()));
        if (filter != null) {
            command.addAll(List.of("-Y", filter));
        }
        command.addAll(List.of("-T", "fields", "-E", "occurrence=" + occurrence, "-E", "separator=|"));
        for (final String f : fields) {
            command.add("-e");
            command.add(f);
        }
        final Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "tshark " + String.join(" ", command));
        final List<String[]> rows = new ArrayList<>();
        for (final String line : text.split("\n")) {
            if (!line.isBlank()) {
                rows.add(Arrays.copyOf(line.split("\\|", -1), fields.length));
            }
        }
        return rows;
    }
}
