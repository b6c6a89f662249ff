package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.ConfigWarnings;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.forwarder.lb.LiveState;
import io.levitate.forwarder.lb.SnapshotBuilder;
import io.levitate.maglev.Backend;
import io.levitate.maglev.ServiceTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code levitate tables FILE}: the Maglev table of every service as this configuration builds it,
 * with its digest and each backend's slots. Tables depend only on the configuration (seed,
 * backends, weights, states, table size), so every machine with the same file prints the same
 * digests: compare them across the cluster. A running forwarder prints the same digests at start.
 *
 * <p>{@code levitate tables --live} asks the running forwarder instead (control socket command
 * {@code tables}): the tables its workers use now, where a backend a health check took down has
 * no slot, with each backend's weight, configured state, health and slots. {@code --json} prints
 * either as one JSON object for scripts.
 */
@Command(
        name = "tables",
        mixinStandardHelpOptions = true,
        description = {
            "Prints each service's Maglev table digest and per-backend slot counts for a configuration file.",
            "An active backend that gets no slot is marked and warned of (FILE:LINE:COL: warning: ...).",
            "With --live, the tables the running forwarder's workers use now (health included), from its control socket."
        })
public final class TablesCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Configuration file.")
    Path file;

    @Option(
            names = "--live",
            description = "Ask the running forwarder (its control socket) for the tables its workers use now, "
                    + "health included.")
    boolean live;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description = "With --live: the control socket (default: control.socket of --config).")
    Path socket;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "With --live: the file the forwarder was started with, for its control.socket.")
    Path config;

    @Option(names = "--json", description = "One JSON object instead of text lines.")
    boolean json;

    @Override
    public Integer call() {
        if (live) {
            final List<String> lines = ControlClient.checked(ControlClient.request(
                    ControlClient.socket(socket, config != null ? config : file, "tables"), "tables"));
            System.out.println(json ? LiveLines.tablesJson(lines) : String.join("\n", lines));
            System.out.flush();
            return LevitateCli.EXIT_OK;
        }
        if (file == null) {
            throw new LevitateCli.UsageException("tables needs FILE, or --live");
        }
        final ConfigResult result;
        try {
            result = ConfigReader.read(file);
        } catch (final IOException ex) {
            throw new LevitateException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        if (!result.valid()) {
            throw new LevitateException("invalid configuration: "
                    + result.errors().getFirst() + " (levitate check " + file + " lists every error)");
        }
        final LevitateConfig config = result.config();
        if (json) {
            System.out.println(
                    LiveLines.tablesJson(LiveState.tables(new SnapshotBuilder().build(config, Map.of()), config)));
            System.out.flush();
            return LevitateCli.EXIT_OK;
        }
        final Map<String, ServiceTable> tables = config.buildTables();
        for (final ServiceDefinition service : config.services()) {
            final ServiceTable table = tables.get(service.name());
            System.out.printf(
                    Locale.ROOT,
                    "service %s %s: M=%d digest=%s%n",
                    service.name(),
                    service.match(),
                    table.size(),
                    table.digestHex());
            for (int i = 0; i < table.backendCount(); i++) {
                final Backend b = table.backend(i);
                System.out.printf(
                        Locale.ROOT,
                        "  %-40s weight %6d %-8s slots %7d (%6.2f%%)%s%n",
                        b.identity(),
                        b.weight(),
                        b.state().name().toLowerCase(Locale.ROOT),
                        table.slotCount(i),
                        100.0 * table.slotCount(i) / table.size(),
                        b.eligible() && table.slotCount(i) == 0 ? "  no slot: weight too small for M" : "");
            }
        }
        System.out.flush();
        ConfigWarnings.starvedBackends(result, tables).forEach(System.err::println);
        return LevitateCli.EXIT_OK;
    }
}
