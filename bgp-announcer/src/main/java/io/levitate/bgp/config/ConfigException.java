package io.levitate.bgp.config;

import io.levitate.core.config.ConfigError;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A config file the announcer refuses: either every error core's binders found in it, each
 * {@code FILE:LINE:COL: reason} as {@code levitate check} prints them, or a file that could not be
 * read at all ({@code cannot read FILE: reason}, no position).
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    /** The errors in file order; the message is them, one per line. */
    public ConfigException(final List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a refused file has at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** A file that could not be read; the message is the whole line. */
    public ConfigException(final String message) {
        super(message);
        this.errors = List.of();
    }

    /** The errors with their positions, in file order; empty when the file could not be read. */
    public List<ConfigError> errors() {
        return errors;
    }
}
