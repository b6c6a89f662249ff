package io.levitate.forwarder.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.levitate.forwarder.config.HealthCheckConfig;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * dns checks against Debian's dnsmasq (scripts/setup.sh installs dnsmasq-base), run on loopback
 * with a free high port and no upstream: {@code up.test} has an IPv4 and an IPv6 address (NOERROR),
 * {@code gone.test} is local and empty (NXDOMAIN), and any other name is REFUSED.
 */
class DnsmasqHealthIT {
    private static final InetAddress LOCALHOST = InetAddress.getLoopbackAddress();
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofMillis(200);

    private final List<HealthChecker> checkers = new ArrayList<>();
    private Process dnsmasq;

    @AfterEach
    void stop() throws InterruptedException {
        checkers.forEach(HealthChecker::close);
        stopDnsmasq();
    }

    private static String binary() {
        for (final String candidate : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return fail("dnsmasq not found: run scripts/setup.sh (it installs Debian's dnsmasq-base)");
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            return s.getLocalPort();
        }
    }

    private void startDnsmasq(final int port) throws Exception {
        dnsmasq = new ProcessBuilder(
                        binary(),
                        "--keep-in-foreground",
                        "--no-resolv",
                        "--no-hosts",
                        "--conf-file=/dev/null",
                        "--pid-file=",
                        "--listen-address=127.0.0.1",
                        "--bind-interfaces",
                        "-p",
                        Integer.toString(port),
                        "--address=/up.test/192.0.2.1",
                        "--address=/up.test/2001:db8::1",
                        "--address=/gone.test/",
                        "--log-facility=-")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/dnsmasq-it.log")))
                .start();
        final HealthCheckConfig.Dns ready = new HealthCheckConfig.Dns("up.test", HealthCheckConfig.QUERY_A, 0);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (DnsProbe.probe(
                        LOCALHOST,
                        port,
                        ready,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200),
                        new SecureRandom())
                != null) {
            assertTrue(
                    dnsmasq.isAlive(),
                    "dnsmasq exited " + (dnsmasq.isAlive() ? "" : dnsmasq.exitValue())
                            + ": see forwarder/target/dnsmasq-it.log");
            assertTrue(System.nanoTime() < deadline, "dnsmasq answers within 10 s");
            Thread.sleep(50);
        }
    }

    private void stopDnsmasq() throws InterruptedException {
        if (dnsmasq != null) {
            dnsmasq.destroy();
            dnsmasq.waitFor(5, TimeUnit.SECONDS);
            dnsmasq.destroyForcibly();
            dnsmasq.waitFor();
            dnsmasq = null;
        }
    }

    private record Run(HealthChecker checker, String label, List<String> transitions) {
        boolean up() {
            return checker.states().get(label);
        }
    }

    private Run check(
            final int port, final String name, final int type, final int expectRcode, final boolean startDown) {
        final HealthCheckConfig check = new HealthCheckConfig(
                HealthCheckConfig.Type.DNS,
                port,
                null,
                0,
                INTERVAL,
                TIMEOUT,
                2,
                2,
                null,
                new HealthCheckConfig.Dns(name, type, expectRcode),
                null);
        final String label = "dns/" + name + "/" + type + "/" + expectRcode;
        final List<String> transitions = new CopyOnWriteArrayList<>();
        final HealthChecker checker = new HealthChecker(
                List.of(new HealthChecker.Target(label, LOCALHOST, 53, check)),
                1,
                (up, t) -> transitions.add(t),
                startDown ? Map.of(label, false) : Map.of());
        checkers.add(checker);
        return new Run(checker, label, transitions);
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

    /** A transition within rise or fall probes: two intervals, two timeouts, and slack for a loaded machine. */
    private static void awaitTransition(final Run run, final int count, final String expected, final long since)
            throws InterruptedException {
        await(() -> run.transitions().size() >= count, expected + " of " + run.label());
        final String transition = run.transitions().get(count - 1);
        assertTrue(transition.contains(expected), transition);
        final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
        assertTrue(took < 2 * (INTERVAL.toMillis() + TIMEOUT.toMillis()) + 1500, run.label() + ": " + took + " ms");
    }

    @Test
    void aNameWithAnAddressPassesAndTheStoppedServerFails() throws Exception {
        final int port = freeUdpPort();
        startDnsmasq(port);
        final long start = System.nanoTime();
        final Run a = check(port, "up.test", HealthCheckConfig.QUERY_A, 0, true);
        final Run aaaa = check(port, "up.test", HealthCheckConfig.QUERY_AAAA, 0, true); // its AAAA record
        awaitTransition(a, 1, "is UP after 2 passed DNS checks", start);
        awaitTransition(aaaa, 1, "is UP after 2 passed DNS checks", start);

        final long stopped = System.nanoTime();
        stopDnsmasq();
        awaitTransition(a, 2, "is DOWN after 2 failed DNS checks (port unreachable)", stopped);

        final long restarted = System.nanoTime();
        startDnsmasq(port);
        awaitTransition(a, 3, "is UP after 2 passed DNS checks", restarted);
        assertTrue(a.up());
    }

    @Test
    void anotherRcodeThanTheExpectedFails() throws Exception {
        final int port = freeUdpPort();
        startDnsmasq(port);
        final long start = System.nanoTime();
        final Run nxdomain = check(port, "gone.test", HealthCheckConfig.QUERY_A, 0, false);
        final Run refused = check(port, "elsewhere.test", HealthCheckConfig.QUERY_A, 0, false);
        final Run expected = check(port, "gone.test", HealthCheckConfig.QUERY_A, 3, true);
        awaitTransition(nxdomain, 1, "is DOWN after 2 failed DNS checks (answered NXDOMAIN, expected NOERROR)", start);
        awaitTransition(refused, 1, "is DOWN after 2 failed DNS checks (answered REFUSED, expected NOERROR)", start);
        awaitTransition(expected, 1, "is UP after 2 passed DNS checks", start);
        await(() -> nxdomain.checker().probes(nxdomain.label()) >= 5, "more probes");
        assertEquals(1, nxdomain.transitions().size(), nxdomain.transitions().toString());
        assertTrue(!nxdomain.up() && !refused.up() && expected.up());
    }
}
