package io.levitate.forwarder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code levitate reload} through the real command line, against a stand-in control socket: the
 * file named by --config is checked before anything is sent, its own control.socket is the only
 * one used, and the request names the file so the forwarder can refuse one it was not started with.
 */
class ReloadCommandTest {
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

    private static String minimal() {
        try (InputStream in = ReloadCommandTest.class.getResourceAsStream("/config/minimal.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private Path config(final String extra) throws IOException {
        final Path file = dir.resolve("levitate.yaml");
        Files.writeString(file, minimal() + "control: {socket: " + dir.resolve("control.sock") + "}\n" + extra);
        return file;
    }

    private ServerSocketChannel listen() throws IOException {
        final ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("control.sock")));
        return server;
    }

    /** One request read from {@code server}, answered with {@code reply}. */
    private static CompletableFuture<String> answerOnce(final ServerSocketChannel server, final String reply) {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel client = server.accept()) {
                final ByteBuffer in = ByteBuffer.allocate(8192);
                while (client.read(in) > 0 && in.get(in.position() - 1) != '\n') {
                    // Until the end of the request line.
                }
                client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
            } catch (final IOException ex) {
                throw new IllegalStateException(ex);
            }
        });
    }

    @Test
    void aBrokenFileIsRefusedWithItsPositionsAndNothingIsSent() throws Exception {
        final Path file = config("colour: blue\n");
        try (ServerSocketChannel server = listen()) {
            server.configureBlocking(false);
            assertEquals(1, LevitateCli.execute("reload", "--config", file.toString()));
            assertEquals(
                    file + ":19:1: colour: unknown key; expected one of instance, hash_seed, conntrack, services, "
                            + "metrics, control, bgp\nlevitate: reload: nothing sent; the running configuration stays\n",
                    err.toString());
            assertNull(server.accept(), "nothing may reach the forwarder");
        }
    }

    @Test
    void neverFallsBackToADefaultSocket() {
        assertEquals(2, LevitateCli.execute("reload"));
        assertEquals(
                "levitate: reload needs --config FILE (the file the forwarder was started with) or --socket PATH\n",
                err.toString());
    }

    @Test
    void aValidFileIsSentByNameToItsOwnSocket() throws Exception {
        final Path file = config("");
        try (ServerSocketChannel server = listen()) {
            final CompletableFuture<String> request = answerOnce(server, "service web: unchanged\nok\n");
            assertEquals(0, LevitateCli.execute("reload", "--config", file.toString()), err.toString());
            assertEquals("reload " + file.toAbsolutePath() + "\n", request.get(30, TimeUnit.SECONDS));
            assertEquals("service web: unchanged\nok\n", out.toString());
        }
    }

    @Test
    void aRefusalExitsOne() throws Exception {
        final Path file = config("");
        try (ServerSocketChannel server = listen()) {
            answerOnce(server, "refused: this forwarder was started with /etc/levitate/levitate.yaml\n");
            assertEquals(1, LevitateCli.execute("reload", "--config", file.toString()));
            assertTrue(out.toString().startsWith("refused: "), out.toString());
        }
    }
}
