package io.levitate.forwarder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code levitate} itself: its command list and what it does with a command it does not know. */
class LevitateCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    /** Before: "levitate lookup" printed the usage and exited 0, as if it had done something. */
    @Test
    void anUnknownCommandIsAUsageError() {
        assertEquals(2, LevitateCli.execute("lokup"));
        final List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(
                List.of(
                        "levitate: unknown command 'lokup' (commands: run, stat, tables, reload, capture, check, plan, lookup, help; "
                                + "see: levitate --help)"),
                lines);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void noCommandAtAllIsAUsageError() {
        assertEquals(2, LevitateCli.execute());
        assertEquals(
                List.of(
                        "levitate: a command is needed (commands: run, stat, tables, reload, capture, check, plan, lookup, help; "
                                + "see: levitate --help)"),
                err.toString(StandardCharsets.UTF_8).lines().toList());
    }

    /** Each command's summary in the list is one or more whole sentences, never cut at a line end. */
    @Test
    void commandSummariesAreWholeSentences() {
        assertEquals(0, LevitateCli.execute("--help"));
        final List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        final int commands = lines.indexOf("Commands:");
        assertTrue(commands > 0, lines.toString());
        int seen = 0;
        String summary = null;
        for (final String line : lines.subList(commands + 1, lines.size())) {
            if (line.startsWith("  ") && !line.startsWith("   ")) {
                if (summary != null) {
                    assertTrue(summary.endsWith("."), "cut mid-sentence: " + summary);
                }
                summary = line.strip();
                seen++;
            } else if (summary != null) {
                summary += " " + line.strip();
            }
        }
        assertTrue(summary != null && summary.endsWith("."), "cut mid-sentence: " + summary);
        assertEquals(9, seen, lines.toString());
    }
}
