package io.levitate.forwarder.health;

import io.levitate.forwarder.config.HealthCheckConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes every backend that has a health check and reports up/down transitions.
 *
 * <p>A backend starts up (a restarting forwarder must not blackhole a healthy pool while it
 * re-learns it); {@code fall} consecutive failed probes mark it down, {@code rise} consecutive
 * successes bring it back. A TCP probe succeeds when a connection opens within the timeout; an
 * HTTP probe when {@code GET path} answers with the expected status within the timeout. Probes
 * run on a small pool of daemon threads with kernel sockets, never on a worker.
 */
public final class HealthChecker implements AutoCloseable {
    /** Called (on a checker thread, serialised) with every backend currently down, after any transition. */
    public interface Listener {
        void changed(Map<String, Boolean> up, String transition);
    }

    /** One probed backend: its label ("service/address:port"), where to probe and how. */
    public record Target(String label, InetAddress address, int backendPort, HealthCheckConfig check) {
        int probePort() {
            return check.port() > 0 ? check.port() : backendPort;
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
    private final ScheduledExecutorService pool;

    public HealthChecker(final List<Target> targets, final int threads, final Listener listener) {
        this(targets, threads, listener, Map.of());
    }

    /**
     * @param initial verdicts carried over from a previous checker (a reload): a backend known
     *                to be down stays down until it passes {@code rise} checks.
     */
    public HealthChecker(
            final List<Target> targets,
            final int threads,
            final Listener listener,
            final Map<String, Boolean> initial) {
        this.listener = listener;
        pool = Executors.newScheduledThreadPool(Math.max(1, threads), r -> {
            final Thread t = new Thread(r, "levitate-health");
            t.setDaemon(true);
            return t;
        });
        for (final Target target : targets) {
            final State state = new State();
            state.up = initial.getOrDefault(target.label(), Boolean.TRUE);
            states.put(target.label(), state);
            final long interval = Math.max(1, target.check().interval().toMillis());
            pool.scheduleWithFixedDelay(() -> probeAndRecord(target), 0, interval, TimeUnit.MILLISECONDS);
        }
    }

    private void probeAndRecord(final Target target) {
        final boolean ok;
        try {
            ok = probe(target);
        } catch (final RuntimeException ex) {
            record(target, false, ex.toString());
            return;
        }
        record(target, ok, null);
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
                    + (error != null ? " (" + error + ")" : "");
        } else if (!s.up && s.successes >= check.rise()) {
            s.up = true;
            transition = target.label() + " is UP after " + s.successes + " passed " + kind(check) + " checks";
        }
        if (transition != null) {
            listener.changed(snapshotOfStates(), transition);
        }
    }

    private static String kind(final HealthCheckConfig check) {
        return check.type() == HealthCheckConfig.Type.TCP ? "TCP" : "HTTP";
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

    static boolean probe(final Target target) {
        final HealthCheckConfig check = target.check();
        final int timeout = (int) Math.max(1, check.timeout().toMillis());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target.address(), target.probePort()), timeout);
            if (check.type() == HealthCheckConfig.Type.TCP) {
                return true;
            }
            socket.setSoTimeout(timeout);
            return httpStatus(socket, target, check.path()) == check.expectStatus();
        } catch (final IOException ex) {
            return false;
        }
    }

    /** Sends a minimal HTTP/1.1 GET and returns the status code of the reply (-1 if unreadable). */
    private static int httpStatus(final Socket socket, final Target target, final String path) throws IOException {
        final String host = io.levitate.packet.Addresses.format(target.address());
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

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
