package io.levitate.forwarder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.cli.LevitateCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code levitate check} and {@code levitate plan} through the real command line: output and exit codes. */
class CheckAndPlanCommandTest {
    @TempDir
    Path dir;

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

    private Path write(final String name, final String text) throws IOException {
        final Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkValidFilePrintsTheSummaryAndEachDefaultSizesNextThreshold() throws IOException {
        final Path f = write("ok.yaml", ConfigTesting.minimal());
        assertEquals(0, LevitateCli.execute("check", f.toString()));
        final String digest = ConfigTesting.valid(ConfigTesting.minimal())
                .buildTables()
                .get("web")
                .digestHex();
        assertEquals(
                f + ": OK: 1 services, 2 backends; web M=65537 digest=" + digest + "\n"
                        + f
                        + ": web: table size 65537 is the default for 1..655 backends (2 configured); at 656 it becomes "
                        + "131071 and nearly every new flow moves (table_size pins it)\n",
                out());
        assertEquals("", err());
    }

    @Test
    void checkSaysNothingOfThresholdsForAPinnedSize() throws IOException {
        final Path f = write(
                "ok.yaml",
                ConfigTesting.minimalWith("    protocol: tcp\n", "    protocol: tcp\n    table_size: 65537\n"));
        assertEquals(0, LevitateCli.execute("check", f.toString()), err());
        assertEquals(1, out().lines().count(), out());
    }

    /** A file where ten backends of weight 1 share a service with one of weight 65535 (M = 65537). */
    private static String starving() {
        final StringBuilder sb = new StringBuilder("      - address: 10.0.2.11\n        weight: 65535\n");
        for (int i = 0; i < 10; i++) {
            sb.append("      - address: 10.0.3.").append(i + 1).append("\n        weight: 1\n");
        }
        return ConfigTesting.minimalWith("      - address: 10.0.2.11\n      - address: 10.0.2.12\n", sb.toString());
    }

    /**
     * Regression: backends of weight 1 next to one of 65535 got no slot at all and nothing said so.
     * Slots are about M w / sum(w) = 65537 / 65545, just under one each, and the heavy backend's
     * 65535 turns come first: at most two of the ten get a slot, so at least eight must be warned of.
     */
    @Test
    void checkWarnsOfEveryActiveBackendThatGetsNoSlotAndStillSucceeds() throws IOException {
        final Path f = write("starve.yaml", starving());
        assertEquals(0, LevitateCli.execute("check", f.toString()), err());
        assertTrue(out().startsWith(f + ": OK: 1 services, 11 backends; web M=65537"), out());
        final var table = ConfigTesting.valid(starving()).buildTables().get("web");
        int starved = 0;
        for (int i = 0; i < 10; i++) {
            final int n = table.indexOf(io.levitate.maglev.Backend.of("10.0.3." + (i + 1), 80, 1));
            if (table.slotCount(n) == 0) {
                starved++;
                // The weight of backends[i + 1] is on line 19 + 2i (the fixture's backends start on line 16).
                assertTrue(
                        err().contains(f + ":" + (19 + 2 * i) + ":17: warning: services[0].backends[" + (i + 1)
                                + "].weight: 1 gets no slot of M=65537"),
                        err());
            }
        }
        assertTrue(starved >= 8, "starved " + starved);
        assertEquals(
                starved, err().lines().filter(l -> l.contains(": warning: ")).count(), err());
    }

    @Test
    void tablesMarksAndWarnsOfBackendsWithoutSlots() throws IOException {
        final Path f = write("starve.yaml", starving());
        assertEquals(0, LevitateCli.execute("tables", f.toString()), err());
        final long rows = out().lines()
                .filter(l -> l.contains("slots       0") && l.contains("no slot"))
                .count();
        assertTrue(rows >= 8, out());
        assertEquals(
                rows,
                err().lines()
                        .filter(l -> l.startsWith(f + ":") && l.contains(": warning: "))
                        .count(),
                err());
    }

    @Test
    void checkInvalidFileListsEveryErrorAndExits1() throws IOException {
        final Path f = write(
                "bad.yaml",
                ConfigTesting.minimalWith("    port: 80", "    port: 0")
                        .replace("  name: lb1", "  name: lb1\n  workers: 0"));
        assertEquals(1, LevitateCli.execute("check", f.toString()));
        assertEquals(
                f + ":3:12: instance.workers: must be 1..128, got 0\n" + f
                        + ":14:11: services[0].port: must be 1..65535 or \"any\", got '0'\n",
                err());
        assertEquals("", out());
    }

    @Test
    void checkMissingFileIsAUsageError() {
        assertEquals(2, LevitateCli.execute("check", dir.resolve("nope.yaml").toString()));
        assertEquals("levitate: cannot read " + dir.resolve("nope.yaml") + ": no such file\n", err());
    }

    /**
     * A character device reports size 0 and never ends: the limit has to hold on the bytes read,
     * and a device is not a configuration file anyway. Before: /dev/zero was read until the heap
     * gave out.
     */
    @Test
    void checkRefusesADeviceAtOnce() {
        final int rc =
                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> LevitateCli.execute("check", "/dev/zero"));
        assertEquals(2, rc);
        assertEquals("levitate: cannot read /dev/zero: not a regular file (a character device)\n", err());
    }

    /** A FIFO without a writer blocks its reader's open(2): never opened. Before: check hung. */
    @Test
    void checkRefusesAFifoWithoutOpeningIt() throws Exception {
        final Path fifo = dir.resolve("levitate.yaml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final int rc =
                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> LevitateCli.execute("check", fifo.toString()));
        assertEquals(2, rc);
        assertEquals("levitate: cannot read " + fifo + ": not a regular file (a FIFO)\n", err());
    }

    @Test
    void checkRefusesAFileOverTheLimitByItsBytes() throws IOException {
        final Path big = write("big.yaml", "# " + "x".repeat(ConfigDefaults.MAX_FILE_BYTES) + "\n");
        assertEquals(1, LevitateCli.execute("check", big.toString()));
        assertEquals(
                big + ":1:1: the file is larger than " + ConfigDefaults.MAX_FILE_BYTES + " bytes, the limit\n", err());
    }

    @Test
    void theDocumentedExamplePassesCheck() {
        final Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/levitate.example.yaml");
        assertEquals(0, LevitateCli.execute("check", example.toString()), err());
        assertTrue(out().startsWith(example + ": OK: 3 services, 7 backends; web M=65537 digest="), out());
    }

    @Test
    void planPrintsThePlan() throws IOException {
        final Path current = write("current.yaml", ConfigTesting.minimal());
        final Path proposed = write(
                "new.yaml",
                ConfigTesting.minimalWith(
                        "      - address: 10.0.2.12\n", "      - address: 10.0.2.12\n      - address: 10.0.2.13\n"));
        assertEquals(0, LevitateCli.execute("plan", proposed.toString(), "--against", current.toString()), err());
        final String text = out();
        assertTrue(text.startsWith("plan: " + current + " (in use) -> " + proposed + "\n"), text);
        assertTrue(text.contains("    + backend 10.0.2.13:80 (weight 100, active)\n"), text);
        assertTrue(text.contains("    new flows that move to another backend: 33."), text);
        assertTrue(text.endsWith("summary: 0 added, 0 removed, 1 changed, 0 unchanged\n"), text);
    }

    @Test
    void planWithAnInvalidFileExits1WithItsErrors() throws IOException {
        final Path current = write("current.yaml", ConfigTesting.minimal());
        final Path proposed = write("new.yaml", ConfigTesting.minimalWith("protocol: tcp", "protocol: tpc"));
        assertEquals(1, LevitateCli.execute("plan", proposed.toString(), "--against", current.toString()));
        assertEquals(proposed + ":14:15: services[0].protocol: must be tcp or udp, got 'tpc'\n", err());
    }

    @Test
    void planWithoutAgainstIsAUsageError() throws IOException {
        final Path proposed = write("new.yaml", ConfigTesting.minimal());
        assertEquals(2, LevitateCli.execute("plan", proposed.toString()));
        assertTrue(err().contains("--against CURRENT_FILE"), err());
    }
}
