package io.levitate.forwarder.control;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read-only commands of the control socket besides {@code reload}: one {@link Handler} per
 * command word, registered by whoever owns the state it reads (the launcher registers
 * {@code tables} and {@code lookup}). Kept apart from {@link ControlServer}'s reload handling so
 * that each command stays one small, self-contained handler.
 *
 * <p>A handler runs on the client's own thread of the control server, never on a worker or on
 * the control thread: it must only read what is published (the immutable data-plane snapshot) and
 * must answer in bounded time.
 */
public final class ControlCommands {
    /** Answers one request: {@code args} is the line after the command word (stripped, maybe empty). */
    @FunctionalInterface
    public interface Handler {
        /**
         * @return the reply lines; a line starting with {@code refused:} tells the client it failed
         * @throws IllegalArgumentException for bad arguments: answered as {@code refused: MESSAGE}
         */
        List<String> handle(String args);
    }

    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();

    /** Adds (or replaces) the handler of a command word. */
    public ControlCommands register(final String command, final Handler handler) {
        if (command.isEmpty() || command.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("a command is one word: '" + command + "'");
        }
        handlers.put(command, handler);
        return this;
    }

    /** The registered command words, sorted. */
    public List<String> commands() {
        return List.copyOf(new TreeMap<>(handlers).keySet());
    }

    /** Whether {@code command} has a handler. */
    public boolean handles(final String command) {
        return handlers.containsKey(command);
    }

    /**
     * Runs the handler of the line's first word. A handler's failure is a {@code refused:} line,
     * never an exception out of the control server.
     */
    public List<String> dispatch(final String line) {
        final String stripped = line.strip();
        final int space = stripped.indexOf(' ');
        final String command = space < 0 ? stripped : stripped.substring(0, space);
        final String args = space < 0 ? "" : stripped.substring(space + 1).strip();
        final Handler handler = handlers.get(command);
        if (handler == null) {
            return List.of("refused: unknown command '" + command + "'");
        }
        try {
            return handler.handle(args);
        } catch (final IllegalArgumentException ex) {
            return List.of("refused: " + ex.getMessage());
        } catch (final RuntimeException ex) {
            return List.of("refused: internal error: " + ex);
        }
    }
}
