package io.levitate.bgp.it;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.config.AnnouncerConfig;
import io.levitate.bgp.config.ConfigLoader;
import io.levitate.bgp.sidecar.TestCountersFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real launcher (scripts/levitate-announcer, shaded jar) as a child process against bird2:
 * announces, serves metrics, drains on SIGUSR1 (bird sees 65535:0, then the withdraw, then our
 * Cease with its message), and exits 0 on SIGTERM. Also: a broken config exits 2 naming the line.
 */
class AnnouncerProcessIT {
    private static final String VIP = "198.18.6.10";
    private static final Path LAUNCHER =
            Path.of(System.getProperty("user.dir")).resolveSibling("scripts").resolve("levitate-announcer");

    @Test
    void launcherAnnouncesServesMetricsDrainsOnSigusr1AndExitsZeroOnSigterm() throws Exception {
        try (Lab lab = new Lab()) {
            final String conf = """
                router id %1$s;
                protocol device { }
                protocol bgp lb1 { local %1$s as 65000; neighbor %2$s as 65001; %3$s ipv4 { import all; export none; }; }
                """.formatted(lab.v4(1), lab.v4(2), Bird.FAST);
            final int metricsPort = 20_000 + (int) (ProcessHandle.current().pid() % 20_000);
            final Path config = AnnouncerConfigs.write(lab, "lb1", 2, lab.dir.resolve("shm"), VIP, "")
                    .getFileSystem()
                    .getPath(lab.dir.resolve("lb1.yaml").toString());
            Files.writeString(
                    config,
                    Files.readString(config)
                            .replace("metrics_listen: 127.0.0.1:0", "metrics_listen: 127.0.0.1:" + metricsPort));
            final AnnouncerConfig cfg = ConfigLoader.load(config);
            try (Bird bird = new Bird(lab, "router", conf);
                    TestCountersFile fwd = new TestCountersFile(cfg.countersFile())
                            .healthy(cfg.services().get(0), 1)) {
                final Process p = new ProcessBuilder(LAUNCHER.toString(), "--config", config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(lab.dir.resolve("announcer.out").toFile())
                        .start();
                try {
                    Poll.until(
                            Duration.ofSeconds(30),
                            () -> bird.birdc("show", "route", "all").contains(VIP + "/32"),
                            () -> log(lab) + bird.protocol("lb1"));
                    // The router has the route; the announcer's gauges follow within its next update.
                    final String advertised =
                            "levitate_bgp_prefixes_advertised{peer=\"" + lab.v4(1) + "\",afi=\"ipv4\"} 1";
                    Poll.until(
                            Duration.ofSeconds(10),
                            () -> {
                                try {
                                    return get("http://127.0.0.1:" + metricsPort + "/metrics")
                                            .contains(advertised);
                                } catch (final Exception notYet) {
                                    return false;
                                }
                            },
                            () -> log(lab));
                    final String metrics = get("http://127.0.0.1:" + metricsPort + "/metrics");
                    assertTrue(metrics.contains("levitate_bgp_session_state{peer=\"" + lab.v4(1) + "\"} 5"), metrics);
                    assertTrue(
                            metrics.contains(
                                    "levitate_bgp_prefixes_advertised{peer=\"" + lab.v4(1) + "\",afi=\"ipv4\"} 1"),
                            metrics);
                    assertTrue(metrics.contains("levitate_announcer_forwarder_alive 1"), metrics);
                    final String status = Files.readString(cfg.statusFile());
                    assertTrue(
                            status.contains("\"state\": \"Established\"") && status.contains("\"announced\": true"),
                            status);

                    // Drain by command (SIGUSR1 through the pid file).
                    final String drain = Shell.ok(LAUNCHER.toString(), "drain", "--config", config.toString());
                    assertTrue(drain.contains("drain requested"), drain);
                    Poll.until(
                            Duration.ofSeconds(5),
                            () -> bird.birdc("show", "route", "all").contains("(65535,0)"),
                            () -> bird.routes() + log(lab));
                    Poll.until(
                            Duration.ofSeconds(5),
                            () -> !bird.birdc("show", "route").contains(VIP + "/32"),
                            bird::routes);
                    Poll.until(
                            Duration.ofSeconds(5),
                            () -> bird.protocol("lb1").contains("levitate-announcer drain"),
                            () -> bird.protocol("lb1"));
                    assertTrue(p.isAlive(), "drain leaves the process running");

                    Shell.ok("kill", "-TERM", Long.toString(p.pid()));
                    assertTrue(p.waitFor(15, TimeUnit.SECONDS), log(lab));
                    assertEquals(0, p.exitValue(), log(lab));
                    assertFalse(Files.exists(cfg.pidFile()));
                } finally {
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void brokenConfigExitsTwoNamingTheLine() throws Exception {
        final Path bad = Files.createTempFile("levitate-announcer-bad", ".yaml");
        try {
            Files.writeString(bad, "bgp:\n  local_as: 65001\n  router_id: 10.0.0.1\n  hold_time: 1s\n  peers: []\n");
            final Shell.Result r = Shell.run(LAUNCHER.toString(), "--config", bad.toString());
            assertEquals(2, r.exit(), r.err());
            // Every error, one line each, as levitate check prints them.
            assertTrue(
                    r.err()
                            .contains(
                                    bad + ":4:14: bgp.hold_time: must be 0 or 3s..65535s in whole seconds (RFC 4271), "
                                            + "got 1s\n" + bad + ":5:10: bgp.peers: at least one peer is required\n"),
                    r.err());
        } finally {
            Files.deleteIfExists(bad);
        }
    }

    private static String get(final String url) throws Exception {
        try (HttpClient c = HttpClient.newHttpClient()) {
            return c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }

    private static String log(final Lab lab) {
        try {
            return Files.readString(lab.dir.resolve("announcer.out"));
        } catch (final java.io.IOException e) {
            return e.toString();
        }
    }
}
