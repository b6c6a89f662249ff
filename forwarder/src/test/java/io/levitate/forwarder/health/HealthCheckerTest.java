package io.levitate.forwarder.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.levitate.forwarder.config.HealthCheckConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Real kernel sockets: backends that are local TCP and HTTP servers, stopped and started. */
class HealthCheckerTest {
    private static final InetAddress LOCALHOST = InetAddress.getLoopbackAddress();

    private static HealthCheckConfig check(final HealthCheckConfig.Type type, final int rise, final int fall) {
        return new HealthCheckConfig(
                type, 0, "/healthz", 200, Duration.ofMillis(50), Duration.ofMillis(200), rise, fall);
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void tcpBackendGoesDownAfterFallFailuresAndUpAfterRiseSuccesses() throws Exception {
        final ServerSocket server = new ServerSocket(0, 50, LOCALHOST);
        final int port = server.getLocalPort();
        final List<String> transitions = new CopyOnWriteArrayList<>();
        final HealthChecker.Target target = new HealthChecker.Target(
                "web/127.0.0.1:" + port, LOCALHOST, port, check(HealthCheckConfig.Type.TCP, 2, 3));
        try (HealthChecker checker = new HealthChecker(List.of(target), 1, (up, t) -> transitions.add(t))) {
            await(() -> checker.probes(target.label()) >= 3, "three passing probes");
            assertEquals(List.of(), transitions, "a healthy backend stays up");
            assertTrue(checker.states().get(target.label()));

            server.close(); // the backend stops: connections are refused
            await(() -> !transitions.isEmpty(), "down");
            assertTrue(transitions.getFirst().contains("is DOWN after 3 failed TCP checks"), transitions.getFirst());
            assertEquals(Map.of(target.label(), false), checker.states());

            try (ServerSocket again = new ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(new InetSocketAddress(LOCALHOST, port));
                await(() -> transitions.size() == 2, "up");
                assertTrue(transitions.get(1).contains("is UP after 2 passed TCP checks"), transitions.get(1));
                assertTrue(checker.states().get(target.label()));
            }
        }
    }

    @Test
    void httpBackendIsJudgedByItsStatus() throws Exception {
        final AtomicInteger status = new AtomicInteger(200);
        final HttpServer server = HttpServer.create(new InetSocketAddress(LOCALHOST, 0), 16);
        server.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        final int port = server.getAddress().getPort();
        final List<String> transitions = new CopyOnWriteArrayList<>();
        final HealthChecker.Target target = new HealthChecker.Target(
                "web/127.0.0.1:" + port, LOCALHOST, port, check(HealthCheckConfig.Type.HTTP, 2, 2));
        try (HealthChecker checker = new HealthChecker(List.of(target), 1, (up, t) -> transitions.add(t))) {
            await(() -> checker.probes(target.label()) >= 3, "passing probes");
            assertEquals(List.of(), transitions);

            status.set(503); // the server answers, but unhealthy
            await(() -> !transitions.isEmpty(), "down on 503");
            assertTrue(transitions.getFirst().contains("is DOWN after 2 failed HTTP checks"), transitions.getFirst());

            status.set(200);
            await(() -> transitions.size() == 2, "up again");
            assertTrue(transitions.get(1).contains("is UP after 2 passed HTTP checks"), transitions.get(1));
        } finally {
            server.stop(0);
        }
    }
}
