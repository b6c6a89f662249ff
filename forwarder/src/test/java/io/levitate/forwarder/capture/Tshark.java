package io.levitate.forwarder.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** tshark, the independent reader of the captures these tests write: one line per frame. */
final class Tshark {
    private Tshark() {}

    /** Each frame's fields, separated by '|'. */
    static List<String> fields(final Path pcapng, final String... fields) throws Exception {
        final List<String> command = new ArrayList<>(List.of("tshark", "-r", pcapng.toString(), "-T", "fields"));
        command.addAll(List.of("-E", "separator=|"));
        for (final String f : fields) {
            command.add("-e");
            command.add(f);
        }
        final Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "tshark " + String.join(" ", command) + " read the file");
        final List<String> lines = new ArrayList<>();
        for (final String line : text.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
