package io.levitate.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
final class Lab implements AutoCloseable {
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

    Lab() throws IOException {
        this(Map.of());
    }

    Lab(final Map<String, String> environment) throws IOException {
        this.environment = Map.copyOf(environment);
        this.dir = Files.createTempDirectory("levitate-lab-it");
        this.prefix = "lvt" + ProcessHandle.current().pid() % 1000;
        final Result up = run(Duration.ofSeconds(150), "up");
        if (up.exit != 0) {
            final String logs = logs();
            close();
            throw new IllegalStateException("lab up failed (" + up.exit + "):\n" + up.out + "\n" + logs);
        }
    }

    private static Path findRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/lab/lab.sh"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException(
                    "scripts/lab/lab.sh not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    record Result(int exit, String out) {}

    private ProcessBuilder builder(final String... args) {
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
    Result run(final Duration timeout, final String... args) {
        try {
            final Process p = builder(args).start();
            final StringBuilder out = new StringBuilder();
            final Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (final IOException ignored) {
                    // the process was killed
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                reader.join(1000);
                return new Result(-1, out + "\n(timed out after " + timeout + ")");
            }
            reader.join();
            return new Result(p.exitValue(), out.toString());
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs lab.sh ARGS, which must succeed; returns its output. */
    String ok(final String... args) {
        final Result r = run(Duration.ofSeconds(120), args);
        if (r.exit != 0) {
            throw new AssertionError(
                    "lab.sh " + String.join(" ", args) + " exited " + r.exit + ":\n" + r.out + "\n" + logs());
        }
        return r.out;
    }

    /** Starts lab.sh ARGS and returns the process (for the long-lived client). */
    Process start(final String... args) throws IOException {
        return builder(args).redirectErrorStream(false).start();
    }

    /** The client's JSON summary line of `client ARGS`. */
    Json client(final String... args) {
        final String[] full = new String[args.length + 1];
        full[0] = "client";
        System.arraycopy(args, 0, full, 1, args.length);
        final String out = ok(full);
        for (final String line : out.split("\n")) {
            if (line.startsWith("{")) {
                return new Json(line);
            }
        }
        throw new AssertionError("no summary from client: " + out);
    }

    /** Counters of Levitate N by label (levitate stat), e.g. "service web: new flows". */
    Map<String, Long> stat(final int n) {
        final Map<String, Long> counters = new HashMap<>();
        for (final String line : ok("stat", Integer.toString(n)).split("\n")) {
            final Matcher m = STAT_LINE.matcher(line);
            if (m.matches()) {
                counters.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
            }
        }
        return counters;
    }

    long counter(final int n, final String label) {
        final Long v = stat(n).get(label);
        if (v == null) {
            throw new AssertionError("lb" + n + " has no counter '" + label + "': " + stat(n).keySet());
        }
        return v;
    }

    int nexthops(final int family) {
        return Integer.parseInt(ok("nexthops", Integer.toString(family)).trim());
    }

    /**
     * Nexthops of the router's FIB for the VIP of FAMILY, read with {@code ip} directly: lab.sh's
     * {@code nexthops} first starts its helpers (env.sh, a few hundred ms), too slow to time a
     * withdraw against a one-second limit.
     */
    int routerNexthops(final int family) {
        try {
            final Process p = new ProcessBuilder(
                            "ip", "-n", prefix + "-router", "-" + family, "route", "show", family == 4 ? VIP4 : VIP6)
                    .redirectErrorStream(true)
                    .start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            if (out.isBlank()) {
                return 0;
            }
            final int multi = out.split("nexthop via", -1).length - 1;
            return multi > 0 ? multi : 1;
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The lab's router: bird or frr (lab.sh's LAB_ROUTER). */
    String router() {
        return environment.getOrDefault("LAB_ROUTER", "bird");
    }

    /** The router's own command line (birdc ARGS, or vtysh -c "ARGS"): its output. */
    String routerCli(final String... args) {
        final String[] full = new String[args.length + 1];
        full[0] = "router-cli";
        System.arraycopy(args, 0, full, 1, args.length);
        return ok(full);
    }

    /** The router's FIB entry for the VIP of FAMILY ({@code ip route show VIP} in its namespace, read directly). */
    String routerRoute(final int family) {
        try {
            final Process p = new ProcessBuilder(
                            "ip", "-n", prefix + "-router", "-" + family, "route", "show", family == 4 ? VIP4 : VIP6)
                    .redirectErrorStream(true)
                    .start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether the router's route for the VIP of FAMILY has Levitate N (10.0.N.2, fd00:N::2) among its nexthops. */
    boolean routerHas(final int family, final int n) {
        return routerRoute(family).contains(family == 4 ? "via 10.0." + n + ".2 " : "via fd00:" + n + "::2 ");
    }

    /**
     * How Levitate N came back: ms from lab.sh start-lb to its new forwarder's "forwarding" line,
     * from that line to both IPv4 nexthops in the router's FIB, and from then to both IPv6 ones.
     */
    record Rejoin(long forwardingMs, long backMs, long v6Ms) {}

    /**
     * Starts Levitate N again (lab.sh start-lb N, whose forwarder must have exited) and times
     * its return to the router's ECMP route.
     */
    Rejoin rejoin(final int n) throws IOException, InterruptedException {
        // The moment the new forwarder forwards is its log's "levitate: forwarding" line; the old
        // log is moved aside first, so the old forwarder's line is never read for it.
        final Path log = dir.resolve("forwarder-" + n + ".log");
        Files.move(log, log.resolveSibling("forwarder-" + n + ".log.stopped"), StandardCopyOption.REPLACE_EXISTING);
        final long t0 = System.nanoTime();
        final Process start = start("start-lb", Integer.toString(n));
        until(
                Duration.ofSeconds(60),
                () -> contains(log, "levitate: forwarding"),
                () -> "the new forwarder does not forward: " + logs());
        final long forwardingMs = (System.nanoTime() - t0) / 1_000_000;
        final long backMs = until(
                Duration.ofSeconds(40),
                () -> routerNexthops(4) == 2,
                () -> "the router has " + routerNexthops(4) + " nexthops: " + ok("status") + logs());
        if (!start.waitFor(60, TimeUnit.SECONDS) || start.exitValue() != 0) {
            throw new AssertionError("start-lb " + n + " failed: "
                    + new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        final long v6Ms = until(
                Duration.ofSeconds(10),
                () -> routerNexthops(6) == 2,
                () -> "the IPv6 VIP has " + routerNexthops(6) + " nexthops");
        return new Rejoin(forwardingMs, backMs, v6Ms);
    }

    private static boolean contains(final Path file, final String text) {
        try {
            return Files.exists(file)
                    && Files.readString(file, StandardCharsets.UTF_8).contains(text);
        } catch (final IOException e) {
            return false;
        }
    }

    /**
     * Whether process PID has exited: gone, or a zombie. lab.sh's processes outlive their shell,
     * so whoever adopts them reaps them, here a container's init that does so only now and then
     * (up to 1.5 s late); systemd, the parent on a real machine, reaps at once.
     */
    static boolean exited(final long pid) {
        try {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (final IOException e) {
            return true;
        }
    }

    /** The process lab.sh recorded as NAME (e.g. forwarder-2). */
    ProcessHandle process(final String name) {
        final long pid = Long.parseLong(ok("pid", name).trim());
        return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError(name + " (pid " + pid + ") is not running"));
    }

    /** Packets of the client's nftables counter NAME (lab.sh counts the client's traffic to and from the VIPs). */
    long clientCounter(final String name) {
        return nftCounter("client", name);
    }

    /** Packets of nftables counter NAME in namespace NS's table inet lab (nft run directly, not through lab.sh). */
    long nftCounter(final String ns, final String name) {
        final String out;
        try {
            final Process p = new ProcessBuilder(
                            "ip", "netns", "exec", prefix + "-" + ns, "nft", "list", "counter", "inet", "lab", name)
                    .redirectErrorStream(true)
                    .start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        final Matcher m = Pattern.compile("packets (\\d+)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("no counter " + name + ": " + out);
        }
        return Long.parseLong(m.group(1));
    }

    /** Polls until the condition holds; fails with the description's text after the timeout. */
    static long until(final Duration timeout, final BooleanSupplier condition, final Supplier<String> description) {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + description.get());
            }
            try {
                Thread.sleep(20);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The tails of every log of the lab, for failure messages. */
    String logs() {
        final StringBuilder b = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (final Path f :
                    files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                final List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                b.append("--- ").append(f.getFileName()).append('\n');
                for (final String l : lines.subList(Math.max(0, lines.size() - 15), lines.size())) {
                    b.append(l).append('\n');
                }
            }
        } catch (final IOException e) {
            b.append(e);
        }
        return b.toString();
    }

    @Override
    public void close() {
        run(Duration.ofSeconds(60), "down");
    }
}
