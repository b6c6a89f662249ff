package io.levitate.forwarder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.forwarder.config.ConfigReader;
import io.levitate.maglev.ServiceTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline forms of the live-state commands (the live ones are LiveStateIT's): {@code lookup
 * --config}, {@code plan --fail FILE} and {@code tables --json}, checked against the tables the
 * configuration builds.
 */
class LiveCommandsTest {
    private static final String YAML = """
            instance:
              name: t
              ports: [{device: "net_null0"}]
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 42
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.1}, {address: 10.0.2.2}, {address: 10.0.2.3}]
            """;

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

    private Path config() throws Exception {
        return Files.writeString(dir.resolve("levitate.yaml"), YAML);
    }

    private ServiceTable web(final Path file) throws Exception {
        return ConfigReader.read(file).config().buildTables().get("web");
    }

    @Test
    void lookupFromAFileNamesMaglevsBackendAndSlot() throws Exception {
        final Path file = config();
        assertEquals(
                0,
                LevitateCli.execute("lookup", "--config", file.toString(), "tcp", "10.9.0.1:20000", "198.18.0.10:80"));
        final ServiceTable table = web(file);
        final int client =
                ByteBuffer.wrap(InetAddress.ofLiteral("10.9.0.1").getAddress()).getInt();
        final int vip = ByteBuffer.wrap(InetAddress.ofLiteral("198.18.0.10").getAddress())
                .getInt();
        final String expected =
                table.backend(table.lookupV4(client, vip, 20000, 80, 6, false)).identity();
        final String line = out.toString(StandardCharsets.UTF_8).strip();
        assertTrue(
                line.startsWith("flow tcp,10.9.0.1,20000,198.18.0.10,80 service=web backend=" + expected
                        + " reason=maglev slot="),
                line);
        assertTrue(line.endsWith(" M=" + table.size() + " digest=" + table.digestHex()), line);
    }

    @Test
    void lookupOfAnAddressNoServiceHasIsRefused() throws Exception {
        assertEquals(
                1,
                LevitateCli.execute("lookup", "--config", config().toString(), "tcp", "10.9.0.1:1", "198.18.0.99:80"));
        assertEquals("refused: no service has 198.18.0.99:80/tcp\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(2, LevitateCli.execute("lookup", "--config", config().toString(), "tcp", "10.9.0.1", "x"));
    }

    @Test
    void planFailMovesExactlyTheFailedBackendsSlotsToTheOthers() throws Exception {
        final Path file = config();
        assertEquals(0, LevitateCli.execute("plan", "--fail", "10.0.2.1", file.toString()));
        final ServiceTable table = web(file);
        final String text = out.toString(StandardCharsets.UTF_8);
        final java.util.regex.Matcher moved = java.util.regex.Pattern.compile(
                        "^service web 198\\.18\\.0\\.10:80/tcp: if 10\\.0\\.2\\.1:80 fails, [0-9.]+% of new flows "
                                + "move \\(([0-9]+) of " + table.size() + " slots\\)")
                .matcher(text);
        assertTrue(moved.find(), text);
        // Its own slots move, and the few others Maglev's rebuild reshuffles; all go to the others.
        final int slots = Integer.parseInt(moved.group(1));
        assertTrue(slots >= table.slotCount(0) && slots < table.slotCount(0) * 1.01, text);
        final java.util.regex.Matcher to = java.util.regex.Pattern.compile(
                        "  to 10\\.0\\.2\\.[23]:80 +[0-9.]+% \\(([0-9]+) slots\\)")
                .matcher(text);
        int sum = 0;
        while (to.find()) {
            sum += Integer.parseInt(to.group(1));
        }
        assertEquals(slots, sum, text);
        assertEquals(1, LevitateCli.execute("plan", "--fail", "10.0.9.9", file.toString()));
    }

    @Test
    void tablesJsonAndItsUsage() throws Exception {
        final Path file = config();
        assertEquals(0, LevitateCli.execute("tables", "--json", file.toString()));
        final String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(
                json.startsWith("{\"services\":[{\"name\":\"web\",\"match\":\"198.18.0.10:80/tcp\",\"M\":65537,"),
                json);
        assertTrue(json.contains("{\"backend\":\"10.0.2.1:80\",\"weight\":100,\"state\":\"active\""), json);
        assertEquals(2, LevitateCli.execute("tables"));
    }
}
