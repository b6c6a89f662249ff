package io.levitate.forwarder.config;

import io.levitate.core.runtime.BoundedFiles;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads a configuration file into a {@link LevitateConfig} or a list of errors. Never throws for
 * anything in the file: malformed YAML, wrong types, hostile alias webs and deep nesting all end as
 * {@link ConfigError}s with a line and column.
 *
 * <p>The file is composed into a YAML node graph (which keeps every node's position) rather than
 * constructed into Java maps, so each error can point at the key or value it is about.
 */
public final class ConfigReader
{
    private ConfigReader()
    {
    }

    /**
     * Reads and validates a file.
     *
     * @throws IOException if the file cannot be read at all (missing, no permission, not a regular file)
     */
    public static ConfigResult read(final Path file) throws IOException
    {
        final String label = file.toString();
        final byte[] bytes = BoundedFiles.readRegularFile(file, ConfigDefaults.MAX_FILE_BYTES);
        if (bytes.length > ConfigDefaults.MAX_FILE_BYTES)
        {
            return invalid(label, 1, 1, tooLarge());
        }
        return parse(bytes, label);
    }

    private static String tooLarge()
    {
        return "the file is larger than " + ConfigDefaults.MAX_FILE_BYTES + " bytes, the limit";
    }

    /** Validates a file's bytes; {@code label} names it in errors. */
    public static ConfigResult parse(final byte[] bytes, final String label)
    {
        if (bytes.length > ConfigDefaults.MAX_FILE_BYTES)
        {
            return invalid(label, 1, 1, tooLarge());
        }
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        final CoderResult result = decoder.decode(in, out, true);
        if (result.isError())
        {
            // Position the error where the bad byte sits, counting the characters decoded before it.
            out.flip();
            final int[] lc = lineColumn(out.toString(), out.length());
            return invalid(label, lc[0], lc[1], String.format("not UTF-8 text: byte 0x%02x at offset %d",
                bytes[in.position()] & 0xFF, in.position()));
        }
        decoder.flush(out);
        out.flip();
        String text = out.toString();
        if (text.startsWith("\uFEFF"))
        {
            text = text.substring(1);
        }
        return parse(text, label);
    }

    /** Validates a file's text; {@code label} names it in errors. */
    public static ConfigResult parse(final String text, final String label)
    {
        final ErrorSink sink = new ErrorSink(label);
        final Node root = compose(text, label, sink);
        if (root == null)
        {
            return new ConfigResult(label, null, sink.sorted());
        }
        LevitateConfig config;
        final ConfigBuilder builder = new ConfigBuilder(sink);
        try
        {
            config = builder.build(root);
        }
        catch (final ErrorSink.TooMuchWork tooMuch)
        {
            sink.at(tooMuch.at, "the document expands to more than " + ConfigDefaults.MAX_VISITED_NODES
                + " nodes through aliases; refusing it");
            config = null;
        }
        if (!sink.isEmpty())
        {
            return new ConfigResult(label, null, sink.sorted());
        }
        return new ConfigResult(label, config, List.of(), builder.backendPositions());
    }

    /** The document's root node, or null with the error (an empty file, a syntax error, a limit). */
    private static Node compose(final String text, final String label, final ErrorSink sink)
    {
        final LoadSettings settings = LoadSettings.builder()
            .setLabel(label)
            // Reported by MappingView with both positions; the library's message has only one.
            .setAllowDuplicateKeys(true)
            .setAllowRecursiveKeys(false)
            // Backstop behind LimitingParser's own count, which carries a position.
            .setMaxAliasesForCollections(ConfigDefaults.MAX_ALIASES)
            .setCodePointLimit(ConfigDefaults.MAX_FILE_BYTES)
            .setUseMarks(true)
            .build();
        try
        {
            final LimitingParser parser = new LimitingParser(new ParserImpl(settings, new StreamReader(settings, text)));
            final Composer composer = new Composer(settings, parser);
            final Optional<Node> root = composer.getSingleNode();
            if (root.isEmpty())
            {
                sink.at(1, 1, "the file is empty; expected a mapping with instance, hash_seed and services");
                return null;
            }
            if (!parser.tagged().isEmpty())
            {
                // Not built: a tagged value would be read as its tag made it, and errors about it
                // would only repeat this one.
                for (final LimitingParser.Tagged t : parser.tagged())
                {
                    sink.at(t.mark(), "YAML tag " + Values.shorten(shortTag(t.tag())) + ": tags are not accepted; "
                        + "the schema gives every key its type (quote text, write numbers plainly)");
                }
                return null;
            }
            return root.get();
        }
        catch (final LimitingParser.LimitExceeded limit)
        {
            sink.at(limit.mark, limit.getMessage());
        }
        catch (final MarkedYamlEngineException yaml)
        {
            sink.at(yaml.getProblemMark().isPresent() ? yaml.getProblemMark() : yaml.getContextMark(),
                "YAML syntax: " + yamlReason(yaml));
        }
        catch (final ReaderException reader)
        {
            final int[] lc = lineColumnOfCodePoint(text, reader.getPosition());
            sink.at(lc[0], lc[1], String.format("character U+%04X is not allowed in YAML", reader.getCodePoint()));
        }
        catch (final RuntimeException other)
        {
            // Anything else the YAML library throws (its own limits, or a bug in it): still one
            // line with a position, never a stack trace for what is the file's problem.
            sink.at(1, 1, "YAML: " + Values.shorten(String.valueOf(other.getMessage())));
        }
        return null;
    }

    /** {@code tag:yaml.org,2002:str} as it is usually written, {@code !!str}. */
    private static String shortTag(final String tag)
    {
        final String core = "tag:yaml.org,2002:";
        return tag.startsWith(core) ? "!!" + tag.substring(core.length()) : tag;
    }

    /** The library's problem text (and context), on one line, without its snippet of the file. */
    private static String yamlReason(final MarkedYamlEngineException e)
    {
        final String problem = e.getProblem() == null ? "malformed" : e.getProblem();
        final String context = e.getContext();
        final String joined = context == null || context.isBlank() ? problem : context + ": " + problem;
        return joined.replaceAll("\\s+", " ").strip();
    }

    private static ConfigResult invalid(final String label, final int line, final int column, final String reason)
    {
        return new ConfigResult(label, null, List.of(new ConfigError(label, line, column, reason)));
    }

    /** 1-based line and column of the character at {@code index}. */
    private static int[] lineColumn(final CharSequence text, final int index)
    {
        int line = 1;
        int column = 1;
        for (int i = 0; i < index && i < text.length(); i++)
        {
            if (text.charAt(i) == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return new int[] {line, column};
    }

    /** 1-based line and column of the code point at {@code codePointIndex}. */
    private static int[] lineColumnOfCodePoint(final String text, final int codePointIndex)
    {
        final int index = text.offsetByCodePoints(0, Math.min(Math.max(codePointIndex, 0), text.codePointCount(0, text.length())));
        return lineColumn(text, index);
    }
}
