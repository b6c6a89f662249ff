package io.levitate.bgp.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** bird2 running in a lab namespace, configured by the test. */
public final class Bird implements AutoCloseable {
    private final Lab lab;
    private final Path config;
    private final Path socket;
    private Process process;

    public Bird(final Lab lab, final String name, final String configText) {
        this.lab = lab;
        this.config = lab.dir.resolve(name + ".conf");
        this.socket = lab.dir.resolve(name + ".ctl");
        try {
            Files.writeString(config, configText);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        start();
    }

    /** Settings that make bird fast enough for tests (its defaults take minutes to notice a dead peer and to retry). */
    public static final String FAST = "hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 2;";

    public void start() {
        try {
            process = new ProcessBuilder(lab.inNs(
                            "bird",
                            "-f",
                            "-c",
                            config.toString(),
                            "-s",
                            socket.toString(),
                            "-P",
                            lab.dir.resolve("bird.pid").toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(lab.dir.resolve("bird.out").toFile())
                    .start();
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        Poll.until(
                java.time.Duration.ofSeconds(10),
                () -> !process.isAlive()
                        || Shell.run("birdc", "-s", socket.toString(), "show", "status")
                                        .exit()
                                == 0,
                () -> "bird did not start: " + log());
        if (!process.isAlive()) {
            throw new IllegalStateException("bird exited: " + log());
        }
    }

    public String birdc(final String... command) {
        final String[] full = new String[command.length + 3];
        full[0] = "birdc";
        full[1] = "-s";
        full[2] = socket.toString();
        System.arraycopy(command, 0, full, 3, command.length);
        return Shell.run(full).out();
    }

    public String routes() {
        return birdc("show", "route", "all");
    }

    public String protocol(final String name) {
        return birdc("show", "protocols", "all", name);
    }

    public boolean established(final String protocol) {
        return protocol(protocol).contains("BGP state:          Established");
    }

    public long pid() {
        return process.pid();
    }

    public void signal(final String signal) {
        Shell.ok("kill", "-" + signal, Long.toString(process.pid()));
    }

    public String log() {
        try {
            return Files.readString(lab.dir.resolve("bird.out"));
        } catch (final IOException e) {
            return e.toString();
        }
    }

    /** Stops bird (SIGTERM: it sends Cease to its peers) and waits for it. */
    public void stop() {
        if (process != null && process.isAlive()) {
            Shell.run("kill", "-CONT", Long.toString(process.pid()));
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
