package io.levitate.bgp.config;

import io.levitate.bgp.SpeakerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code levitate-announcer} reads from the shared config file.
 *
 * @param file            where it came from (for messages).
 * @param instanceName    {@code instance.name}.
 * @param countersDir     {@code instance.counters_dir}.
 * @param speaker         the {@code bgp:} section as the speaker wants it.
 * @param metricsListen   {@code bgp.metrics_listen} (announcer-only; default 127.0.0.1:9101), or null when "off".
 * @param announceDelayMillis {@code bgp.announce_delay}: a service must stay healthy this long before it is (re-)announced.
 * @param services        {@code services[]}.
 */
public record AnnouncerConfig(
        Path file,
        String instanceName,
        Path countersDir,
        SpeakerConfig speaker,
        InetSocketAddress metricsListen,
        long announceDelayMillis,
        List<ServiceConfig> services) {
    /** docs/COUNTERS.md: {@code <counters_dir>/<instance>/counters.dat}. */
    public Path countersFile() {
        return countersDir.resolve(instanceName).resolve(io.levitate.core.counters.CountersLayout.FILE_NAME);
    }

    /** Where the announcer publishes its status for {@code levitate stat} (see package-info). */
    public Path statusFile() {
        return countersDir.resolve(instanceName).resolve("announcer.json");
    }

    /** Where the running announcer records its pid, for {@code levitate-announcer drain}. */
    public Path pidFile() {
        return countersDir.resolve(instanceName).resolve("announcer.pid");
    }
}
