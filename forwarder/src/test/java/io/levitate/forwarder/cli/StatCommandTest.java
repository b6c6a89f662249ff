package io.levitate.forwarder.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatCommandTest {
    @TempDir
    Path dir;

    @Test
    void summarisesTheAnnouncersBfdSessions() throws Exception {
        final long now = System.currentTimeMillis();
        final Path status = dir.resolve("announcer.json");
        Files.writeString(status, """
            { "instance": "lb1", "pid": 1234, "updated_ms": %d, "started_ms": 0, "draining": false,
              "forwarder": {"alive": true, "state": 1, "reason": "alive"},
              "peers": [ {"peer": "10.0.1.1", "remote_as": 65000, "state": "Idle", "since_ms": 0,
                          "hold_time": -1, "flaps": 1, "prefixes_v4": 0, "prefixes_v6": 0,
                          "last_notification_sent": "Cease/BFD Down (6/10)", "last_notification_received": null, "last_error": null} ],
              "vips": [ ],
              "bfd": [ {"peer": "10.0.1.1", "state": "Down", "remote_state": "Down", "diagnostic": "Control Detection Time Expired",
                        "tx_interval_ms": 1000.0, "detection_time_ms": 900.0, "multiplier": 3, "remote_min_rx_ms": 300.0,
                        "remote_min_tx_ms": 300.0, "remote_multiplier": 3, "flaps": 1, "bgp_held": true, "error": null} ] }
            """.formatted(now - 300));
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StatCommand.printAnnouncer(status, now, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(
                out.contains("  bfd  10.0.1.1") && out.contains("tx 1000 ms detection 900 ms flaps 1 (BGP held down)"),
                out);
        assertTrue(
                out.lines().filter(l -> l.contains("peer 10.0.1.1")).count() == 1,
                "the BFD entry is not a second peer: " + out);
    }

    @Test
    void summarisesTheAnnouncerStatusFile() throws Exception {
        final long now = System.currentTimeMillis();
        final Path status = dir.resolve("announcer.json");
        Files.writeString(status, """
            { "instance": "lb1", "pid": 1234, "updated_ms": %d, "started_ms": 0, "draining": false,
              "forwarder": {"alive": true, "state": 1, "reason": "alive"},
              "peers": [ {"peer": "10.0.1.1", "remote_as": 65000, "state": "Established", "since_ms": 0,
                          "hold_time": 3, "flaps": 2, "prefixes_v4": 1, "prefixes_v6": 0,
                          "last_notification_sent": null, "last_notification_received": "cease/administrative shutdown", "last_error": null} ],
              "vips": [ {"vip": "198.18.0.10", "services": "web", "announced": true, "graceful_shutdown": false,
                         "phase": "announced", "flaps": 0, "reason": "2 healthy backends"} ] }
            """.formatted(now - 300));
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StatCommand.printAnnouncer(status, now, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("bgp announcer: pid 1234, status 300 ms old"), out);
        assertTrue(
                out.contains("peer 10.0.1.1")
                        && out.contains("Established")
                        && out.contains("flaps 2")
                        && out.contains("cease/administrative shutdown"),
                out);
        assertTrue(
                out.contains("vip  198.18.0.10") && out.contains("announced") && out.contains("2 healthy backends"),
                out);

        final ByteArrayOutputStream stale = new ByteArrayOutputStream();
        StatCommand.printAnnouncer(status, now + 60_000, new PrintStream(stale, true, StandardCharsets.UTF_8));
        assertTrue(stale.toString(StandardCharsets.UTF_8).contains("STALE"));
        final ByteArrayOutputStream none = new ByteArrayOutputStream();
        StatCommand.printAnnouncer(
                dir.resolve("absent.json"), now, new PrintStream(none, true, StandardCharsets.UTF_8));
        assertTrue(none.toString(StandardCharsets.UTF_8).contains("not running for this instance"));
    }
}
