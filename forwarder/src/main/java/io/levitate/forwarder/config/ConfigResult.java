package io.levitate.forwarder.config;

import io.levitate.core.config.ConfigError;
import java.util.List;
import java.util.Map;

/**
 * The outcome of reading a file: a valid configuration, or every error found in it (never both).
 *
 * @param file   the file as the operator named it
 * @param config the configuration, or null when there are errors
 * @param errors the errors in file order; empty when valid
 * @param backendSites where each backend's weight (or address) is written, keyed by
 *               {@link ConfigWarning#backendKey}; for warnings about a valid file ({@link ConfigWarnings})
 */
public record ConfigResult(
        String file, LevitateConfig config, List<ConfigError> errors, Map<String, ConfigWarning.Site> backendSites) {
    public ConfigResult {
        errors = List.copyOf(errors);
        backendSites = Map.copyOf(backendSites);
        if ((config == null) == errors.isEmpty()) {
            throw new IllegalArgumentException("a result holds a configuration or errors, not both");
        }
    }

    /** A result without source positions (an invalid file, or one built by hand). */
    public ConfigResult(final String file, final LevitateConfig config, final List<ConfigError> errors) {
        this(file, config, errors, Map.of());
    }

    public boolean valid() {
        return config != null;
    }
}
