package io.levitate.forwarder.control;

import io.levitate.forwarder.RuntimeDirectories;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Accepts {@code reload} requests on a Unix-domain socket (mode 0600 in a 0700 directory: root
 * only) and queues them for the control thread. Protocol: the client writes one line
 * ({@code reload}, or {@code reload allow-table-resize} to let a service's table size change); the
 * server answers with report lines and a final {@code ok} or {@code refused}, then closes.
 */
public final class ControlServer implements AutoCloseable
{
    /** Replies wait at most this long for the control thread (a reload takes milliseconds). */
    private static final long REPLY_TIMEOUT_S = 30;

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Queue<ReloadRequest> requests = new ConcurrentLinkedQueue<>();

    /** The request line that also allows a change of table size. */
    public static final String RELOAD_ALLOW_TABLE_RESIZE = "reload allow-table-resize";

    /**
     * A queued reload.
     *
     * @param allowTableResize whether a change of a service's table size M may be applied; it moves
     *                         nearly every new flow, so it must be asked for (SIGHUP never does)
     * @param reply            completed by the control thread with the report lines
     */
    public record ReloadRequest(boolean allowTableResize, CompletableFuture<List<String>> reply)
    {
    }

    public ControlServer(final Path path) throws IOException
    {
        this.path = path;
        // Whoever could write to the directory could put their own socket in our place.
        RuntimeDirectories.createSecure(path.toAbsolutePath().getParent(), RuntimeDirectories.PRIVATE);
        if (Files.exists(path))
        {
            // A live forwarder answers there: never steal its socket. A stale file is replaced.
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX))
            {
                probe.connect(UnixDomainSocketAddress.of(path));
                throw new IOException("another forwarder is listening on " + path + "; set control.socket per instance");
            }
            catch (final java.net.SocketException stale)
            {
                Files.deleteIfExists(path);
            }
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        thread = new Thread(this::serve, "levitate-control");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a reload (SIGHUP has no one to answer, and never allows a table resize). */
    public CompletableFuture<List<String>> requestReload(final boolean allowTableResize)
    {
        final CompletableFuture<List<String>> reply = new CompletableFuture<>();
        requests.add(new ReloadRequest(allowTableResize, reply));
        return reply;
    }

    /** The control thread takes the next pending request, or null. */
    public ReloadRequest nextRequest()
    {
        return requests.poll();
    }

    private void serve()
    {
        while (server.isOpen())
        {
            try (SocketChannel client = server.accept())
            {
                final ByteBuffer in = ByteBuffer.allocate(256);
                while (in.hasRemaining() && client.read(in) > 0 && !new String(in.array(), 0, in.position(),
                    StandardCharsets.US_ASCII).contains("\n"))
                {
                    // Read until the end of the command line.
                }
                final String command = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).strip();
                String reply;
                if ("reload".equals(command) || RELOAD_ALLOW_TABLE_RESIZE.equals(command))
                {
                    try
                    {
                        final List<String> report = requestReload(RELOAD_ALLOW_TABLE_RESIZE.equals(command))
                            .get(REPLY_TIMEOUT_S, TimeUnit.SECONDS);
                        reply = String.join("\n", report) + "\n";
                    }
                    catch (final Exception ex)
                    {
                        reply = "refused: " + ex + "\n";
                    }
                }
                else
                {
                    reply = "refused: unknown command '" + command + "' (known: reload, " + RELOAD_ALLOW_TABLE_RESIZE + ")\n";
                }
                client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
            }
            catch (final IOException ex)
            {
                if (!server.isOpen())
                {
                    return;
                }
            }
        }
    }

    @Override
    public void close()
    {
        try
        {
            server.close();
            Files.deleteIfExists(path);
        }
        catch (final IOException ignored)
        {
            // Best effort on shutdown.
        }
    }
}
