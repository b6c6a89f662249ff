package io.levitate.forwarder.config;

import io.levitate.core.config.ConfigError;
import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.YamlSource;
import io.levitate.core.runtime.BoundedFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a configuration file into a {@link LevitateConfig} or a list of errors. Never throws for
 * anything in the file: malformed YAML, wrong types, hostile alias webs and deep nesting all end as
 * {@link ConfigError}s with a line and column.
 *
 * <p>Reading the file and composing its YAML, under the limits, is core's {@link YamlSource}, shared
 * with the announcer; this class adds the forwarder's schema ({@link ConfigBuilder}).
 */
public final class ConfigReader {
    private ConfigReader() {}

    /**
     * Reads and validates a file.
     *
     * @throws IOException if the file cannot be read at all (missing, no permission, not a regular file)
     */
    public static ConfigResult read(final Path file) throws IOException {
        final String label = file.toString();
        final byte[] bytes = BoundedFiles.readRegularFile(file, ConfigDefaults.MAX_FILE_BYTES);
        if (bytes.length > ConfigDefaults.MAX_FILE_BYTES) {
            return invalid(label, 1, 1, YamlSource.tooLarge());
        }
        return parse(bytes, label);
    }

    /** Validates a file's bytes; {@code label} names it in errors. */
    public static ConfigResult parse(final byte[] bytes, final String label) {
        if (bytes.length > ConfigDefaults.MAX_FILE_BYTES) {
            return invalid(label, 1, 1, YamlSource.tooLarge());
        }
        final ErrorSink sink = new ErrorSink(label);
        final String text = YamlSource.decode(bytes, sink);
        if (text == null) {
            return new ConfigResult(label, null, sink.sorted());
        }
        return parse(text, label);
    }

    /** Validates a file's text; {@code label} names it in errors. */
    public static ConfigResult parse(final String text, final String label) {
        final ErrorSink sink = new ErrorSink(label);
        final Node root = YamlSource.compose(
                text, sink, "the file is empty; expected a mapping with instance, hash_seed and services");
        if (root == null) {
            return new ConfigResult(label, null, sink.sorted());
        }
        LevitateConfig config;
        final ConfigBuilder builder = new ConfigBuilder(sink);
        try {
            config = builder.build(root);
        } catch (final ErrorSink.TooMuchWork tooMuch) {
            sink.tooMuchWork(tooMuch);
            config = null;
        }
        if (!sink.isEmpty()) {
            return new ConfigResult(label, null, sink.sorted());
        }
        return new ConfigResult(label, config, List.of(), builder.backendPositions());
    }

    private static ConfigResult invalid(final String label, final int line, final int column, final String reason) {
        return new ConfigResult(label, null, List.of(new ConfigError(label, line, column, reason)));
    }
}
