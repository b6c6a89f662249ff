package io.levitate.forwarder.cli;

import io.levitate.forwarder.config.ConfigError;
import io.levitate.forwarder.config.ConfigReader;
import io.levitate.forwarder.config.ConfigResult;
import io.levitate.forwarder.config.LevitateConfig;
import io.levitate.forwarder.config.ServiceDefinition;
import io.levitate.maglev.ServiceTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code levitate check FILE}: validates a configuration file without starting anything. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    header = "Validates a configuration file; prints every error as FILE:LINE:COL: reason.",
    description = {
        "Validates a configuration file (docs/CONFIG.md). Prints every error as FILE:LINE:COL: reason and exits 1,",
        "or prints one line (services, backends, each service's table size and digest) and exits 0."})
public final class CheckCommand implements Callable<Integer>
{
    @Spec
    CommandSpec commandSpec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The configuration file.")
    Path file;

    @Override
    public Integer call()
    {
        final ConfigResult result = load(file);
        final PrintWriter out = commandSpec.commandLine().getOut();
        final PrintWriter err = commandSpec.commandLine().getErr();
        if (!printErrors(result, err))
        {
            return LevitateCli.EXIT_FAILURE;
        }
        out.println(summary(result));
        out.flush();
        return LevitateCli.EXIT_OK;
    }

    /** Reads a file; one that cannot be read at all is a bad argument (exit 2), not a bad config. */
    static ConfigResult load(final Path file)
    {
        try
        {
            return ConfigReader.read(file);
        }
        catch (final NoSuchFileException missing)
        {
            throw new LevitateCli.UsageException("cannot read " + file + ": no such file");
        }
        catch (final IOException | SecurityException ex)
        {
            throw new LevitateCli.UsageException("cannot read " + file + ": " + ex.getMessage());
        }
    }

    /** Prints a result's errors, one per line; true when there were none. */
    static boolean printErrors(final ConfigResult result, final PrintWriter err)
    {
        for (final ConfigError e : result.errors())
        {
            err.println(e);
        }
        err.flush();
        return result.valid();
    }

    /** {@code FILE: OK: 3 services, 7 backends; web M=65537 digest=...; ...}. */
    static String summary(final ConfigResult result)
    {
        final LevitateConfig config = result.config();
        int backends = 0;
        for (final ServiceDefinition s : config.services())
        {
            backends += s.backends().size();
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(result.file()).append(": OK: ").append(config.services().size()).append(" services, ")
            .append(backends).append(" backends");
        for (final Map.Entry<String, ServiceTable> t : config.buildTables().entrySet())
        {
            sb.append("; ").append(t.getKey()).append(" M=").append(t.getValue().size()).append(" digest=")
                .append(t.getValue().digestHex());
        }
        return sb.toString();
    }
}
