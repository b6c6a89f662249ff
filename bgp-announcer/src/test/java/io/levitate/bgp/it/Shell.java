package io.levitate.bgp.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs lab commands (ip, birdc, gobgp, vtysh) and returns their output. */
public final class Shell {
    private Shell() {}

    public record Result(int exit, String out, String err) {}

    public static Result run(final String... command) {
        try {
            final Process p = new ProcessBuilder(List.of(command))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            final var out = p.getInputStream().readAllBytes();
            final var err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "", "timed out: " + String.join(" ", command));
            }
            return new Result(
                    p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
        } catch (final IOException e) {
            return new Result(-1, "", e.toString());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", e.toString());
        }
    }

    /** Runs and fails the test on a non-zero exit. */
    public static String ok(final String... command) {
        final Result r = run(command);
        if (r.exit() != 0) {
            throw new IllegalStateException(
                    String.join(" ", command) + " -> exit " + r.exit() + ": " + r.err() + r.out());
        }
        return r.out();
    }
}
