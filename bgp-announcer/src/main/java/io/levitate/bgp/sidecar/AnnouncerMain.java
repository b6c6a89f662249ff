package io.levitate.bgp.sidecar;

import io.levitate.bgp.FatalHandler;
import io.levitate.bgp.Log;
import io.levitate.bgp.config.AnnouncerConfig;
import io.levitate.bgp.config.ConfigException;
import io.levitate.bgp.config.ConfigLoader;
import io.levitate.bgp.net.Libc;
import io.levitate.core.runtime.RuntimeDirectories;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code levitate-announcer --config FILE [--drain-on-exit]}: runs the sidecar until a signal.
 *
 * <ul>
 * <li>SIGUSR1, or {@code levitate-announcer drain --config FILE}: drain (RFC 8326 graceful
 *     shutdown of every VIP, then Cease); the process stays up with sessions down until stopped.</li>
 * <li>SIGTERM: graceful shutdown (drain with the configured wait), then exit 0.</li>
 * <li>SIGINT: withdraw at once and Cease, exit 0; with {@code --drain-on-exit} SIGINT drains
 *     like SIGTERM.</li>
 * </ul>
 * Exit codes: 0 after a signal, 2 for a config error, 1 when it cannot start (among others when its
 * runtime directory, {@code <counters_dir>/<instance>}, could be changed by another user), 70 when
 * the speaker or the health-watch thread died of an unexpected exception ({@link #HALT_ON_FATAL}).
 */
@Command(
        name = "levitate-announcer",
        mixinStandardHelpOptions = true,
        description = "BGP sidecar: announces Levitate VIPs while the forwarder is alive and healthy.",
        subcommands = {AnnouncerMain.Drain.class, AnnouncerMain.Status.class})
public final class AnnouncerMain implements Callable<Integer> {
    @Option(names = "--config", description = "the shared config file", defaultValue = "/etc/levitate/levitate.yaml")
    Path config;

    @Option(names = "--drain-on-exit", description = "SIGINT drains (GRACEFUL_SHUTDOWN, wait, withdraw) like SIGTERM")
    boolean drainOnExit;

    /** sysexits.h EX_SOFTWARE: an internal error; systemd's {@code Restart=on-failure} starts us again. */
    static final int EXIT_FATAL = 70;

    /**
     * The process's answer to a dead speaker or watch thread: end now, so the kernel closes every
     * socket (the routers drop the sessions and withdraw our routes at once, instead of at their
     * hold timer) and systemd restarts us. {@code halt}, not {@code exit}: exit runs the shutdown
     * hooks and waits for them, and whatever stops the announcer in a hook would go through the
     * dead thread (its command queue is never drained again; {@code close()} would wait seconds
     * joining it); nothing needs a hook here, since the kernel closes the sockets and the pid and
     * status files say by their pid and timestamp that we are gone.
     */
    public static final FatalHandler HALT_ON_FATAL = (thread, cause) -> {
        Log.warn("exiting with status " + EXIT_FATAL + " (thread " + thread + " died)");
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_FATAL);
    };

    public static void main(final String[] args) {
        System.exit(execute(new java.io.PrintWriter(System.err, true), args));
    }

    /**
     * Runs a command line; bad arguments are one line on {@code err} and exit 2 (picocli's default
     * prints the whole usage after the error, which buries it).
     */
    static int execute(final java.io.PrintWriter err, final String... args) {
        final CommandLine cli = new CommandLine(new AnnouncerMain());
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, ignored) -> {
            final String see = "see: " + ex.getCommandLine().getCommandSpec().qualifiedName(" ") + " --help";
            if (ex.getCommandLine() == cli
                    && ex instanceof CommandLine.UnmatchedArgumentException unmatched
                    && !unmatched.getUnmatched().isEmpty()
                    && !unmatched.getUnmatched().getFirst().startsWith("-")) {
                err.println("levitate-announcer: unknown command '"
                        + unmatched.getUnmatched().getFirst() + "' (commands: "
                        + String.join(", ", cli.getSubcommands().keySet()) + "; " + see + ")");
            } else {
                err.println("levitate-announcer: " + ex.getMessage() + " (" + see + ")");
            }
            err.flush();
            return 2;
        });
        return cli.execute(args);
    }

    static AnnouncerConfig load(final Path file) {
        try {
            return ConfigLoader.load(file);
        } catch (final ConfigException e) {
            if (e.errors().isEmpty()) {
                System.err.println("levitate-announcer: " + e.getMessage());
            } else {
                // Every error, one per line as FILE:LINE:COL: reason, as levitate check prints them
                // (editors and CI jump to the lines); the same binders found them.
                e.errors().forEach(System.err::println);
            }
            return null;
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        final AnnouncerConfig cfg = load(config);
        if (cfg == null) {
            return 2;
        }
        try {
            // Before anything reads or writes there: in a directory another user controls, they
            // could move the counters away (withdrawing the VIPs) or plant the pid drain signals.
            RuntimeDirectories.createSecure(cfg.pidFile().getParent(), RuntimeDirectories.READABLE);
        } catch (final IOException e) {
            System.err.println("levitate-announcer: cannot start: " + e.getMessage());
            return 1;
        }
        final Announcer announcer;
        try {
            announcer = new Announcer(cfg, HALT_ON_FATAL).start();
        } catch (final IOException | RuntimeException e) {
            System.err.println("levitate-announcer: cannot start: " + e.getMessage());
            return 1;
        }
        try {
            AnnouncerPidFile.write(cfg.pidFile());
        } catch (final IOException e) {
            Log.warn("cannot write " + cfg.pidFile() + " (levitate-announcer drain will not find us): "
                    + e.getMessage());
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final AtomicBoolean stopping = new AtomicBoolean();
        final long wait = cfg.speaker().gracefulShutdownMillis();
        Signal.handle(new Signal("USR1"), s -> announcer.drain("levitate-announcer drain"));
        Signal.handle(new Signal("TERM"), s -> stop(announcer, stopping, stopped, wait, "SIGTERM"));
        Signal.handle(new Signal("INT"), s -> stop(announcer, stopping, stopped, drainOnExit ? wait : 0, "SIGINT"));
        stopped.await();
        try {
            Files.deleteIfExists(cfg.pidFile());
        } catch (final IOException e) {
            // Next start overwrites it.
        }
        Log.info("stopped");
        return 0;
    }

    private static void stop(
            final Announcer announcer,
            final AtomicBoolean stopping,
            final CountDownLatch stopped,
            final long waitMillis,
            final String why) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        final Thread t = new Thread(
                () -> {
                    Log.info(why + ": graceful shutdown (" + waitMillis
                            + " ms with GRACEFUL_SHUTDOWN, then withdraw and Cease)");
                    try {
                        announcer
                                .drain("levitate-announcer stopping (" + why + ")", waitMillis)
                                .get(waitMillis + 10_000, TimeUnit.MILLISECONDS);
                    } catch (final Exception e) {
                        Log.warn("graceful shutdown did not complete: " + e);
                    }
                    announcer.close();
                    stopped.countDown();
                },
                "shutdown");
        t.start();
    }

    /**
     * {@code levitate-announcer drain --config FILE}: signals the running announcer of that
     * instance, only once the pid file and the process pass {@link AnnouncerPidFile}'s checks.
     */
    @Command(
            name = "drain",
            mixinStandardHelpOptions = true,
            description = {
                "Drain the running announcer of the config's instance (SIGUSR1 to the pid in its pid file).",
                "Refuses, signalling nothing, unless the pid file and its directory are this user's and writable by no one",
                "else, and the pid is a levitate-announcer running as this user."
            })
    static final class Drain implements Callable<Integer> {
        @Option(names = "--config", defaultValue = "/etc/levitate/levitate.yaml")
        Path config;

        @Override
        public Integer call() {
            final AnnouncerConfig cfg = load(config);
            if (cfg == null) {
                return 2;
            }
            final long pid;
            try {
                pid = AnnouncerPidFile.read(cfg.pidFile());
            } catch (final NoSuchFileException e) {
                System.err.println("levitate-announcer drain: no running announcer for instance '" + cfg.instanceName()
                        + "' (no " + cfg.pidFile() + ")");
                return 1;
            } catch (final IOException | NumberFormatException e) {
                System.err.println("levitate-announcer drain: refused, nothing signalled: " + e.getMessage());
                return 1;
            }
            try (Arena arena = Arena.ofConfined()) {
                final MemorySegment cs = Libc.newCaptureState(arena);
                // The descriptor first, then the checks, then the signal through it: a pid reused
                // after the checks cannot be hit (the descriptor still names the process checked).
                final int pidfd = Libc.pidfdOpen(cs, (int) pid);
                if (pidfd < 0 && Libc.errno(cs) != Libc.ENOSYS) {
                    System.err.println(
                            "levitate-announcer drain: pid " + pid + " from " + cfg.pidFile() + " is not running");
                    return 1;
                }
                try {
                    AnnouncerPidFile.verifyProcess(pid, cfg.pidFile());
                    final int rc = pidfd >= 0
                            ? Libc.pidfdSendSignal(cs, pidfd, Libc.SIGUSR1)
                            : Libc.kill(cs, (int) pid, Libc.SIGUSR1);
                    if (rc < 0) {
                        System.err.println(
                                "levitate-announcer drain: signal pid " + pid + ": " + Libc.strerror(Libc.errno(cs)));
                        return 1;
                    }
                } catch (final NoSuchFileException gone) {
                    System.err.println(
                            "levitate-announcer drain: pid " + pid + " from " + cfg.pidFile() + " is not running");
                    return 1;
                } catch (final IOException e) {
                    System.err.println("levitate-announcer drain: refused, nothing signalled: " + e.getMessage());
                    return 1;
                } finally {
                    if (pidfd >= 0) {
                        Libc.close(cs, pidfd);
                    }
                }
            }
            System.out.println("drain requested from announcer pid " + pid + " (instance " + cfg.instanceName() + ")");
            return 0;
        }
    }

    /** {@code levitate-announcer status --config FILE}: prints the status file of the running announcer. */
    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Print the running announcer's status JSON.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--config", defaultValue = "/etc/levitate/levitate.yaml")
        Path config;

        @Override
        public Integer call() {
            final AnnouncerConfig cfg = load(config);
            if (cfg == null) {
                return 2;
            }
            try {
                System.out.print(Files.readString(cfg.statusFile()));
                return 0;
            } catch (final IOException e) {
                System.err.println("levitate-announcer status: " + cfg.statusFile() + ": " + e.getMessage());
                return 1;
            }
        }
    }
}
