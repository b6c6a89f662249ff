package io.levitate.forwarder.config;

import java.util.List;

/**
 * The outcome of reading a file: a valid configuration, or every error found in it (never both).
 *
 * @param file   the file as the operator named it
 * @param config the configuration, or null when there are errors
 * @param errors the errors in file order; empty when valid
 */
public record ConfigResult(String file, LevitateConfig config, List<ConfigError> errors)
{
    public ConfigResult
    {
        errors = List.copyOf(errors);
        if ((config == null) == errors.isEmpty())
        {
            throw new IllegalArgumentException("a result holds a configuration or errors, not both");
        }
    }

    public boolean valid()
    {
        return config != null;
    }
}
