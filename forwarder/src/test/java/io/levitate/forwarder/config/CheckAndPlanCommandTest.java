package io.levitate.forwarder.config;

import io.levitate.forwarder.cli.LevitateCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code levitate check} and {@code levitate plan} through the real command line: output and exit codes. */
class CheckAndPlanCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture()
    {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore()
    {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private Path write(final String name, final String text) throws IOException
    {
        final Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkValidFilePrintsOneSummaryLine() throws IOException
    {
        final Path f = write("ok.yaml", ConfigTesting.minimal());
        assertEquals(0, LevitateCli.execute("check", f.toString()));
        final String digest = ConfigTesting.valid(ConfigTesting.minimal()).buildTables().get("web").digestHex();
        assertEquals(f + ": OK: 1 services, 2 backends; web M=65537 digest=" + digest + "\n", out());
        assertEquals("", err());
    }

    @Test
    void checkInvalidFileListsEveryErrorAndExits1() throws IOException
    {
        final Path f = write("bad.yaml", ConfigTesting.minimalWith("    port: 80", "    port: 0")
            .replace("  name: lb1", "  name: lb1\n  workers: 0"));
        assertEquals(1, LevitateCli.execute("check", f.toString()));
        assertEquals(f + ":3:12: instance.workers: must be 1..128, got 0\n"
            + f + ":14:11: services[0].port: must be 1..65535 or \"any\", got '0'\n", err());
        assertEquals("", out());
    }

    @Test
    void checkMissingFileIsAUsageError()
    {
        assertEquals(2, LevitateCli.execute("check", dir.resolve("nope.yaml").toString()));
        assertEquals("levitate: cannot read " + dir.resolve("nope.yaml") + ": no such file\n", err());
    }

    /**
     * A character device reports size 0 and never ends: the limit has to hold on the bytes read,
     * and a device is not a configuration file anyway. Before: /dev/zero was read until the heap
     * gave out.
     */
    @Test
    void checkRefusesADeviceAtOnce()
    {
        final int rc = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> LevitateCli.execute("check", "/dev/zero"));
        assertEquals(2, rc);
        assertEquals("levitate: cannot read /dev/zero: not a regular file (a character device)\n", err());
    }

    /** A FIFO without a writer blocks its reader's open(2): never opened. Before: check hung. */
    @Test
    void checkRefusesAFifoWithoutOpeningIt() throws Exception
    {
        final Path fifo = dir.resolve("levitate.yaml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final int rc = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> LevitateCli.execute("check", fifo.toString()));
        assertEquals(2, rc);
        assertEquals("levitate: cannot read " + fifo + ": not a regular file (a FIFO)\n", err());
    }

    @Test
    void checkRefusesAFileOverTheLimitByItsBytes() throws IOException
    {
        final Path big = write("big.yaml", "# " + "x".repeat(ConfigDefaults.MAX_FILE_BYTES) + "\n");
        assertEquals(1, LevitateCli.execute("check", big.toString()));
        assertEquals(big + ":1:1: the file is larger than " + ConfigDefaults.MAX_FILE_BYTES + " bytes, the limit\n", err());
    }

    @Test
    void theDocumentedExamplePassesCheck()
    {
        final Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/levitate.example.yaml");
        assertEquals(0, LevitateCli.execute("check", example.toString()), err());
        assertTrue(out().startsWith(example + ": OK: 3 services, 7 backends; web M=65537 digest="), out());
    }

    @Test
    void planPrintsThePlan() throws IOException
    {
        final Path current = write("current.yaml", ConfigTesting.minimal());
        final Path proposed = write("new.yaml", ConfigTesting.minimalWith("      - address: 10.0.2.12\n",
            "      - address: 10.0.2.12\n      - address: 10.0.2.13\n"));
        assertEquals(0, LevitateCli.execute("plan", proposed.toString(), "--against", current.toString()), err());
        final String text = out();
        assertTrue(text.startsWith("plan: " + current + " (in use) -> " + proposed + "\n"), text);
        assertTrue(text.contains("    + backend 10.0.2.13:80 (weight 100, active)\n"), text);
        assertTrue(text.contains("    new flows that move to another backend: 33."), text);
        assertTrue(text.endsWith("summary: 0 added, 0 removed, 1 changed, 0 unchanged\n"), text);
    }

    @Test
    void planWithAnInvalidFileExits1WithItsErrors() throws IOException
    {
        final Path current = write("current.yaml", ConfigTesting.minimal());
        final Path proposed = write("new.yaml", ConfigTesting.minimalWith("protocol: tcp", "protocol: tpc"));
        assertEquals(1, LevitateCli.execute("plan", proposed.toString(), "--against", current.toString()));
        assertEquals(proposed + ":14:15: services[0].protocol: must be tcp or udp, got 'tpc'\n", err());
    }

    @Test
    void planWithoutAgainstIsAUsageError() throws IOException
    {
        final Path proposed = write("new.yaml", ConfigTesting.minimal());
        assertEquals(2, LevitateCli.execute("plan", proposed.toString()));
        assertTrue(err().contains("--against CURRENT_FILE"), err());
    }
}
