package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code levitate}. Exit codes: 0 success (including a stop by SIGINT/SIGTERM),
 * 1 a runtime failure, 2 bad arguments. Errors an operator can fix are one line on stderr.
 */
@Command(
        name = "levitate",
        mixinStandardHelpOptions = true,
        versionProvider = LevitateCli.ProjectVersion.class,
        description = "Maglev-style L4 load balancer on DPDK.",
        subcommands = {
            RunCommand.class,
            StatCommand.class,
            TablesCommand.class,
            ReloadCommand.class,
            CaptureCommand.class,
            CheckCommand.class,
            PlanCommand.class,
            LookupCommand.class,
            CommandLine.HelpCommand.class
        })
public final class LevitateCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    public static void main(final String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (used by main and by tests). */
    public static int execute(final String... args) {
        final CommandLine cli = new CommandLine(new LevitateCli());
        cli.setParameterExceptionHandler((ex, ignored) -> {
            final PrintWriter err = ex.getCommandLine().getErr();
            final String path = commandPath(ex.getCommandLine());
            final String see = "see: levitate " + (path.isEmpty() ? "" : path + " ") + "--help";
            if (path.isEmpty()
                    && ex instanceof CommandLine.UnmatchedArgumentException unmatched
                    && !unmatched.getUnmatched().isEmpty()
                    && !unmatched.getUnmatched().getFirst().startsWith("-")) {
                // "levitate lookup": a command that does not exist, said as such (not "unmatched argument").
                err.println(
                        "levitate: unknown command '" + unmatched.getUnmatched().getFirst() + "' (commands: "
                                + commands(ex.getCommandLine()) + "; " + see + ")");
            } else if (path.isEmpty() && String.valueOf(ex.getMessage()).startsWith("Missing required subcommand")) {
                err.println(
                        "levitate: a command is needed (commands: " + commands(ex.getCommandLine()) + "; " + see + ")");
            } else {
                err.println("levitate: " + ex.getMessage() + " (" + see + ")");
            }
            err.flush();
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, ignored) -> {
            final PrintWriter err = commandLine.getErr();
            if (ex instanceof LevitateException || ex instanceof IllegalArgumentException) {
                err.println("levitate: " + ex.getMessage());
                return ex instanceof UsageException ? EXIT_USAGE : EXIT_FAILURE;
            }
            // Not an operator error: keep the trace, it is a bug report.
            err.println("levitate: internal error: " + ex);
            ex.printStackTrace(err);
            return EXIT_FAILURE;
        });
        return cli.execute(args);
    }

    private static String commands(final CommandLine commandLine) {
        return String.join(", ", commandLine.getSubcommands().keySet());
    }

    private static String commandPath(final CommandLine commandLine) {
        final String qualified = commandLine.getCommandSpec().qualifiedName(" ");
        return qualified.startsWith("levitate ") ? qualified.substring("levitate ".length()) : "";
    }

    /**
     * {@code levitate --version}: the project version the build wrote into the runnable jar's
     * manifest (Implementation-Version, forwarder/pom.xml), so it cannot drift from the POM.
     */
    static final class ProjectVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String version = LevitateCli.class.getPackage().getImplementationVersion();
            return new String[] {
                "levitate " + (version != null ? version : "(development build, not from levitate.jar)")
            };
        }
    }

    /** Bad arguments found after parsing (e.g. more workers than CPUs): exit code 2. */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UsageException(final String message) {
            super(message);
        }
    }
}
