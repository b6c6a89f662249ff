package io.levitate.core.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * One YAML mapping of the schema: its keys checked against the allowed set (unknown and duplicate
 * keys are errors where they stand), its values looked up by key.
 */
public final class MappingView {
    private final ErrorSink sink;
    private final Node node;
    private final Node owner;
    public final String path;
    private final Map<String, Node> values = new LinkedHashMap<>();
    private final Map<String, Node> keys = new HashMap<>();

    private MappingView(final ErrorSink sink, final Node node, final Node owner, final String path) {
        this.sink = sink;
        this.node = node;
        this.owner = owner;
        this.path = path;
    }

    /**
     * A view of {@code node}, or null (with an error) when it is not a mapping.
     *
     * @param owner   the key this mapping is the value of: "missing key" errors point there
     *                (null: at the mapping itself)
     * @param path    the key path for messages ("" for the document)
     * @param allowed the keys the schema allows here
     */
    public static MappingView of(
            final ErrorSink sink, final Node node, final Node owner, final String path, final List<String> allowed) {
        return build(sink, node, owner, path, allowed);
    }

    /**
     * A view of a mapping whose keys this reader does not all own: any plain key is taken, since
     * the others belong to the other process's schema, which checks them ({@code levitate check}
     * for the forwarder's keys the announcer skips). Duplicate and non-scalar keys are still errors,
     * the same ones {@link #of} reports, because the view could not say which value it read.
     */
    public static MappingView partial(final ErrorSink sink, final Node node, final Node owner, final String path) {
        return build(sink, node, owner, path, null);
    }

    private static MappingView build(
            final ErrorSink sink, final Node node, final Node owner, final String path, final List<String> allowed) {
        sink.visit(node);
        if (!(node instanceof MappingNode mapping)) {
            sink.at(node, prefix(path) + "expected a mapping (key: value lines), got " + Values.describe(node));
            return null;
        }
        final MappingView view = new MappingView(sink, node, owner, path);
        for (final NodeTuple tuple : mapping.getValue()) {
            final Node keyNode = tuple.getKeyNode();
            sink.visit(keyNode);
            if (!(keyNode instanceof ScalarNode scalar) || Values.isNull(keyNode)) {
                sink.at(keyNode, prefix(path) + "a key must be a plain word, got " + Values.describe(keyNode));
                continue;
            }
            final String key = scalar.getValue();
            final Node first = view.keys.get(key);
            if (first != null) {
                sink.at(keyNode, view.child(key) + ": duplicate key (first at line " + Values.line(first) + ")");
                continue;
            }
            if (allowed != null && !allowed.contains(key)) {
                final String near = nearest(key, allowed);
                sink.at(
                        keyNode,
                        view.child(Values.shorten(key)) + ": unknown key"
                                + (near != null
                                        ? " (did you mean '" + near + "'?)"
                                        : "; expected one of " + String.join(", ", allowed)));
                continue;
            }
            view.keys.put(key, keyNode);
            view.values.put(key, tuple.getValueNode());
        }
        return view;
    }

    /** The value of {@code key}, or null when absent. */
    public Node get(final String key) {
        return values.get(key);
    }

    /** The key node of {@code key} (for errors about the key rather than its value), or null. */
    public Node keyNode(final String key) {
        return keys.get(key);
    }

    /** The value of a required key, or null with a "missing" error at the owning key. */
    public Node require(final String key) {
        final Node value = values.get(key);
        if (value == null) {
            sink.at(owner != null ? owner : node, prefix(path) + "missing required key '" + key + "'");
        }
        return value;
    }

    /** The mapping itself (for errors about it as a whole). */
    public Node node() {
        return owner != null ? owner : node;
    }

    /** An optional integer key: its value, the default when absent, null after an error. */
    public Integer optionalInt(final String key, final int min, final int max, final int fallback) {
        final Node n = values.get(key);
        return n == null ? Integer.valueOf(fallback) : Values.integer(sink, n, child(key), min, max);
    }

    /** An optional boolean key: its value, the default when absent, null after an error. */
    public Boolean optionalBool(final String key, final boolean fallback) {
        final Node n = values.get(key);
        return n == null ? Boolean.valueOf(fallback) : Values.bool(sink, n, child(key));
    }

    /** An optional duration key in [min, max]: its value, the default when absent, null after an error. */
    public Duration optionalDuration(
            final String key, final Duration min, final Duration max, final Duration fallback) {
        final Node n = values.get(key);
        return n == null ? fallback : Values.duration(sink, n, child(key), min, max);
    }

    /** {@code path.key}, or {@code key} at the top. */
    public String child(final String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String prefix(final String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    /** The allowed key closest to a misspelt one, when it is close enough to be the intent. */
    public static String nearest(final String key, final List<String> allowed) {
        if (key.length() > 64) {
            return null;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (final String candidate : allowed) {
            final int d = distance(key.toLowerCase(java.util.Locale.ROOT).replace('-', '_'), candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        // Two edits catch typos and transpositions; a third would suggest unrelated words for short keys.
        return bestDistance <= Math.min(2, Math.max(1, best.length() / 3)) ? best : null;
    }

    /** Levenshtein distance with adjacent transpositions (optimal string alignment). */
    public static int distance(final String a, final String b) {
        final int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
