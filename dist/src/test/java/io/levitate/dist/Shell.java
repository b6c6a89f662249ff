package io.levitate.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a deadline; stdout and stderr merged, as an operator sees them. */
final class Shell {
    private static final long TIMEOUT_SECONDS = 120;

    private Shell() {}

    record Result(List<String> command, int exitCode, String output) {
        List<String> lines() {
            return output.lines().toList();
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exitCode + "\n" + output;
        }
    }

    /** Runs with a clean environment: PATH only, plus {@code env}; no JAVA_HOME leaks in from Maven. */
    static Result run(final Map<String, String> env, final Path cwd, final String... command)
            throws IOException, InterruptedException {
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LANG", "C.UTF-8");
        pb.environment().putAll(env);
        final Path log = Files.createTempFile("levitate-dist-", ".out");
        try {
            pb.redirectOutput(log.toFile());
            final Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(List.of(command), p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static Result run(final String... command) throws IOException, InterruptedException {
        return run(Map.of(), null, command);
    }

    static String[] concat(final String first, final List<String> rest) {
        final List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all.toArray(String[]::new);
    }
}
