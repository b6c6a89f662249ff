package io.levitate.forwarder.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket's read-only commands and its guards: each command word goes to its handler,
 * an unknown one is refused naming the known ones, a bad argument is a {@code refused:} line, and
 * a huge request or clients that connect and hang never keep another client from its answer.
 */
class ControlCommandsTest {
    @TempDir
    Path dir;

    private static String request(final Path socket, final String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            final ByteBuffer in = ByteBuffer.allocate(8192);
            while (channel.read(in) > 0) {
                // Until the server closes.
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
        }
    }

    private ControlServer server(final Path socket) throws IOException {
        final Path own = Files.writeString(dir.resolve("levitate.yaml"), "# running\n");
        final ControlCommands commands = new ControlCommands()
                .register("tables", args -> List.of("service web M=7", "  backend 10.0.0.1:80 slots=7"))
                .register("lookup", args -> {
                    if (args.isEmpty()) {
                        throw new IllegalArgumentException("lookup needs a flow");
                    }
                    return List.of("flow " + args);
                });
        return new ControlServer(socket, own, commands);
    }

    @Test
    void eachCommandGoesToItsHandlerAndAnUnknownOneIsRefused() throws Exception {
        final Path socket = dir.resolve("ctl/control.sock");
        try (ControlServer ignored = server(socket)) {
            assertEquals("service web M=7\n  backend 10.0.0.1:80 slots=7\n", request(socket, "tables"));
            assertEquals("flow tcp 1.2.3.4 5 6.7.8.9 80\n", request(socket, "lookup tcp 1.2.3.4 5 6.7.8.9 80"));
            assertEquals("refused: lookup needs a flow\n", request(socket, "lookup"));
            assertEquals(
                    "refused: unknown command 'stat' (known: reload [allow-table-resize] [FILE], lookup, tables)\n",
                    request(socket, "stat"));
        }
    }

    @Test
    void aHugeRequestIsRefusedAndHangingClientsBlockNobody() throws Exception {
        final Path socket = dir.resolve("ctl/control.sock");
        final List<SocketChannel> hanging = new ArrayList<>();
        try (ControlServer server = server(socket)) {
            assertTrue(request(socket, "x".repeat(100_000)).startsWith("refused: request longer than 8192 bytes"));
            // Its thread gives its place back once it has seen the client close.
            awaitClients(server, 0);
            // Fewer hanging clients than the bound: each holds only its own thread.
            for (int i = 0; i < ControlServer.MAX_CLIENTS - 1; i++) {
                final SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.connect(UnixDomainSocketAddress.of(socket));
                hanging.add(c);
            }
            final long start = System.nanoTime();
            assertEquals("service web M=7\n  backend 10.0.0.1:80 slots=7\n", request(socket, "tables"));
            assertTrue(System.nanoTime() - start < 1_000_000_000L, "answered at once, past the hanging clients");
            // One more hanging client fills the bound: the next is told so at once, not queued.
            final SocketChannel last = SocketChannel.open(StandardProtocolFamily.UNIX);
            last.connect(UnixDomainSocketAddress.of(socket));
            hanging.add(last);
            awaitClients(server, ControlServer.MAX_CLIENTS);
            assertTrue(request(socket, "tables").startsWith("refused: busy"));
            // The hanging clients are closed at their deadline, and the socket answers again.
            Thread.sleep(ControlServer.REQUEST_TIMEOUT_MS + 500);
            assertEquals("service web M=7\n  backend 10.0.0.1:80 slots=7\n", request(socket, "tables"));
        } finally {
            for (final SocketChannel c : hanging) {
                c.close();
            }
        }
    }

    /** Waits (5 s at most) until {@code expected} requests hold a place on the server. */
    private static void awaitClients(final ControlServer server, final int expected) throws InterruptedException {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.clientsUnderWay() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, server.clientsUnderWay(), "requests under way on the control socket");
    }
}
