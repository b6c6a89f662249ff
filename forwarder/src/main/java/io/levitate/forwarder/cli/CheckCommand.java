package io.levitate.forwarder.cli;

import io.levitate.core.config.ConfigError;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.ConfigWarning;
import io.levitate.forwarder.config.ConfigWarnings;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.maglev.ServiceTable;
import io.levitate.maglev.TableSizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code levitate check FILE}: validates a configuration file without starting anything. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        header = "Validates a configuration file; prints every error as FILE:LINE:COL: reason.",
        description = {
            "Validates a configuration file (docs/CONFIG.md). Prints every error as FILE:LINE:COL: reason and exits 1,",
            "or prints one line (services, backends, each service's table size and digest), then for each default",
            "table size the backend counts that keep it, and exits 0. Warnings (FILE:LINE:COL: warning: reason, such as",
            "a backend whose weight gets it no table slot) are printed but do not fail the check."
        })
public final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec commandSpec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The configuration file.")
    Path file;

    @Override
    public Integer call() {
        final ConfigResult result = load(file);
        final PrintWriter out = commandSpec.commandLine().getOut();
        final PrintWriter err = commandSpec.commandLine().getErr();
        if (!printErrors(result, err)) {
            return LevitateCli.EXIT_FAILURE;
        }
        final Map<String, ServiceTable> tables = result.config().buildTables();
        out.println(summary(result, tables));
        for (final ServiceDefinition s : result.config().services()) {
            if (s.tableSize() == 0) {
                out.println(result.file() + ": " + s.name() + ": "
                        + defaultSizeNote(s.backends().size()));
            }
        }
        out.flush();
        for (final ConfigWarning w : ConfigWarnings.starvedBackends(result, tables)) {
            err.println(w);
        }
        err.flush();
        return LevitateCli.EXIT_OK;
    }

    /**
     * {@code table size 131071 is the default for 656..1310 backends (700 configured); at 655 it becomes
     * 65537, at 1311 262139, and nearly every new flow moves (table_size pins it)}: what the operator
     * needs to know before adding or removing backends near a threshold of the ladder.
     */
    static String defaultSizeNote(final int backends) {
        final int m = TableSizes.defaultSize(backends);
        final int start = TableSizes.rungStart(backends);
        final int end = TableSizes.threshold(backends);
        final StringBuilder sb = new StringBuilder("table size ")
                .append(m)
                .append(" is the default for ")
                .append(start)
                .append(end == Integer.MAX_VALUE ? " backends and more" : ".." + end + " backends")
                .append(" (")
                .append(backends)
                .append(" configured); ");
        final List<String> moves = new ArrayList<>();
        if (start > 1) {
            moves.add("at " + (start - 1) + " it becomes " + TableSizes.defaultSize(start - 1));
        }
        if (end != Integer.MAX_VALUE) {
            moves.add("at " + (end + 1) + (moves.isEmpty() ? " it becomes " : " ") + TableSizes.defaultSize(end + 1));
        }
        return sb.append(String.join(", ", moves))
                .append(" and nearly every new flow moves (table_size pins it)")
                .toString();
    }

    /** Reads a file; one that cannot be read at all is a bad argument (exit 2), not a bad config. */
    static ConfigResult load(final Path file) {
        try {
            return ConfigReader.read(file);
        } catch (final NoSuchFileException missing) {
            throw new LevitateCli.UsageException("cannot read " + file + ": no such file");
        } catch (final IOException | SecurityException ex) {
            throw new LevitateCli.UsageException("cannot read " + file + ": " + ex.getMessage());
        }
    }

    /** Prints a result's errors, one per line; true when there were none. */
    static boolean printErrors(final ConfigResult result, final PrintWriter err) {
        for (final ConfigError e : result.errors()) {
            err.println(e);
        }
        err.flush();
        return result.valid();
    }

    /** {@code FILE: OK: 3 services, 7 backends; web M=65537 digest=...; ...}. */
    static String summary(final ConfigResult result, final Map<String, ServiceTable> tables) {
        final LevitateConfig config = result.config();
        int backends = 0;
        for (final ServiceDefinition s : config.services()) {
            backends += s.backends().size();
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(result.file())
                .append(": OK: ")
                .append(config.services().size())
                .append(" services, ")
                .append(backends)
                .append(" backends");
        for (final Map.Entry<String, ServiceTable> t : tables.entrySet()) {
            sb.append("; ")
                    .append(t.getKey())
                    .append(" M=")
                    .append(t.getValue().size())
                    .append(" digest=")
                    .append(t.getValue().digestHex());
        }
        return sb.toString();
    }
}
