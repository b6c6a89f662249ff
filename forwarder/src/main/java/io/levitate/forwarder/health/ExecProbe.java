package io.levitate.forwarder.health;

import io.levitate.packet.Addresses;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An exec check: the operator's command, started directly (argv, no shell) as the forwarder's
 * own user, with the backend in its environment: {@code LEVITATE_BACKEND_ADDRESS},
 * {@code LEVITATE_BACKEND_PORT}, and where known {@code LEVITATE_SERVICE} and {@code LEVITATE_VIP}.
 *
 * <p>Exit 0 within the timeout passes. Its standard input is /dev/null and its output is
 * discarded by the kernel (no pipe to fill, so a chatty command cannot block). At the timeout, or
 * when the checker closes, the command and every process it started that is still its descendant
 * are killed (SIGKILL): a check leaves nothing running behind it.
 */
final class ExecProbe {
    private static final File DEV_NULL = new File("/dev/null");

    private ExecProbe() {}

    /** Null when the command exited 0 within the timeout, else why not. */
    static String probe(final HealthChecker.Target target, final long timeoutMillis) {
        final List<String> command = target.check().command();
        final ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        final Map<String, String> env = builder.environment();
        env.put("LEVITATE_BACKEND_ADDRESS", Addresses.format(target.address()));
        env.put("LEVITATE_BACKEND_PORT", Integer.toString(target.backendPort()));
        if (target.service() != null) {
            env.put("LEVITATE_SERVICE", target.service());
        }
        if (target.vip() != null) {
            env.put("LEVITATE_VIP", Addresses.format(target.vip()));
        }
        final Process process;
        try {
            process = builder.start();
        } catch (final IOException ex) {
            return "cannot run " + command.getFirst() + ": " + ex.getMessage();
        }
        try {
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                kill(process);
                return "timed out after " + timeoutMillis + " ms (killed)";
            }
        } catch (final InterruptedException ex) {
            kill(process);
            Thread.currentThread().interrupt();
            return "interrupted (killed)";
        }
        final int exit = process.exitValue();
        return exit == 0 ? null : "exit " + exit;
    }

    /**
     * Kills the command and its descendants. The descendants are listed first: once their parent
     * is dead they are re-parented and no longer found through it.
     */
    static void kill(final Process process) {
        final List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
