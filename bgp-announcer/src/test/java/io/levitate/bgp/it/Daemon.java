package io.levitate.bgp.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A foreground daemon started in a lab namespace, its output in a log file. */
final class Daemon implements AutoCloseable {
    private final Process process;
    private final Path log;

    Daemon(final Lab lab, final String name, final String... command) {
        log = lab.dir.resolve(name + ".out");
        try {
            process = new ProcessBuilder(lab.inNs(command))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (final IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
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
