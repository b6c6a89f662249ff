package io.levitate.forwarder.cli;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.counters.CountersFile;
import io.levitate.forwarder.counters.CountersFileReader;
import io.levitate.forwarder.counters.CountersLayout;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code levitate stat}: the live counters of a running forwarder, read from its counters file
 * without disturbing it (Aeron's AeronStat, for Levitate).
 */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    description = "Prints the live counters of a running forwarder (from its counters file).")
public final class StatCommand implements Callable<Integer>
{
    @Option(names = "--instance", defaultValue = "default", description = "Instance name. Default: ${DEFAULT-VALUE}.")
    String instance;

    @Option(names = "--counters-dir", defaultValue = CountersLayout.DEFAULT_DIRECTORY,
        description = "Directory of counters files. Default: ${DEFAULT-VALUE}.")
    Path countersDir;

    @Option(names = "--watch", description = "Print again every this many seconds until interrupted.")
    Double watchSeconds;

    @Override
    public Integer call() throws InterruptedException
    {
        final Path file = CountersFile.pathOf(countersDir, instance);
        try (CountersFileReader reader = CountersFileReader.open(file))
        {
            do
            {
                print(reader, file, System.out);
                if (watchSeconds != null)
                {
                    Thread.sleep((long)(watchSeconds * 1000));
                }
            }
            while (watchSeconds != null);
        }
        catch (final IOException | IllegalStateException ex)
        {
            throw new LevitateException(ex.getMessage(), ex);
        }
        return LevitateCli.EXIT_OK;
    }

    static void print(final CountersFileReader reader, final Path file, final PrintStream out)
    {
        final long now = System.currentTimeMillis();
        out.printf(Locale.ROOT, "%s  pid %d  started %s  %s%n", file, reader.pid(),
            Instant.ofEpochMilli(reader.startTimeMs()), reader.isAlive(now) ? "ALIVE" : "NOT RUNNING (stale file)");
        final CountersReader counters = reader.counters();
        counters.forEach((id, type, key, label) -> out.printf(Locale.ROOT, "%4d %5d  %-60s %,20d%n",
            id, type, label, counters.getCounterValue(id)));
    }
}
