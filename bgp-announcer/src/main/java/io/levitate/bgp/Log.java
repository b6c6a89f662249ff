package io.levitate.bgp;

import java.time.Instant;

/**
 * One-line logs on stderr (the launcher's journal). No logging framework: the announcer has a
 * handful of events per minute, and nothing logs on the keepalive path.
 */
public final class Log {
    private Log() {}

    public static void info(final String message) {
        emit("INFO", message);
    }

    public static void warn(final String message) {
        emit("WARN", message);
    }

    private static void emit(final String level, final String message) {
        System.err.println(
                Instant.now() + " " + level + " [" + Thread.currentThread().getName() + "] " + message);
    }
}
