package io.levitate.bgp.config;

/** A config error located in the file: "FILE:LINE:COLUMN: reason" (1-based, as editors count). */
public final class ConfigException extends Exception
{
    private static final long serialVersionUID = 1L;

    public ConfigException(final String file, final int line, final int column, final String reason)
    {
        super(file + ":" + line + ":" + column + ": " + reason);
    }

    public ConfigException(final String file, final String reason)
    {
        super(file + ": " + reason);
    }
}
