package io.levitate.core.config;

/**
 * The limits on the configuration file itself, the same for both processes that read it
 * ({@code docs/CONFIG.md}, "Limits on the file itself"). The forwarder's {@code ConfigDefaults}
 * repeats them next to the schema's other numbers, which the documentation quotes.
 */
public final class ConfigLimits {
    private ConfigLimits() {}

    /** Largest file read: a config with thousands of backends is ~1 MB; anything far larger is a mistake or an attack. */
    public static final int MAX_FILE_BYTES = 4 << 20;
    /** Deepest nesting of lists and mappings; the schema needs 6, and the YAML composer recurses per level. */
    public static final int MAX_NESTING_DEPTH = 64;
    /**
     * Nodes a document may have once its aliases are expanded: 20 x a config with thousands of
     * backends, while a "billion laughs" bomb (10^9) is refused after a few of its levels.
     */
    public static final int MAX_EXPANDED_NODES = 1_000_000;
    /** The YAML library's own count of aliases to collections, a backstop behind {@link #MAX_EXPANDED_NODES}. */
    public static final int MAX_ALIASES = 10_000;
    /** Nodes the validator may visit (aliases visit their target again): bounds the work an alias web can cause. */
    public static final int MAX_VISITED_NODES = 2_000_000;
    /** Errors reported before the rest are summarised in one line; a generated file can have a million. */
    public static final int MAX_ERRORS = 1000;
}
