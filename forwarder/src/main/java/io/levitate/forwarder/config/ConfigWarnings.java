package io.levitate.forwarder.config;

import io.levitate.maglev.BackendState;
import io.levitate.maglev.ServiceTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Warnings about a valid file that only its Maglev tables reveal. {@code check}, {@code tables},
 * {@code run} and {@code reload} print them; none of them refuses a file for them.
 */
public final class ConfigWarnings {
    private ConfigWarnings() {}

    /**
     * Every active backend with a weight above zero that owns no slot of its service's table, so
     * receives no new flows although the file says it should. A backend gets about M w / sum(w)
     * slots (sum over the service's active backends), so a weight far below the others' rounds to
     * none: weight 1 next to 65535 at M = 65537 gets one slot at most, and several of them share the
     * one or two slots the heavy backend leaves. Each warning points at the backend's weight, or its
     * address when no weight is written.
     *
     * @param tables the file's tables by service name, as {@link LevitateConfig#buildTables()} builds them
     */
    public static List<ConfigWarning> starvedBackends(
            final ConfigResult result, final Map<String, ServiceTable> tables) {
        final List<ConfigWarning> warnings = new ArrayList<>();
        for (final ServiceDefinition service : result.config().services()) {
            final ServiceTable table = tables.get(service.name());
            if (table == null) {
                continue;
            }
            long weights = 0;
            for (final BackendDefinition b : service.backends()) {
                weights += b.state() == BackendState.ACTIVE ? b.weight() : 0;
            }
            for (final BackendDefinition b : service.backends()) {
                if (b.state() != BackendState.ACTIVE
                        || b.weight() == 0
                        || table.slotCount(table.indexOf(b.toBackend())) > 0) {
                    continue;
                }
                final ConfigWarning.Site site =
                        result.backendSites().get(ConfigWarning.backendKey(service.name(), b.identity()));
                final String subject = site == null || site.path().endsWith(".weight")
                        ? Integer.toString(b.weight())
                        : b.identity() + " (weight " + b.weight() + ")";
                final String reason = String.format(
                        Locale.ROOT,
                        "%s: %s gets no slot of M=%d (about M x %d / %d = %.2f "
                                + "slots, the sum over the service's active backends), so it receives no new flows; raise its "
                                + "weight or the table_size",
                        site == null ? "service " + service.name() + ", backend " + b.identity() : site.path(),
                        subject,
                        table.size(),
                        b.weight(),
                        weights,
                        (double) table.size() * b.weight() / weights);
                warnings.add(new ConfigWarning(
                        result.file(), site == null ? 1 : site.line(), site == null ? 1 : site.column(), reason));
            }
        }
        return warnings;
    }
}
