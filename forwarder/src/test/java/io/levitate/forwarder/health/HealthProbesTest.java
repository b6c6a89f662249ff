package io.levitate.forwarder.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.levitate.forwarder.config.HealthCheckConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * https, dns and exec checks against real servers on loopback: a JDK TLS server with a
 * certificate made here by keytool, a UDP server that answers as told, and real commands.
 */
class HealthProbesTest {
    private static final InetAddress LOCALHOST = InetAddress.getLoopbackAddress();
    private static final Duration INTERVAL = Duration.ofMillis(100);

    @TempDir
    static Path dir;
    /** A certificate for good.test and 127.0.0.1; another, unrelated one. */
    private static Path goodStore;

    private static Path goodPem;
    private static Path otherPem;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        goodStore = dir.resolve("good.p12");
        goodPem = dir.resolve("good.pem");
        otherPem = dir.resolve("other.pem");
        keytool(
                "-genkeypair",
                "-alias",
                "good",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=good.test",
                "-ext",
                "SAN=dns:good.test,ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                goodStore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "good",
                "-keystore",
                goodStore.toString(),
                "-storepass",
                "changeit",
                "-file",
                goodPem.toString());
        final Path other = dir.resolve("other.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "other",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=good.test",
                "-ext",
                "SAN=dns:good.test,ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                other.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "other",
                "-keystore",
                other.toString(),
                "-storepass",
                "changeit",
                "-file",
                otherPem.toString());
    }

    private static void keytool(final String... args) throws Exception {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "keytool " + String.join(" ", args) + ": " + output);
    }

    @AfterEach
    void close() throws Exception {
        for (final AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static HealthCheckConfig https(final String sni, final HealthCheckConfig.TlsVerify verify, final Path ca) {
        return new HealthCheckConfig(
                HealthCheckConfig.Type.HTTPS,
                0,
                "/healthz",
                200,
                INTERVAL,
                Duration.ofSeconds(2),
                1,
                2,
                new HealthCheckConfig.Tls(sni, verify, ca == null ? null : ca.toString()),
                null,
                null);
    }

    /** A checker of one target, with its transitions. */
    private record Run(HealthChecker checker, HealthChecker.Target target, List<String> transitions) {
        boolean up() {
            return checker.states().get(target.label());
        }
    }

    private Run run(final HealthCheckConfig check, final int port, final boolean startDown) {
        final HealthChecker.Target target = new HealthChecker.Target(
                "svc/127.0.0.1:" + port, LOCALHOST, port, check, "svc", InetAddress.ofLiteral("198.18.0.10"));
        final List<String> transitions = new CopyOnWriteArrayList<>();
        final HealthChecker checker = new HealthChecker(
                List.of(target),
                1,
                (up, t) -> transitions.add(t),
                startDown ? Map.of(target.label(), false) : Map.of());
        closing.add(checker);
        return new Run(checker, target, transitions);
    }

    /** Passes: a backend that starts down comes up within rise, and a running one stays up. */
    private static void assertPasses(final Run run) throws InterruptedException {
        await(() -> !run.transitions().isEmpty(), "UP of " + run.target().label());
        assertTrue(
                run.transitions().getFirst().contains(" is UP after "),
                run.transitions().toString());
        final long seen = run.checker().probes(run.target().label());
        await(() -> run.checker().probes(run.target().label()) >= seen + 3, "three more probes");
        assertEquals(1, run.transitions().size(), run.transitions().toString());
        assertTrue(run.up());
    }

    /** Fails: a backend that starts up goes down, within fall probes; returns the transition. */
    private static String assertFails(final Run run) throws InterruptedException {
        await(() -> !run.transitions().isEmpty(), "DOWN of " + run.target().label());
        final String down = run.transitions().getFirst();
        assertTrue(down.contains(" is DOWN after " + run.target().check().fall() + " failed"), down);
        assertTrue(!run.up());
        return down;
    }

    // ------------------------------------------------------------------ https

    private static X509ExtendedKeyManager keyManager(final Path store) throws Exception {
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        final KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, "changeit".toCharArray());
        return (X509ExtendedKeyManager) factory.getKeyManagers()[0];
    }

    /** A TLS server with the good certificate: answers every GET with {@code status}. */
    private final class TlsServer implements AutoCloseable {
        final AtomicInteger status = new AtomicInteger(200);
        final SSLServerSocket socket;
        final Thread thread;

        /** The key and certificate the server shows; switched while it runs, its sessions kept. */
        final AtomicReference<X509ExtendedKeyManager> keys = new AtomicReference<>(keyManager(goodStore));
        /** When each connection's session was created: the same time twice is a resumed session. */
        final List<Long> sessionsCreated = new CopyOnWriteArrayList<>();

        TlsServer() throws Exception {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new Switching()}, null, null);
            socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50, LOCALHOST);
            thread = Thread.ofVirtual().start(this::serve);
            closing.add(this);
        }

        int port() {
            return socket.getLocalPort();
        }

        private final class Switching extends X509ExtendedKeyManager {
            @Override
            public String[] getClientAliases(final String keyType, final Principal[] issuers) {
                return keys.get().getClientAliases(keyType, issuers);
            }

            @Override
            public String chooseClientAlias(final String[] keyType, final Principal[] issuers, final Socket socket) {
                return keys.get().chooseClientAlias(keyType, issuers, socket);
            }

            @Override
            public String[] getServerAliases(final String keyType, final Principal[] issuers) {
                return keys.get().getServerAliases(keyType, issuers);
            }

            @Override
            public String chooseServerAlias(final String keyType, final Principal[] issuers, final Socket socket) {
                return keys.get().chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public String chooseEngineServerAlias(
                    final String keyType, final Principal[] issuers, final SSLEngine engine) {
                return keys.get().chooseEngineServerAlias(keyType, issuers, engine);
            }

            @Override
            public X509Certificate[] getCertificateChain(final String alias) {
                return keys.get().getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(final String alias) {
                return keys.get().getPrivateKey(alias);
            }
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (SSLSocket client = (SSLSocket) socket.accept()) {
                    client.setSoTimeout(5000);
                    final InputStream in = client.getInputStream();
                    int last = 0;
                    int run = 0;
                    while (run < 4) // to the blank line that ends the request's head
                    {
                        final int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        run = (b == '\r' || b == '\n') && (last == '\r' || last == '\n' || run == 0)
                                ? run + 1
                                : (b == '\r' ? 1 : 0);
                        last = b;
                    }
                    // A session resumed from a ticket keeps its first creation time.
                    sessionsCreated.add(client.getSession().getCreationTime());
                    final OutputStream out = client.getOutputStream();
                    out.write(("HTTP/1.1 " + status.get() + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (final IOException ex) {
                    // a refused handshake (the client's verdict) or the server closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void httpsWithoutVerificationNeedsAHandshakeAndTheStatus() throws Exception {
        final TlsServer server = new TlsServer();
        assertPasses(run(https(null, HealthCheckConfig.TlsVerify.NONE, null), server.port(), true));

        final Run running = run(https(null, HealthCheckConfig.TlsVerify.NONE, null), server.port(), false);
        server.status.set(503);
        assertTrue(
                assertFails(running).contains("HTTP status 503, expected 200"),
                running.transitions().toString());
    }

    @Test
    void httpsFailsWhenTheServerStopsOrSpeaksNoTls() throws Exception {
        final TlsServer server = new TlsServer();
        final Run stopped = run(https("good.test", HealthCheckConfig.TlsVerify.NONE, null), server.port(), false);
        await(() -> stopped.checker().probes(stopped.target().label()) >= 2, "probes");
        final long stoppedAt = System.nanoTime();
        server.close();
        assertFails(stopped);
        assertWithin(stoppedAt, stopped.target().check());

        try (ServerSocket plain = new ServerSocket(0, 50, LOCALHOST)) {
            final Thread answering = Thread.ofVirtual().start(() -> {
                while (!plain.isClosed()) {
                    try (Socket s = plain.accept()) {
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (final IOException ex) {
                        // closed
                    }
                }
            });
            final Run notTls = run(https(null, HealthCheckConfig.TlsVerify.NONE, null), plain.getLocalPort(), false);
            assertTrue(assertFails(notTls).contains("TLS"), notTls.transitions().toString());
            answering.interrupt();
        }
    }

    @Test
    void httpsWithCaVerificationNeedsTheChainAndTheName() throws Exception {
        final TlsServer server = new TlsServer();
        // The right CA and the certificate's name, or (without SNI) its IP SAN.
        assertPasses(run(https("good.test", HealthCheckConfig.TlsVerify.CA, goodPem), server.port(), true));
        assertPasses(run(https(null, HealthCheckConfig.TlsVerify.CA, goodPem), server.port(), true));

        // A name the certificate does not carry: the backend answers for someone else.
        final Run wrongName = run(https("bad.test", HealthCheckConfig.TlsVerify.CA, goodPem), server.port(), false);
        assertTrue(
                assertFails(wrongName).contains("TLS"), wrongName.transitions().toString());

        // An unrelated CA (same subject, another key).
        final Run wrongCa = run(https("good.test", HealthCheckConfig.TlsVerify.CA, otherPem), server.port(), false);
        assertTrue(assertFails(wrongCa).contains("TLS"), wrongCa.transitions().toString());

        // A missing CA file fails the probe and says so.
        final Run noCa = run(
                https("good.test", HealthCheckConfig.TlsVerify.CA, dir.resolve("absent.pem")), server.port(), false);
        assertTrue(
                assertFails(noCa).contains("absent.pem cannot be read"),
                noCa.transitions().toString());
    }

    @Test
    void aCertificateChangedOnTheBackendIsSeenAtTheNextProbe() throws Exception {
        // The server keeps its session keys while its certificate changes: a client that resumed
        // its session (a TLS 1.3 ticket) would never see the new certificate.
        final TlsServer server = new TlsServer();
        final Run run = run(https("good.test", HealthCheckConfig.TlsVerify.CA, goodPem), server.port(), false);
        await(() -> run.checker().probes(run.target().label()) >= 3, "passing probes");
        assertEquals(List.of(), run.transitions());
        assertEquals(
                server.sessionsCreated.size(),
                server.sessionsCreated.stream().distinct().count(),
                "a full handshake for every probe: " + server.sessionsCreated);
        server.keys.set(keyManager(dir.resolve("other.p12")));
        assertTrue(assertFails(run).contains("TLS"), run.transitions().toString());
    }

    @Test
    void aHungServerHoldsUpOnlyItsOwnProbes() throws Exception {
        // Accepts connections and never says a word: the handshake waits for the deadline.
        final ServerSocket silent = new ServerSocket(0, 50, LOCALHOST);
        closing.add(silent);
        final List<Socket> held = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept());
                } catch (final IOException ex) {
                    // closed
                }
            }
        });
        final ServerSocket healthy = new ServerSocket(0, 50, LOCALHOST);
        closing.add(healthy);
        final HealthCheckConfig hung = new HealthCheckConfig(
                HealthCheckConfig.Type.HTTPS,
                0,
                "/",
                200,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1,
                1,
                new HealthCheckConfig.Tls(null, HealthCheckConfig.TlsVerify.NONE, null),
                null,
                null);
        final HealthChecker.Target slow = new HealthChecker.Target("a/hung", LOCALHOST, silent.getLocalPort(), hung);
        final HealthChecker.Target fast = new HealthChecker.Target(
                "b/fast",
                LOCALHOST,
                healthy.getLocalPort(),
                new HealthCheckConfig(
                        HealthCheckConfig.Type.TCP, 0, null, 0, Duration.ofMillis(50), Duration.ofMillis(50), 1, 1));
        final List<String> transitions = new CopyOnWriteArrayList<>();
        final long start = System.nanoTime();
        try (HealthChecker checker = new HealthChecker(List.of(slow, fast), 1, (up, t) -> transitions.add(t))) {
            await(() -> checker.probes("b/fast") >= 5, "five probes of the healthy backend");
            assertTrue(
                    checker.probes("a/hung") == 0 && System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(900),
                    "the healthy backend's probes went on while the hung one's waited");
            await(() -> !transitions.isEmpty(), "the hung backend down");
            assertTrue(
                    transitions
                            .getFirst()
                            .startsWith("a/hung is DOWN after 1 failed HTTPS checks (timed out after 1000 ms)"),
                    transitions.toString());
            final long took = System.nanoTime() - start;
            assertTrue(took < TimeUnit.MILLISECONDS.toNanos(1900), "the watchdog cut the handshake at 1 s: " + took);
        }
        for (final Socket s : held) {
            s.close();
        }
    }

    /** A failure is seen within fall x interval plus the timeout of the probe in flight (and some slack). */
    private static void assertWithin(final long since, final HealthCheckConfig check) {
        final long bound =
                check.fall() * (check.interval().toMillis() + check.timeout().toMillis()) + 1500;
        final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
        assertTrue(took <= bound, "took " + took + " ms, bound " + bound + " ms");
    }

    // ------------------------------------------------------------------ dns

    /** What the UDP server sends for each query, before its answer (or instead of one). */
    enum Noise {
        NONE,
        GARBAGE_AND_WRONG_IDS_FIRST,
        ONLY_GARBAGE
    }

    private int dnsServer(final AtomicInteger rcode, final Noise noise) throws IOException {
        final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
        closing.add(socket);
        Thread.ofVirtual().start(() -> {
            final byte[] buffer = new byte[512];
            while (!socket.isClosed()) {
                try {
                    final DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                    socket.receive(query);
                    final byte[] reply = java.util.Arrays.copyOf(buffer, query.getLength());
                    reply[2] = (byte) 0x81;
                    reply[3] = (byte) (0x80 | rcode.get());
                    if (noise != Noise.NONE) {
                        socket.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, query.getSocketAddress()));
                        final byte[] wrongId = reply.clone();
                        wrongId[0] ^= 0x55;
                        socket.send(new DatagramPacket(wrongId, wrongId.length, query.getSocketAddress()));
                        final byte[] echo = buffer.clone(); // the query itself: QR clear
                        socket.send(new DatagramPacket(echo, query.getLength(), query.getSocketAddress()));
                    }
                    if (noise != Noise.ONLY_GARBAGE) {
                        socket.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
                    }
                } catch (final IOException ex) {
                    // closed
                }
            }
        });
        return socket.getLocalPort();
    }

    private static HealthCheckConfig dns(final int expectRcode) {
        return new HealthCheckConfig(
                HealthCheckConfig.Type.DNS,
                0,
                null,
                0,
                INTERVAL,
                Duration.ofMillis(300),
                2,
                2,
                null,
                new HealthCheckConfig.Dns("health.example.com", HealthCheckConfig.QUERY_A, expectRcode),
                null);
    }

    @Test
    void dnsPassesOnTheAnswerWithTheQueryIdAndTheExpectedRcode() throws Exception {
        final AtomicInteger rcode = new AtomicInteger(0);
        final int port = dnsServer(rcode, Noise.NONE);
        assertPasses(run(dns(0), port, true));

        final Run running = run(dns(0), port, false);
        rcode.set(3);
        assertTrue(
                assertFails(running).contains("(answered NXDOMAIN, expected NOERROR)"),
                running.transitions().toString());
        assertPasses(run(dns(3), port, true));
    }

    @Test
    void dnsIgnoresGarbageAndOtherIdsAndWaitsForItsAnswer() throws Exception {
        final AtomicInteger rcode = new AtomicInteger(0);
        assertPasses(run(dns(0), dnsServer(rcode, Noise.GARBAGE_AND_WRONG_IDS_FIRST), true));

        final Run onlyGarbage = run(dns(0), dnsServer(rcode, Noise.ONLY_GARBAGE), false);
        assertTrue(
                assertFails(onlyGarbage)
                        .contains("(no answer within the timeout (3 datagram(s) that were not one ignored))"),
                onlyGarbage.transitions().toString());
    }

    @Test
    void dnsFailsWhenNothingListens() throws Exception {
        final int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            port = s.getLocalPort();
        }
        final Run run = run(dns(0), port, false);
        assertTrue(
                assertFails(run).contains("(port unreachable)"),
                run.transitions().toString());
    }

    // ------------------------------------------------------------------ exec

    private static HealthCheckConfig exec(final Duration timeout, final String... argv) {
        return new HealthCheckConfig(
                HealthCheckConfig.Type.EXEC, 0, null, 0, INTERVAL, timeout, 2, 2, null, null, List.of(argv));
    }

    @Test
    void execPassesOnExitZeroWithTheBackendInItsEnvironment() throws Exception {
        assertPasses(run(exec(Duration.ofSeconds(2), "true"), 8080, true));
        assertPasses(run(
                exec(
                        Duration.ofSeconds(2),
                        "sh",
                        "-c",
                        "test \"$LEVITATE_BACKEND_ADDRESS\" = 127.0.0.1"
                                + " && test \"$LEVITATE_BACKEND_PORT\" = 8080 && test \"$LEVITATE_SERVICE\" = svc"
                                + " && test \"$LEVITATE_VIP\" = 198.18.0.10 && yes | head -c 1000000"),
                8080,
                true));
    }

    @Test
    void execFailsOnAnotherExitOrAMissingProgram() throws Exception {
        final Run exit1 = run(exec(Duration.ofSeconds(2), "false"), 8080, false);
        assertTrue(assertFails(exit1).contains("(exit 1)"), exit1.transitions().toString());
        final Run missing = run(exec(Duration.ofSeconds(2), "/nonexistent/check"), 8080, false);
        assertTrue(
                assertFails(missing).contains("(cannot run /nonexistent/check"),
                missing.transitions().toString());
    }

    @Test
    void execPastItsTimeoutIsKilledWithItsChildren() throws Exception {
        final Path pids = dir.resolve("pids-" + System.nanoTime());
        final Run slow =
                run(exec(Duration.ofMillis(300), "sh", "-c", "sleep 10 & echo $! >> " + pids + "; wait"), 8080, false);
        final long start = System.nanoTime();
        assertTrue(
                assertFails(slow).contains("(timed out after 300 ms (killed))"),
                slow.transitions().toString());
        assertWithin(start, slow.target().check());
        slow.checker().close();
        for (final String pid : Files.readAllLines(pids)) {
            await(
                    () -> ProcessHandle.of(Long.parseLong(pid.strip()))
                                    .map(ProcessHandle::isAlive)
                                    .orElse(false)
                            == false,
                    "the command's child " + pid + " killed");
        }
    }
}
