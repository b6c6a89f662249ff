package io.levitate.packet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway network namespace for tests that put packets on a real (veth) wire: created by
 * the constructor; {@link #close()} stops the processes started in it and deletes it, whatever
 * the test did. Needs root and iproute2.
 */
public final class Netns implements AutoCloseable {
    private final String name;
    private final List<Process> processes = new ArrayList<>();

    /** Creates namespace {@code name} (unique per test run: put the pid in it). */
    public Netns(final String name) {
        this.name = name;
        run("ip", "netns", "add", name);
        run(in("ip", "link", "set", "lo", "up"));
    }

    public String name() {
        return name;
    }

    /** {@code command} to be run inside the namespace ({@code ip netns exec NAME ...}). */
    public String[] in(final String... command) {
        final String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = name;
        System.arraycopy(command, 0, full, 4, command.length);
        return full;
    }

    /** Runs {@code command} inside the namespace; fails the test unless it exits 0; returns its output. */
    public String sh(final String... command) {
        return run(in(command));
    }

    /** Starts a process from {@code builder} (whose command is usually {@link #in}), stopped by {@link #close()}. */
    public Process start(final ProcessBuilder builder) throws IOException {
        final Process p = builder.start();
        processes.add(p);
        return p;
    }

    /** Runs any command (inside or outside); fails the test unless it exits 0; returns its output. */
    public static String run(final String... command) {
        try {
            final Process p =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (final IOException e) {
            throw new AssertionError(String.join(" ", command) + ": " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        for (final Process p : processes) {
            p.destroy();
        }
        try {
            for (final Process p : processes) {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            new ProcessBuilder("ip", "netns", "del", name).start().waitFor();
        } catch (final IOException e) {
            throw new IllegalStateException("cannot delete namespace " + name, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
