package io.levitate.forwarder.config;

/**
 * Something in a valid configuration file the operator should know about, where an editor can jump
 * to it. A warning never makes a file invalid.
 *
 * @param file   the file as the operator named it
 * @param line   1-based line
 * @param column 1-based column
 * @param reason what is wrong, starting with the key path ({@code services[0].backends[3].weight: ...})
 */
public record ConfigWarning(String file, int line, int column, String reason) {
    /**
     * Where a key's value is written in the file.
     *
     * @param line   1-based line
     * @param column 1-based column
     * @param path   the key path, such as {@code services[0].backends[3].weight}
     */
    public record Site(int line, int column, String path) {}

    /** The key of a backend in {@link ConfigResult#backendSites()}: service name and backend identity. */
    static String backendKey(final String service, final String backendIdentity) {
        return service + " " + backendIdentity;
    }

    /** {@code FILE:LINE:COL: warning: reason}, the compilers' format, so editors and CI mark it as a warning. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": warning: " + reason;
    }
}
