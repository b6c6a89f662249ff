package io.levitate.forwarder.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder's side of {@code levitate reload}: it re-reads the file it was started with, so a
 * request naming another file is refused at once, and one naming its own file (or through a
 * symbolic link to it) is queued for the control thread.
 */
class ControlServerTest {
    @TempDir
    Path dir;

    private String request(final Path socket, final String line) throws IOException {
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

    /**
     * Completes the next queued request with {@code reply}, polling until one arrives (or 30 s).
     *
     * @return whether it allowed a change of table size
     */
    private static boolean answerNext(final ControlServer server, final List<String> reply)
            throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ControlServer.ReloadRequest next;
        while ((next = server.nextRequest()) == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        next.reply().complete(reply);
        return next.allowTableResize();
    }

    @Test
    void refusesAReloadOfAnotherFileAndQueuesOneOfItsOwn() throws Exception {
        final Path own = Files.writeString(dir.resolve("levitate.yaml"), "# the running file\n");
        final Path other = Files.writeString(dir.resolve("new.yaml"), "# a copy being edited\n");
        final Path link = Files.createSymbolicLink(dir.resolve("current.yaml"), own);
        final Path socket = dir.resolve("ctl/control.sock");
        try (ControlServer server = new ControlServer(socket, own)) {
            assertEquals(
                    "refused: this forwarder re-reads " + own + ", the file it was started with, not " + other
                            + "; put the new configuration there first\n",
                    request(socket, "reload " + other));
            assertNull(server.nextRequest(), "a refused request is never queued");

            final CompletableFuture<String> viaLink = CompletableFuture.supplyAsync(() -> {
                try {
                    return request(socket, "reload " + link);
                } catch (final IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertFalse(answerNext(server, List.of("service web: unchanged", "ok")));
            assertEquals("service web: unchanged\nok\n", viaLink.get(30, TimeUnit.SECONDS));

            // A table resize allowed, for our file; not for another one.
            assertTrue(request(socket, "reload allow-table-resize " + other).startsWith("refused: this forwarder"));
            final CompletableFuture<String> resize = CompletableFuture.supplyAsync(() -> {
                try {
                    return request(socket, "reload allow-table-resize " + own);
                } catch (final IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertTrue(answerNext(server, List.of("ok")), "allow-table-resize reached the control thread");
            assertEquals("ok\n", resize.get(30, TimeUnit.SECONDS));

            // Without a file (levitate reload --socket, or an older client): the running file.
            final CompletableFuture<String> plain = CompletableFuture.supplyAsync(() -> {
                try {
                    return request(socket, "reload");
                } catch (final IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            answerNext(server, List.of("ok"));
            assertEquals("ok\n", plain.get(30, TimeUnit.SECONDS));
        }
    }

    /**
     * A client that connects and never writes must not keep the next client from its answer (the
     * server used to read each client to its end on its one thread, so one hanging client stopped
     * every reload).
     */
    @Test
    void aClientThatConnectsAndHangsBlocksNobody() throws Exception {
        final Path own = Files.writeString(dir.resolve("levitate.yaml"), "# the running file\n");
        final Path other = Files.writeString(dir.resolve("new.yaml"), "# another\n");
        final Path socket = dir.resolve("ctl/control.sock");
        try (ControlServer ignored = new ControlServer(socket, own);
                SocketChannel hanging = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            hanging.connect(UnixDomainSocketAddress.of(socket));
            final String reply = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofSeconds(3), () -> request(socket, "reload " + other));
            assertTrue(reply.startsWith("refused: this forwarder re-reads"), reply);
        }
    }
}
