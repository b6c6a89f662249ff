package io.levitate.forwarder.control;

import io.levitate.core.runtime.RuntimeDirectories;
import io.levitate.forwarder.capture.CaptureService;
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
 * only) and queues them for the control thread; hands {@code capture} requests, with their
 * connection, to the {@link CaptureService} when one is offered ({@link #capture}). Protocol: the client writes one line,
 * {@code reload [allow-table-resize] [FILE]}; the server answers with report lines and a final
 * {@code ok} or {@code refused}, then closes. {@code allow-table-resize} lets a service's table size
 * change (it moves nearly every new flow, so it must be asked for; SIGHUP never does).
 *
 * <p>A reload always re-reads the file the forwarder was started with: the daemon never takes a
 * path from a client, so the file it runs from and the file it re-reads stay one (a restart, a
 * SIGHUP and a reload all read the same thing). {@code FILE} is the client saying which file it
 * checked; another file than ours is refused here, before anything is queued, so a reload never
 * applies something other than what the operator checked.
 */
public final class ControlServer implements AutoCloseable {
    /** Replies wait at most this long for the control thread (a reload takes milliseconds). */
    private static final long REPLY_TIMEOUT_S = 30;

    /** Longest request line read: "reload " and a path (PATH_MAX is 4096). */
    private static final int MAX_REQUEST_BYTES = 8192;

    private final Path path;
    private final Path configFile;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Queue<ReloadRequest> requests = new ConcurrentLinkedQueue<>();
    /** Takes {@code capture ...} requests (and their connections), or null: none offered. */
    private volatile CaptureService capture;

    /** The request word that also allows a change of table size: {@code reload allow-table-resize [FILE]}. */
    public static final String ALLOW_TABLE_RESIZE = "allow-table-resize";

    /**
     * A queued reload.
     *
     * @param allowTableResize whether a change of a service's table size M may be applied; it moves
     *                         nearly every new flow, so it must be asked for (SIGHUP never does)
     * @param reply            completed by the control thread with the report lines
     */
    public record ReloadRequest(boolean allowTableResize, CompletableFuture<List<String>> reply) {}

    /**
     * @param path       the socket
     * @param configFile the file the forwarder was started with, which every reload re-reads
     */
    public ControlServer(final Path path, final Path configFile) throws IOException {
        this.path = path;
        this.configFile = configFile.toAbsolutePath().normalize();
        // Whoever could write to the directory could put their own socket in our place.
        RuntimeDirectories.createSecure(path.toAbsolutePath().getParent(), RuntimeDirectories.PRIVATE);
        if (Files.exists(path)) {
            // A live forwarder answers there: never steal its socket. A stale file is replaced.
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(path));
                throw new IOException(
                        "another forwarder is listening on " + path + "; set control.socket per instance");
            } catch (final java.net.SocketException stale) {
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
    public CompletableFuture<List<String>> requestReload(final boolean allowTableResize) {
        final CompletableFuture<List<String>> reply = new CompletableFuture<>();
        requests.add(new ReloadRequest(allowTableResize, reply));
        return reply;
    }

    /**
     * Offers {@code levitate capture} on this socket: a {@code capture [KEY=VALUE...]} request's
     * connection is handed to {@code service}, which streams pcapng on it until the capture ends.
     */
    public void capture(final CaptureService service) {
        this.capture = service;
    }

    /** The control thread takes the next pending request, or null. */
    public ReloadRequest nextRequest() {
        return requests.poll();
    }

    private void serve() {
        while (server.isOpen()) {
            SocketChannel client = null;
            boolean handedOff = false;
            try {
                client = server.accept();
                final ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST_BYTES);
                while (in.hasRemaining()
                        && client.read(in) > 0
                        && !new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).contains("\n")) {
                    // Read until the end of the command line.
                }
                final String line = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
                final String command = (line.indexOf('\n') >= 0 ? line.substring(0, line.indexOf('\n')) : line).strip();
                final CaptureService captures = capture;
                if (captures != null
                        && (command.equals(CaptureService.COMMAND)
                                || command.startsWith(CaptureService.COMMAND + " "))) {
                    final String refusal = captures.start(command.substring(CaptureService.COMMAND.length()), client);
                    if (refusal == null) {
                        // The capture owns the connection now: it must outlive this request.
                        handedOff = true;
                        continue;
                    }
                    client.write(ByteBuffer.wrap(refusal.getBytes(StandardCharsets.UTF_8)));
                    continue;
                }
                String reply;
                String rest =
                        command.equals("reload") ? "" : command.startsWith("reload ") ? command.substring(7) : null;
                final boolean allowResize =
                        rest != null && (rest.equals(ALLOW_TABLE_RESIZE) || rest.startsWith(ALLOW_TABLE_RESIZE + " "));
                if (allowResize) {
                    rest = rest.substring(ALLOW_TABLE_RESIZE.length()).strip();
                }
                final String named = rest == null || rest.isEmpty() ? null : rest;
                if (named != null && !isOurFile(named)) {
                    reply = "refused: this forwarder re-reads " + configFile + ", the file it was started with, not "
                            + named + "; put the new configuration there first\n";
                } else if (rest != null) {
                    try {
                        final List<String> report = requestReload(allowResize).get(REPLY_TIMEOUT_S, TimeUnit.SECONDS);
                        reply = String.join("\n", report) + "\n";
                    } catch (final Exception ex) {
                        reply = "refused: " + ex + "\n";
                    }
                } else {
                    reply = "refused: unknown command '" + command + "' (known: reload [" + ALLOW_TABLE_RESIZE
                            + "] [FILE])\n";
                }
                client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
            } catch (final IOException ex) {
                if (!server.isOpen()) {
                    return;
                }
            } finally {
                if (client != null && !handedOff) {
                    closeQuietly(client);
                }
            }
        }
    }

    private static void closeQuietly(final SocketChannel client) {
        try {
            client.close();
        } catch (final IOException ignored) {
            // The reply is sent or lost either way.
        }
    }

    /** The same file as ours: the same path, or the same file once links are resolved. */
    private boolean isOurFile(final String named) {
        try {
            final Path other = Path.of(named).toAbsolutePath().normalize();
            return other.equals(configFile) || Files.isSameFile(other, configFile);
        } catch (final IOException | java.nio.file.InvalidPathException ex) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (final IOException ignored) {
            // Best effort on shutdown.
        }
    }
}
