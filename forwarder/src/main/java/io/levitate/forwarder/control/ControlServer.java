package io.levitate.forwarder.control;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

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
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The control socket: a Unix-domain socket (mode 0600 in a 0700 directory: root only). Protocol:
 * the client writes one request line (at most {@value #MAX_REQUEST_BYTES} bytes, within
 * {@value #REQUEST_TIMEOUT_MS} ms of connecting); the server answers with text lines, then closes.
 * An unknown command gets one {@code refused: unknown command} line naming the known ones.
 * {@code reload [allow-table-resize] [FILE]} is queued for the control thread and answered with
 * report lines and a final {@code ok} or {@code refused}; the read-only commands ({@code tables},
 * {@code lookup}, ...) are {@link ControlCommands} handlers that read the published snapshot; a
 * {@code capture [KEY=VALUE...]} request, with its connection, is handed to the {@link CaptureService}
 * when one is offered ({@link #capture}), which streams pcapng on it until the capture ends.
 *
 * <p>Each client is answered on its own virtual thread (at most {@value #MAX_CLIENTS} at once;
 * more are refused with {@code busy}), and a client is closed at its deadline: one that connects
 * and hangs, or sends a huge or malformed line, never blocks the accept loop, another client or
 * the control thread. A capture's connection is the capture's from then on, outside that bound.
 * {@code allow-table-resize} lets a service's table size change (it moves nearly every new flow,
 * so it must be asked for; SIGHUP never does).
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
    static final int MAX_REQUEST_BYTES = 8192;

    /** A client has this long to send its request line once connected. */
    static final long REQUEST_TIMEOUT_MS = 5_000;

    /** What is read and discarded of an oversized request before the connection is closed. */
    static final int MAX_DISCARD_BYTES = 1 << 20;

    /** Requests answered at once; each holds one virtual thread. */
    static final int MAX_CLIENTS = 8;

    private final Path path;
    private final Path configFile;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Queue<ReloadRequest> requests = new ConcurrentLinkedQueue<>();
    /** The other commands (tables, lookup, ...): each a handler of its own. */
    private final ControlCommands commands;
    /** Requests under way; past it a client is refused at once rather than queued. */
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);

    /** Tests: requests whose threads hold a place now (at most {@value #MAX_CLIENTS}). */
    int clientsUnderWay() {
        return MAX_CLIENTS - clients.availablePermits();
    }
    /** Clients being told "busy". */
    private final Semaphore refusals = new Semaphore(MAX_CLIENTS);
    /** Closes a client that has not finished by its deadline (one small daemon thread). */
    private final ScheduledExecutorService timer;
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
        this(path, configFile, new ControlCommands());
    }

    /**
     * @param path       the socket
     * @param configFile the file the forwarder was started with, which every reload re-reads
     * @param commands   the handlers of the commands other than reload
     */
    public ControlServer(final Path path, final Path configFile, final ControlCommands commands) throws IOException {
        this.path = path;
        this.commands = commands;
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
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "levitate-control-timer");
            t.setDaemon(true);
            return t;
        });
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
            final SocketChannel client;
            try {
                client = server.accept();
            } catch (final IOException ex) {
                if (!server.isOpen()) {
                    return;
                }
                // Out of file descriptors, say: do not spin on it.
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
                continue;
            }
            if (!clients.tryAcquire()) {
                // Never queue behind clients that hang: the surplus is told and closed at once.
                refuseBusy(client);
                continue;
            }
            Thread.ofVirtual().name("levitate-control-client").start(() -> {
                boolean handedOff = false;
                try {
                    handedOff = answer(client);
                } finally {
                    if (!handedOff) {
                        closeQuietly(client);
                    }
                    clients.release();
                }
            });
        }
    }

    /**
     * Past {@value #MAX_CLIENTS} requests under way: the client is told so on a short-lived thread
     * of its own (at most as many again, each closed within a second); past that it is closed
     * unanswered. After the reply its request is read and discarded: closing with unread input
     * would reset the connection before the client read the reply.
     */
    private void refuseBusy(final SocketChannel client) {
        if (!refusals.tryAcquire()) {
            closeQuietly(client);
            return;
        }
        Thread.ofVirtual().name("levitate-control-busy").start(() -> {
            final Cancellable deadline = closeAt(client, 1000);
            try {
                reply(client, "refused: busy (" + MAX_CLIENTS + " requests under way); try again\n");
                drain(client);
            } finally {
                deadline.cancel();
                closeQuietly(client);
                refusals.release();
            }
        });
    }

    /**
     * One client, on its own virtual thread: a client that connects and never writes, or never
     * reads, holds only that thread and is closed at its deadline; the accept loop and the
     * control thread never wait for it.
     */
    private boolean answer(final SocketChannel client) {
        Cancellable deadline = closeAt(client, REQUEST_TIMEOUT_MS);
        final String command;
        try {
            command = readRequest(client);
        } catch (final IOException ex) {
            return false;
        } finally {
            deadline.cancel();
        }
        final CaptureService captures = capture;
        if (command != null
                && captures != null
                && (command.equals(CaptureService.COMMAND) || command.startsWith(CaptureService.COMMAND + " "))) {
            final String refusal = captures.start(command.substring(CaptureService.COMMAND.length()), client);
            if (refusal == null) {
                // The capture owns the connection now: it outlives this request, and ends when the
                // client goes away or a limit is reached.
                return true;
            }
            reply(client, refusal);
            return false;
        }
        deadline = closeAt(client, TimeUnit.SECONDS.toMillis(REPLY_TIMEOUT_S + 5));
        try {
            if (command == null) {
                reply(
                        client,
                        "refused: request longer than " + MAX_REQUEST_BYTES + " bytes or not ended by a line feed\n");
                drain(client);
                return false;
            }
            reply(client, dispatch(command));
            return false;
        } finally {
            deadline.cancel();
        }
    }

    /** The request line without its line feed, or null when none came within the size bound. */
    private static String readRequest(final SocketChannel client) throws IOException {
        final ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST_BYTES);
        int scanned = 0;
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                break;
            }
            for (; scanned < in.position(); scanned++) {
                if (in.get(scanned) == '\n') {
                    return new String(in.array(), 0, scanned, StandardCharsets.UTF_8).strip();
                }
            }
        }
        // A client that wrote its line and shut its output down without a line feed still counts.
        return in.hasRemaining() && in.position() > 0
                ? new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip()
                : null;
    }

    /** The reply to one request line: reload is handled here, every other command by {@link #commands}. */
    String dispatch(final String command) {
        String rest = command.equals("reload") ? "" : command.startsWith("reload ") ? command.substring(7) : null;
        if (rest == null) {
            final String word = command.split(" ", 2)[0];
            if (commands.handles(word)) {
                return String.join("\n", commands.dispatch(command)) + "\n";
            }
            return "refused: unknown command '" + (word.length() > 64 ? word.substring(0, 64) + "..." : word)
                    + "' (known: reload [" + ALLOW_TABLE_RESIZE + "] [FILE]"
                    + (commands.commands().isEmpty() ? "" : ", " + String.join(", ", commands.commands()))
                    + (capture == null ? "" : ", " + CaptureService.COMMAND) + ")\n";
        }
        final boolean allowResize = rest.equals(ALLOW_TABLE_RESIZE) || rest.startsWith(ALLOW_TABLE_RESIZE + " ");
        if (allowResize) {
            rest = rest.substring(ALLOW_TABLE_RESIZE.length()).strip();
        }
        final String named = rest.isEmpty() ? null : rest;
        if (named != null && !isOurFile(named)) {
            return "refused: this forwarder re-reads " + configFile + ", the file it was started with, not " + named
                    + "; put the new configuration there first\n";
        }
        try {
            final List<String> report = requestReload(allowResize).get(REPLY_TIMEOUT_S, TimeUnit.SECONDS);
            return String.join("\n", report) + "\n";
        } catch (final Exception ex) {
            return "refused: " + ex + "\n";
        }
    }

    /**
     * After refusing an oversized request: the reply is sent and the rest of the request discarded
     * (at most {@value #MAX_DISCARD_BYTES} bytes, within the deadline), because closing a Unix socket
     * with unread input resets the connection and the client would lose the reply.
     */
    private static void drain(final SocketChannel client) {
        try {
            client.shutdownOutput();
            final ByteBuffer sink = ByteBuffer.allocate(MAX_REQUEST_BYTES);
            long discarded = 0;
            int n;
            while (discarded < MAX_DISCARD_BYTES && (n = client.read(sink)) >= 0) {
                discarded += n;
                sink.clear();
            }
        } catch (final IOException ignored) {
            // Closed at its deadline, or gone.
        }
    }

    private static void reply(final SocketChannel client, final String text) {
        try {
            final ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                client.write(out);
            }
        } catch (final IOException ignored) {
            // The client went away (or hung past its deadline and was closed): nothing to tell.
        }
    }

    /**
     * Closes {@code client} after {@code delayMs} unless the returned deadline is cancelled first; at
     * once when the server is closing (its timer is shut down).
     */
    private Cancellable closeAt(final SocketChannel client, final long delayMs) {
        try {
            final ScheduledFuture<?> future = timer.schedule(() -> closeQuietly(client), delayMs, MILLISECONDS);
            return () -> future.cancel(false);
        } catch (final RejectedExecutionException closing) {
            closeQuietly(client);
            return () -> {};
        }
    }

    /** A deadline that may be called off. */
    @FunctionalInterface
    private interface Cancellable {
        void cancel();
    }

    private static void closeQuietly(final SocketChannel client) {
        try {
            client.close();
        } catch (final IOException ignored) {
            // Already closed.
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
            timer.shutdownNow();
            Files.deleteIfExists(path);
        } catch (final IOException ignored) {
            // Best effort on shutdown.
        }
    }
}
