package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.config.ConfigPlan;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.maglev.ServiceTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code levitate plan FILE --against CURRENT}: what loading FILE instead of CURRENT would change.
 * {@code --against live} compares with the tables the running forwarder's workers use now
 * (control socket {@code tables}; health included), and {@code --fail BACKEND} shows, per service
 * holding BACKEND, the share of new flows that would move if it went down and to which backends.
 */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        header = "Shows what a new configuration would change against the one in use, and the flows it would move.",
        description = {
            "Shows what a new configuration would change against the one in use: per service, backends added,",
            "removed, re-weighted or changing state, table size, the share of new flows that would move to another",
            "backend, and the table digests before and after. Exits 1 if either file is invalid."
        })
public final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec commandSpec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The new configuration file.")
    Path file;

    @Option(
            names = "--against",
            paramLabel = "CURRENT_FILE|live",
            description = "The configuration in use, or 'live': the running forwarder's tables (control socket).")
    String against;

    @Option(
            names = "--fail",
            paramLabel = "BACKEND",
            description = "What fails over where if BACKEND (ADDRESS or ADDRESS:PORT) goes down, in FILE's tables or "
                    + "(with --against live) the running forwarder's.")
    String fail;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description = "With --against live: the control socket (default: control.socket of FILE).")
    Path socket;

    @Override
    public Integer call() {
        final PrintWriter out = commandSpec.commandLine().getOut();
        if (fail != null) {
            final Map<String, ServiceTable> tables = LIVE.equals(against) ? liveTables() : fileTables();
            out.print(LivePlan.fail(tables, fail));
            out.flush();
            return LevitateCli.EXIT_OK;
        }
        if (file == null) {
            throw new LevitateCli.UsageException("plan needs FILE (the new configuration), or --fail BACKEND");
        }
        if (against == null) {
            throw new LevitateCli.UsageException(
                    "plan needs --against CURRENT_FILE (the configuration in use) or --against live");
        }
        if (LIVE.equals(against)) {
            final ConfigResult proposed = CheckCommand.load(file);
            if (!CheckCommand.printErrors(proposed, commandSpec.commandLine().getErr())) {
                return LevitateCli.EXIT_FAILURE;
            }
            final List<String> lines =
                    ControlClient.checked(ControlClient.request(ControlClient.socket(socket, file, "plan"), "tables"));
            out.print(LivePlan.against(LiveLines.services(lines), proposed.config(), file.toString()));
            out.flush();
            return LevitateCli.EXIT_OK;
        }
        final Path againstFile = Path.of(against);
        final ConfigResult current = CheckCommand.load(againstFile);
        final ConfigResult proposed = CheckCommand.load(file);
        final PrintWriter err = commandSpec.commandLine().getErr();
        final boolean currentOk = CheckCommand.printErrors(current, err);
        final boolean proposedOk = CheckCommand.printErrors(proposed, err);
        if (!currentOk || !proposedOk) {
            return LevitateCli.EXIT_FAILURE;
        }
        out.print(ConfigPlan.between(current.config(), proposed.config()).render(against, file.toString()));
        out.flush();
        return LevitateCli.EXIT_OK;
    }

    /** The word of {@code --against} that asks the running forwarder. */
    static final String LIVE = "live";

    private Map<String, ServiceTable> liveTables() {
        final List<String> lines =
                ControlClient.checked(ControlClient.request(ControlClient.socket(socket, file, "plan"), "tables"));
        final Map<String, ServiceTable> tables = new LinkedHashMap<>();
        for (final LiveLines.Service service : LiveLines.services(lines)) {
            tables.put(service.name(), LivePlan.rebuilt(service));
        }
        return tables;
    }

    private Map<String, ServiceTable> fileTables() {
        if (file == null) {
            throw new LevitateCli.UsageException("plan --fail needs FILE, or --against live");
        }
        final ConfigResult result = CheckCommand.load(file);
        if (!result.valid()) {
            throw new LevitateException("invalid configuration: "
                    + result.errors().getFirst() + " (levitate check " + file + " lists every error)");
        }
        final Map<String, ServiceTable> tables = new LinkedHashMap<>();
        result.config()
                .services()
                .forEach(s -> tables.put(s.name(), s.buildTable(result.config().hashSeed())));
        return tables;
    }
}
