package io.levitate.forwarder.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.levitate.forwarder.config.HealthCheckConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A probe through the tunnel leaves from its backend's health address (its {@code source}): that
 * address is what the worker maps to the backend, so a probe from anywhere else would go untunnelled
 * or to no backend. Real kernel sockets on loopback, where all of 127/8 is the host's (as the
 * health prefix is, by its local route).
 */
class TunnelProbeSourceTest {
    private static final InetAddress SERVER = InetAddress.getLoopbackAddress();

    private static InetAddress address(final String text) throws Exception {
        return InetAddress.getByName(text);
    }

    private static HealthCheckConfig check(final HealthCheckConfig.Type type) {
        return new HealthCheckConfig(
                type,
                0,
                type == HealthCheckConfig.Type.HTTP ? "/" : null,
                type == HealthCheckConfig.Type.HTTP ? 200 : 0,
                Duration.ofMillis(500),
                Duration.ofMillis(500),
                1,
                1,
                null,
                type == HealthCheckConfig.Type.DNS ? new HealthCheckConfig.Dns("example.org", 1, 0) : null,
                null,
                HealthCheckConfig.Via.TUNNEL);
    }

    @Test
    void tcpProbesConnectFromTheirSource() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 8, SERVER)) {
            final CompletableFuture<InetAddress> peer = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    return s.getInetAddress();
                } catch (final java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            final HealthChecker.Target target = new HealthChecker.Target(
                    "web/10.0.3.11:80",
                    SERVER,
                    server.getLocalPort(),
                    check(HealthCheckConfig.Type.TCP),
                    "web",
                    SERVER,
                    address("127.0.0.42"));
            try (HealthChecker checker = new HealthChecker(List.of(), 1, (up, t) -> {}, Map.of())) {
                assertNull(checker.probe(target), "the connect passes");
            }
            assertEquals(address("127.0.0.42"), peer.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void dnsProbesSendFromTheirSource() throws Exception {
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(SERVER, 0))) {
            final CompletableFuture<InetAddress> peer = CompletableFuture.supplyAsync(() -> {
                final DatagramPacket p = new DatagramPacket(new byte[512], 512);
                try {
                    server.receive(p);
                } catch (final java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                return p.getAddress();
            });
            final HealthChecker.Target target = new HealthChecker.Target(
                    "dns/10.0.3.11:53",
                    SERVER,
                    server.getLocalPort(),
                    check(HealthCheckConfig.Type.DNS),
                    "dns",
                    SERVER,
                    address("127.0.0.43"));
            try (HealthChecker checker = new HealthChecker(List.of(), 1, (up, t) -> {}, Map.of())) {
                checker.probe(target); // no answer: fails at its timeout; the query's source is the point
            }
            assertEquals(address("127.0.0.43"), peer.get(5, TimeUnit.SECONDS));
        }
    }
}
