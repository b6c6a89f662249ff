package io.levitate.core.config;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * The configuration file from disk to a YAML node graph, the same way for both processes: only a
 * regular file, never more than {@link ConfigLimits#MAX_FILE_BYTES} read, strict UTF-8, and a
 * composer behind {@link LimitingParser}. Every problem with the file's text ends as one
 * {@link ConfigError} with a line and column in the {@link ErrorSink}; nothing here throws for
 * what the file contains.
 *
 * <p>The file is composed into nodes (which keep their positions) rather than constructed into
 * Java maps, so each error of a binder can point at the key or value it is about.
 */
public final class YamlSource {
    private YamlSource() {}

    /** The error for a file of more than {@link ConfigLimits#MAX_FILE_BYTES}, reported at 1:1. */
    public static String tooLarge() {
        return "the file is larger than " + ConfigLimits.MAX_FILE_BYTES + " bytes, the limit";
    }

    /**
     * A file's bytes as text without a leading byte order mark, or null with the error at the
     * first byte that is not UTF-8 (or at 1:1 for a file over the limit).
     */
    public static String decode(final byte[] bytes, final ErrorSink sink) {
        if (bytes.length > ConfigLimits.MAX_FILE_BYTES) {
            sink.at(1, 1, tooLarge());
            return null;
        }
        final CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        final CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            // Position the error where the bad byte sits, counting the characters decoded before it.
            out.flip();
            final int[] lc = lineColumn(out.toString(), out.length());
            sink.at(
                    lc[0],
                    lc[1],
                    String.format(
                            "not UTF-8 text: byte 0x%02x at offset %d", bytes[in.position()] & 0xFF, in.position()));
            return null;
        }
        decoder.flush(out);
        out.flip();
        String text = out.toString();
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return text;
    }

    /**
     * The document's root node, or null with the error (an empty file, a syntax error, a limit,
     * a YAML tag).
     *
     * @param emptyMessage the error for a file without a document
     */
    public static Node compose(final String text, final ErrorSink sink, final String emptyMessage) {
        final LoadSettings settings = LoadSettings.builder()
                .setLabel(sink.file)
                // Reported by MappingView with both positions; the library's message has only one.
                .setAllowDuplicateKeys(true)
                .setAllowRecursiveKeys(false)
                // Backstop behind LimitingParser's own count, which carries a position.
                .setMaxAliasesForCollections(ConfigLimits.MAX_ALIASES)
                .setCodePointLimit(ConfigLimits.MAX_FILE_BYTES)
                .setUseMarks(true)
                .build();
        try {
            final LimitingParser parser =
                    new LimitingParser(new ParserImpl(settings, new StreamReader(settings, text)));
            final Composer composer = new Composer(settings, parser);
            final Optional<Node> root = composer.getSingleNode();
            if (root.isEmpty()) {
                sink.at(1, 1, emptyMessage);
                return null;
            }
            if (!parser.tagged().isEmpty()) {
                // Not built: a tagged value would be read as its tag made it, and errors about it
                // would only repeat this one.
                for (final LimitingParser.Tagged t : parser.tagged()) {
                    sink.at(
                            t.mark(),
                            "YAML tag " + Values.shorten(shortTag(t.tag())) + ": tags are not accepted; "
                                    + "the schema gives every key its type (quote text, write numbers plainly)");
                }
                return null;
            }
            return root.get();
        } catch (final LimitingParser.LimitExceeded limit) {
            sink.at(limit.mark, limit.getMessage());
        } catch (final MarkedYamlEngineException yaml) {
            sink.at(
                    yaml.getProblemMark().isPresent() ? yaml.getProblemMark() : yaml.getContextMark(),
                    "YAML syntax: " + yamlReason(yaml));
        } catch (final ReaderException reader) {
            final int[] lc = lineColumnOfCodePoint(text, reader.getPosition());
            sink.at(lc[0], lc[1], String.format("character U+%04X is not allowed in YAML", reader.getCodePoint()));
        } catch (final RuntimeException other) {
            // Anything else the YAML library throws (its own limits, or a bug in it): still one
            // line with a position, never a stack trace for what is the file's problem.
            sink.at(1, 1, "YAML: " + Values.shorten(String.valueOf(other.getMessage())));
        }
        return null;
    }

    /** {@code tag:yaml.org,2002:str} as it is usually written, {@code !!str}. */
    private static String shortTag(final String tag) {
        final String core = "tag:yaml.org,2002:";
        return tag.startsWith(core) ? "!!" + tag.substring(core.length()) : tag;
    }

    /** The library's problem text (and context), on one line, without its snippet of the file. */
    private static String yamlReason(final MarkedYamlEngineException e) {
        final String problem = e.getProblem() == null ? "malformed" : e.getProblem();
        final String context = e.getContext();
        final String joined = context == null || context.isBlank() ? problem : context + ": " + problem;
        return joined.replaceAll("\\s+", " ").strip();
    }

    /** 1-based line and column of the character at {@code index}. */
    private static int[] lineColumn(final CharSequence text, final int index) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < index && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new int[] {line, column};
    }

    /** 1-based line and column of the code point at {@code codePointIndex}. */
    private static int[] lineColumnOfCodePoint(final String text, final int codePointIndex) {
        final int index = text.offsetByCodePoints(
                0, Math.min(Math.max(codePointIndex, 0), text.codePointCount(0, text.length())));
        return lineColumn(text, index);
    }
}
