package io.levitate.core.config;

/**
 * One problem in a configuration file, where an editor can jump to it.
 *
 * @param file   the file as the operator named it
 * @param line   1-based line
 * @param column 1-based column
 * @param reason what is wrong, starting with the key path ({@code services[0].port: ...})
 */
public record ConfigError(String file, int line, int column, String reason) {
    /** {@code FILE:LINE:COL: reason}, the format compilers use, so editors and CI annotate it. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + reason;
    }
}
