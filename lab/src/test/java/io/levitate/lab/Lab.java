package io.levitate.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One lab (scripts/lab/lab.sh) for one test: brought up in the constructor, torn down by
 * {@link #close()} whatever happened, with its own namespace prefix and state directory so a
 * running demo is never touched.
 */
final class Lab implements AutoCloseable
{
    static final String VIP4 = "198.18.0.10";
    static final String VIP6 = "2001:db8:100::10";
    static final Path ROOT = findRoot();
    private static final Path SCRIPT = ROOT.resolve("scripts/lab/lab.sh");
    /** A counters line of levitate stat: index, type id, label, value. */
    private static final Pattern STAT_LINE = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+(.*?)\\s+(-?[\\d,]+)\\s*$");

    final Path dir;
    private final String prefix;
    /** lab.sh's variant (LAB_JUMBO, ...), passed to every lab.sh call of this lab. */
    private final Map<String, String> environment;

    Lab() throws IOException
    {
        this(Map.of());
    }

    Lab(final Map<String, String> environment) throws IOException
    {
        this.environment = Map.copyOf(environment);
        this.dir = Files.createTempDirectory("levitate-lab-it");
        this.prefix = "lvt" + ProcessHandle.current().pid() % 1000;
        final Result up = run(Duration.ofSeconds(150), "up");
        if (up.exit != 0)
        {
            final String logs = logs();
            close();
            throw new IllegalStateException("lab up failed (" + up.exit + "):\n" + up.out + "\n" + logs);
        }
    }

    private static Path findRoot()
    {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/lab/lab.sh")))
        {
            p = p.getParent();
        }
        if (p == null)
        {
            throw new IllegalStateException("scripts/lab/lab.sh not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    record Result(int exit, String out)
    {
    }

    private ProcessBuilder builder(final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(SCRIPT.toString());
        command.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("LAB_DIR", dir.toString());
        pb.environment().put("LAB_PREFIX", prefix);
        pb.environment().putAll(environment);
        return pb;
    }

    /** Runs lab.sh ARGS to completion (or the timeout, which kills it). */
    Result run(final Duration timeout, final String... args)
    {
        try
        {
            final Process p = builder(args).start();
            final StringBuilder out = new StringBuilder();
            final Thread reader = Thread.ofPlatform().daemon().start(() ->
            {
                try
                {
                    out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                catch (final IOException ignored)
                {
                    // the process was killed
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                p.destroyForcibly().waitFor();
                reader.join(1000);
                return new Result(-1, out + "\n(timed out after " + timeout + ")");
            }
            reader.join();
            return new Result(p.exitValue(), out.toString());
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs lab.sh ARGS, which must succeed; returns its output. */
    String ok(final String... args)
    {
        final Result r = run(Duration.ofSeconds(120), args);
        if (r.exit != 0)
        {
            throw new AssertionError("lab.sh " + String.join(" ", args) + " exited " + r.exit + ":\n" + r.out + "\n" + logs());
        }
        return r.out;
    }

    /** Starts lab.sh ARGS and returns the process (for the long-lived client). */
    Process start(final String... args) throws IOException
    {
        return builder(args).redirectErrorStream(false).start();
    }

    /** The client's JSON summary line of `client ARGS`. */
    Json client(final String... args)
    {
        final String[] full = new String[args.length + 1];
        full[0] = "client";
        System.arraycopy(args, 0, full, 1, args.length);
        final String out = ok(full);
        for (final String line : out.split("\n"))
        {
            if (line.startsWith("{"))
            {
                return new Json(line);
            }
        }
        throw new AssertionError("no summary from client: " + out);
    }

    /** Counters of Levitate N by label (levitate stat), e.g. "service web: new flows". */
    Map<String, Long> stat(final int n)
    {
        final Map<String, Long> counters = new HashMap<>();
        for (final String line : ok("stat", Integer.toString(n)).split("\n"))
        {
            final Matcher m = STAT_LINE.matcher(line);
            if (m.matches())
            {
                counters.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
            }
        }
        return counters;
    }

    long counter(final int n, final String label)
    {
        final Long v = stat(n).get(label);
        if (v == null)
        {
            throw new AssertionError("lb" + n + " has no counter '" + label + "': " + stat(n).keySet());
        }
        return v;
    }

    int nexthops(final int family)
    {
        return Integer.parseInt(ok("nexthops", Integer.toString(family)).trim());
    }

    /**
     * Nexthops of the router's FIB for the VIP of FAMILY, read with {@code ip} directly: lab.sh's
     * {@code nexthops} first starts its helpers (env.sh, a few hundred ms), too slow to time a
     * withdraw against a one-second limit.
     */
    int routerNexthops(final int family)
    {
        try
        {
            final Process p = new ProcessBuilder("ip", "-n", prefix + "-router", "-" + family, "route", "show",
                family == 4 ? VIP4 : VIP6).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            if (out.isBlank())
            {
                return 0;
            }
            final int multi = out.split("nexthop via", -1).length - 1;
            return multi > 0 ? multi : 1;
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The process lab.sh recorded as NAME (e.g. forwarder-2). */
    ProcessHandle process(final String name)
    {
        final long pid = Long.parseLong(ok("pid", name).trim());
        return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError(name + " (pid " + pid + ") is not running"));
    }

    /** Packets of the client's nftables counter NAME (lab.sh counts the client's traffic to and from the VIPs). */
    long clientCounter(final String name)
    {
        return nftCounter("client", name);
    }

    /** Packets of nftables counter NAME in namespace NS's table inet lab. */
    long nftCounter(final String ns, final String name)
    {
        final String out = ok("exec", ns, "nft", "list", "counter", "inet", "lab", name);
        final Matcher m = Pattern.compile("packets (\\d+)").matcher(out);
        if (!m.find())
        {
            throw new AssertionError("no counter " + name + ": " + out);
        }
        return Long.parseLong(m.group(1));
    }

    /** Polls until the condition holds; fails with the description's text after the timeout. */
    static long until(final Duration timeout, final BooleanSupplier condition, final Supplier<String> description)
    {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not within " + timeout + ": " + description.get());
            }
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The tails of every log of the lab, for failure messages. */
    String logs()
    {
        final StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir))
        {
            for (final Path f : files.filter(p -> p.toString().endsWith(".log")).sorted().toList())
            {
                final List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                b.append("--- ").append(f.getFileName()).append('\n');
                for (final String l : lines.subList(Math.max(0, lines.size() - 15), lines.size()))
                {
                    b.append(l).append('\n');
                }
            }
        }
        catch (final IOException e)
        {
            b.append(e);
        }
        return b.toString();
    }

    @Override
    public void close()
    {
        run(Duration.ofSeconds(60), "down");
    }
}
