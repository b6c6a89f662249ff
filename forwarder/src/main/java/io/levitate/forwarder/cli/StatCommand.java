package io.levitate.forwarder.cli;

import io.levitate.core.counters.CountersFileReader;
import io.levitate.core.counters.CountersLayout;
import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.counters.CountersFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code levitate stat}: the live counters of a running forwarder, read from its counters file
 * without disturbing it (Aeron's AeronStat, for Levitate).
 */
@Command(
        name = "stat",
        mixinStandardHelpOptions = true,
        description = "Prints the live counters of a running forwarder (from its counters file).")
public final class StatCommand implements Callable<Integer> {
    @Option(names = "--instance", defaultValue = "default", description = "Instance name. Default: ${DEFAULT-VALUE}.")
    String instance;

    @Option(
            names = "--counters-dir",
            defaultValue = CountersLayout.DEFAULT_DIRECTORY,
            description = "Directory of counters files. Default: ${DEFAULT-VALUE}.")
    Path countersDir;

    @Option(names = "--watch", description = "Print again every this many seconds until interrupted.")
    Double watchSeconds;

    @Override
    public Integer call() throws InterruptedException {
        final Path file = CountersFile.pathOf(countersDir, instance);
        try (CountersFileReader reader = CountersFileReader.open(file)) {
            do {
                print(reader, file, System.out);
                if (watchSeconds != null) {
                    Thread.sleep((long) (watchSeconds * 1000));
                }
            } while (watchSeconds != null);
        } catch (final IOException | IllegalStateException ex) {
            throw new LevitateException(ex.getMessage(), ex);
        }
        return LevitateCli.EXIT_OK;
    }

    static void print(final CountersFileReader reader, final Path file, final PrintStream out) {
        final long now = System.currentTimeMillis();
        out.printf(
                Locale.ROOT,
                "%s  pid %d  started %s  %s%n",
                file,
                reader.pid(),
                Instant.ofEpochMilli(reader.startTimeMs()),
                reader.isAlive(now) ? "ALIVE" : "NOT RUNNING (stale file)");
        final CountersReader counters = reader.counters();
        counters.forEach((id, type, key, label) ->
                out.printf(Locale.ROOT, "%4d %5d  %-60s %,20d%n", id, type, label, counters.getCounterValue(id)));
        printAnnouncer(file.resolveSibling(ANNOUNCER_STATUS), now, out);
    }

    /** The BGP sidecar's status file (bgp-announcer/README.md), next to the counters file. */
    static final String ANNOUNCER_STATUS = "announcer.json";
    /** A status file older than this is reported as stale (the sidecar rewrites it every second). */
    static final long ANNOUNCER_STALE_MS = 5_000;

    private static final Pattern OBJECT = Pattern.compile("\\{[^{}]*\\}");

    /** A small summary of the sidecar's JSON: sessions and VIPs (no JSON library in the forwarder). */
    static void printAnnouncer(final Path status, final long now, final PrintStream out) {
        final String json;
        try {
            json = Files.readString(status);
        } catch (final IOException ex) {
            out.println("bgp announcer: no status file (" + status + "): not running for this instance");
            return;
        }
        final long updated = number(json, "updated_ms");
        out.printf(
                Locale.ROOT,
                "bgp announcer: pid %d, status %s%s%n",
                number(json, "pid"),
                updated > 0 ? (now - updated) + " ms old" : "undated",
                updated > 0 && now - updated > ANNOUNCER_STALE_MS ? " (STALE: announcer not running?)" : "");
        final Matcher m = OBJECT.matcher(json);
        while (m.find()) {
            final String o = m.group();
            if (o.contains("\"detection_time_ms\"")) {
                // An entry of the announcer's "bfd" array (RFC 5880 session of a BGP peer).
                out.printf(
                        Locale.ROOT,
                        "  bfd  %-20s %-12s tx %d ms detection %d ms flaps %d%s%n",
                        text(o, "peer"),
                        text(o, "state"),
                        number(o, "tx_interval_ms"),
                        number(o, "detection_time_ms"),
                        number(o, "flaps"),
                        o.contains("\"bgp_held\": true") ? " (BGP held down)" : "");
            } else if (o.contains("\"peer\"")) {
                out.printf(
                        Locale.ROOT,
                        "  peer %-20s %-12s flaps %d prefixes v4 %d v6 %d last notification %s%n",
                        text(o, "peer"),
                        text(o, "state"),
                        number(o, "flaps"),
                        number(o, "prefixes_v4"),
                        number(o, "prefixes_v6"),
                        text(o, "last_notification_received"));
            } else if (o.contains("\"vip\"")) {
                out.printf(
                        Locale.ROOT,
                        "  vip  %-20s %-12s %s (%s)%n",
                        text(o, "vip"),
                        o.contains("\"announced\": true") || o.contains("\"announced\":true")
                                ? "announced"
                                : "withdrawn",
                        text(o, "phase"),
                        text(o, "reason"));
            }
        }
    }

    private static long number(final String json, final String key) {
        final Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(-?\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String text(final String json, final String key) {
        final Matcher m =
                Pattern.compile("\"" + key + "\"\\s*:\\s*(\"([^\"]*)\"|null)").matcher(json);
        return m.find() ? (m.group(2) != null ? m.group(2) : "-") : "-";
    }
}
