package io.levitate.forwarder.cli;

import io.levitate.forwarder.config.ConfigPlan;
import io.levitate.forwarder.config.ConfigResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code levitate plan FILE --against CURRENT}: what loading FILE instead of CURRENT would change.
 * Until the daemon has a control socket, the configuration in use is given as a file.
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

    @Parameters(index = "0", paramLabel = "FILE", description = "The new configuration file.")
    Path file;

    @Option(
            names = "--against",
            paramLabel = "CURRENT_FILE",
            description = "The configuration in use (required until plan can ask a running daemon).")
    Path against;

    @Override
    public Integer call() {
        if (against == null) {
            throw new LevitateCli.UsageException(
                    "plan cannot ask a running daemon yet; give the configuration in use with --against CURRENT_FILE");
        }
        final ConfigResult current = CheckCommand.load(against);
        final ConfigResult proposed = CheckCommand.load(file);
        final PrintWriter out = commandSpec.commandLine().getOut();
        final PrintWriter err = commandSpec.commandLine().getErr();
        final boolean currentOk = CheckCommand.printErrors(current, err);
        final boolean proposedOk = CheckCommand.printErrors(proposed, err);
        if (!currentOk || !proposedOk) {
            return LevitateCli.EXIT_FAILURE;
        }
        out.print(ConfigPlan.between(current.config(), proposed.config()).render(against.toString(), file.toString()));
        out.flush();
        return LevitateCli.EXIT_OK;
    }
}
