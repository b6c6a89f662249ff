package io.levitate.forwarder.health;

import io.levitate.forwarder.config.HealthCheckConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

/**
 * Probes every backend that has a health check and reports up/down transitions.
 *
 * <p>A backend starts up (a restarting forwarder must not blackhole a healthy pool while it
 * re-learns it); {@code fall} consecutive failed probes mark it down, {@code rise} consecutive
 * successes bring it back. A probe passes when, within the timeout: a TCP connection opens
 * ({@code tcp}); {@code GET path} answers with the expected status ({@code http}); the same after
 * a TLS handshake ({@code https}, see {@link TlsContexts}); a UDP DNS query is answered with its
 * id and the expected RCODE ({@code dns}, see {@link DnsProbe}); the operator's command exits 0
 * ({@code exec}, see {@link ExecProbe}).
 *
 * <p>Each probe runs on a virtual thread of its own, started by a small pool of daemon platform
 * threads that only keeps time (each target's next probe, and the watchdogs that close a stream
 * probe's socket at its deadline). So a backend that hangs, or a slow command, holds up only its
 * own next probe, never another backend's; and nothing here runs on a worker. {@link #close}
 * interrupts the probes in flight: an exec probe's command is killed with its descendants.
 */
public final class HealthChecker implements AutoCloseable {
    /** Called (serialised) with every backend's verdict, after any transition. */
    public interface Listener {
        void changed(Map<String, Boolean> up, String transition);
    }

    /**
     * One probed backend: its label ("service/address:port"), where to probe and how; the service's
     * name and VIP (null when unknown) are handed to an exec check's command.
     *
     * <p>{@code source} is null for a direct probe (to {@code address}, from whatever the host
     * picks). For a probe through the tunnel ({@code health_check.via: tunnel}) it is the backend's
     * address in {@code instance.health_prefix} and {@code address} is the service's VIP: the socket
     * is bound to {@code source} and connects to the VIP, so the kernel sends it into a TAP and a
     * worker tunnels it to the backend that {@code source} names (lb's {@code
     * GeneralPath.healthProbe}).
     */
    public record Target(
            String label,
            InetAddress address,
            int backendPort,
            HealthCheckConfig check,
            String service,
            InetAddress vip,
            InetAddress source) {
        public Target(
                final String label, final InetAddress address, final int backendPort, final HealthCheckConfig check) {
            this(label, address, backendPort, check, null, null, null);
        }

        public Target(
                final String label,
                final InetAddress address,
                final int backendPort,
                final HealthCheckConfig check,
                final String service,
                final InetAddress vip) {
            this(label, address, backendPort, check, service, vip, null);
        }

        /** The check's port, else the backend's; a dns check of an "any" service's backend asks port 53. */
        int probePort() {
            if (check.port() > 0) {
                return check.port();
            }
            return backendPort == 0 && check.type() == HealthCheckConfig.Type.DNS ? DnsProbe.DEFAULT_PORT : backendPort;
        }

        /** Where the probe's socket is bound: the backend's health address (tunnel), or anywhere (null). */
        InetSocketAddress local() {
            return source == null ? null : new InetSocketAddress(source, 0);
        }
    }

    private static final class State {
        boolean up = true;
        int successes;
        int failures;
        long probes;
    }

    private final Listener listener;
    private final Map<String, State> states = new LinkedHashMap<>();
    private final ScheduledThreadPoolExecutor scheduler;
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final TlsContexts tlsContexts = new TlsContexts();
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;

    public HealthChecker(final List<Target> targets, final int threads, final Listener listener) {
        this(targets, threads, listener, Map.of());
    }

    /**
     * @param threads platform threads that keep time (probes run on virtual threads of their own)
     * @param initial verdicts carried over from a previous checker (a reload): a backend known
     *                to be down stays down until it passes {@code rise} checks.
     */
    public HealthChecker(
            final List<Target> targets,
            final int threads,
            final Listener listener,
            final Map<String, Boolean> initial) {
        this.listener = listener;
        scheduler = new ScheduledThreadPoolExecutor(Math.max(1, threads), r -> {
            final Thread t = new Thread(r, "levitate-health");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true); // a cancelled watchdog leaves no garbage behind
        for (final Target target : targets) {
            final State state = new State();
            state.up = initial.getOrDefault(target.label(), Boolean.TRUE);
            states.put(target.label(), state);
        }
        for (final Target target : targets) {
            scheduler.execute(() -> launch(target));
        }
    }

    /** Starts one probe of {@code target} on a virtual thread, which schedules the next when it ends. */
    private void launch(final Target target) {
        if (closed) {
            return;
        }
        Thread.ofVirtual().name("levitate-health " + target.label()).start(() -> {
            final Thread self = Thread.currentThread();
            running.add(self);
            try {
                probeAndRecord(target);
            } finally {
                running.remove(self);
                scheduleNext(target);
            }
        });
    }

    private void scheduleNext(final Target target) {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(
                    () -> launch(target), Math.max(1, target.check().interval().toMillis()), TimeUnit.MILLISECONDS);
        } catch (final RejectedExecutionException ex) {
            // closed meanwhile: no next probe
        }
    }

    private void probeAndRecord(final Target target) {
        String failure;
        try {
            failure = probe(target);
        } catch (final RuntimeException ex) {
            failure = ex.toString();
        }
        if (closed) {
            return; // a probe cut short by close() says nothing about the backend
        }
        record(target, failure == null, failure);
    }

    private synchronized void record(final Target target, final boolean ok, final String error) {
        final State s = states.get(target.label());
        s.probes++;
        if (ok) {
            s.successes++;
            s.failures = 0;
        } else {
            s.failures++;
            s.successes = 0;
        }
        final HealthCheckConfig check = target.check();
        String transition = null;
        if (s.up && s.failures >= check.fall()) {
            s.up = false;
            transition = target.label() + " is DOWN after " + s.failures + " failed " + kind(check) + " checks"
                    + (target.source() != null ? " through the tunnel" : "")
                    + (error != null ? " (" + error + ")" : "");
        } else if (!s.up && s.successes >= check.rise()) {
            s.up = true;
            transition = target.label() + " is UP after " + s.successes + " passed " + kind(check) + " checks"
                    + (target.source() != null ? " through the tunnel" : "");
        }
        if (transition != null) {
            listener.changed(snapshotOfStates(), transition);
        }
    }

    private static String kind(final HealthCheckConfig check) {
        return switch (check.type()) {
            case TCP -> "TCP";
            case HTTP -> "HTTP";
            case HTTPS -> "HTTPS";
            case DNS -> "DNS";
            case EXEC -> "exec";
        };
    }

    private Map<String, Boolean> snapshotOfStates() {
        final Map<String, Boolean> up = new HashMap<>();
        states.forEach((label, s) -> up.put(label, s.up));
        return up;
    }

    /** Current verdicts, label to up. */
    public synchronized Map<String, Boolean> states() {
        return snapshotOfStates();
    }

    /** Probes run so far for a backend (for tests and stat). */
    public synchronized long probes(final String label) {
        final State s = states.get(label);
        return s == null ? 0 : s.probes;
    }

    /** Runs one probe of the target's kind: null when it passed, else why it failed. */
    String probe(final Target target) {
        final HealthCheckConfig check = target.check();
        final long timeoutMillis = Math.max(1, check.timeout().toMillis());
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        return switch (check.type()) {
            case TCP, HTTP, HTTPS -> streamProbe(target, timeoutMillis, deadline);
            case DNS ->
                DnsProbe.probe(target.local(), target.address(), target.probePort(), check.dns(), deadline, random);
            case EXEC -> ExecProbe.probe(target, timeoutMillis);
        };
    }

    /**
     * TCP connect, then for http a GET, for https a TLS handshake and a GET. The connect has its own
     * timeout; after it, a watchdog closes the socket at the deadline, so that neither a server that
     * trickles its handshake or status line a byte at a time nor one that never answers holds the
     * probe past the timeout (a read timeout alone restarts with every byte).
     */
    private String streamProbe(final Target target, final long timeoutMillis, final long deadline) {
        final HealthCheckConfig check = target.check();
        final Socket socket = new Socket();
        final ScheduledFuture<?> watchdog;
        try {
            if (target.source() != null) {
                socket.bind(target.local());
            }
            socket.connect(new InetSocketAddress(target.address(), target.probePort()), (int) timeoutMillis);
            if (check.type() == HealthCheckConfig.Type.TCP) {
                closeQuietly(socket);
                return null;
            }
            final long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                closeQuietly(socket);
                return "timed out after " + timeoutMillis + " ms";
            }
            watchdog = scheduler.schedule(() -> closeQuietly(socket), left, TimeUnit.MILLISECONDS);
        } catch (final IOException ex) {
            closeQuietly(socket);
            return "connect: " + ex.getMessage();
        } catch (final RejectedExecutionException ex) {
            closeQuietly(socket);
            return "checker stopped";
        }
        try {
            socket.setSoTimeout((int) timeoutMillis);
            Socket stream = socket;
            String host = null;
            if (check.type() == HealthCheckConfig.Type.HTTPS) {
                final SSLSocket tls = tlsContexts.handshake(socket, target);
                stream = tls;
                host = check.tls().sni();
            }
            try {
                final int status = httpStatus(stream, target, check.path(), host);
                return status == check.expectStatus()
                        ? null
                        : status < 0
                                ? "no HTTP status line"
                                : "HTTP status " + status + ", expected " + check.expectStatus();
            } finally {
                if (stream instanceof SSLSocket tls) {
                    // Every probe does a full handshake, so a certificate changed on the
                    // backend is seen at once rather than hidden behind a resumed session.
                    tls.getSession().invalidate();
                }
            }
        } catch (final IOException ex) {
            return watchdog.isDone() ? "timed out after " + timeoutMillis + " ms" : describe(ex);
        } finally {
            watchdog.cancel(false);
            closeQuietly(socket);
        }
    }

    private static String describe(final IOException ex) {
        final String what = ex instanceof javax.net.ssl.SSLException ? "TLS: " : "";
        return what + (ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName());
    }

    private static void closeQuietly(final Socket socket) {
        try {
            socket.close();
        } catch (final IOException ignored) {
            // nothing to do: the probe has failed or ended either way
        }
    }

    /** Sends a minimal HTTP/1.1 GET and returns the status code of the reply (-1 if unreadable). */
    private static int httpStatus(final Socket socket, final Target target, final String path, final String name)
            throws IOException {
        final String host = name != null ? name : io.levitate.packet.Addresses.format(target.address());
        final String request = "GET " + (path == null || path.isEmpty() ? "/" : path) + " HTTP/1.1\r\nHost: "
                + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + target.probePort()
                + "\r\nUser-Agent: levitate-health\r\nConnection: close\r\n\r\n";
        final OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final InputStream in = socket.getInputStream();
        final byte[] line = new byte[64];
        int n = 0;
        while (n < line.length) {
            final int b = in.read();
            if (b < 0 || b == '\n') {
                break;
            }
            line[n++] = (byte) b;
        }
        // "HTTP/1.1 200 OK"
        final String status = new String(line, 0, n, StandardCharsets.US_ASCII).trim();
        final String[] parts = status.split(" ");
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            return -1;
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (final NumberFormatException ex) {
            return -1;
        }
    }

    /** Stops probing: no probe starts after this, and those in flight are interrupted. */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        running.forEach(Thread::interrupt);
    }
}
