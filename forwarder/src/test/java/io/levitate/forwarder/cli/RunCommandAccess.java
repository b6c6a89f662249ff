package io.levitate.forwarder.cli;

import io.levitate.forwarder.RunSpec;
import java.util.List;
import picocli.CommandLine;

/** Test access to {@link RunCommand}'s validation without starting DPDK. */
public final class RunCommandAccess {
    private RunCommandAccess() {}

    public static RunSpec spec(final List<Integer> allowedCpus, final String... args) {
        final RunCommand command = new RunCommand();
        new CommandLine(command).parseArgs(args);
        return command.toSpec(allowedCpus);
    }
}
