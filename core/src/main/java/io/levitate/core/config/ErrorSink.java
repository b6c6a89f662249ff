package io.levitate.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects errors with their positions while a file is checked; bounded in count and in work. */
public final class ErrorSink {
    /**
     * Thrown when a file makes the validator visit too many nodes; caught by whoever drives the
     * binders (the forwarder's ConfigReader, the announcer's ConfigLoader).
     */
    public static final class TooMuchWork extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public final transient Node at;

        TooMuchWork(final Node at) {
            super(null, null, false, false);
            this.at = at;
        }
    }

    public final String file;
    private final List<ConfigError> errors = new ArrayList<>();
    private int dropped;
    private ConfigError firstDropped;
    private int visited;

    public ErrorSink(final String file) {
        this.file = file;
    }

    /** An error at a node's start (1:1 when the node has no position). */
    public void at(final Node node, final String reason) {
        at(node == null ? Optional.empty() : node.getStartMark(), reason);
    }

    public void at(final Optional<Mark> mark, final String reason) {
        if (mark.isPresent()) {
            at(mark.get().getLine() + 1, mark.get().getColumn() + 1, reason);
        } else {
            at(1, 1, reason);
        }
    }

    public void at(final int line, final int column, final String reason) {
        final ConfigError e = new ConfigError(file, Math.max(1, line), Math.max(1, column), reason);
        if (errors.size() < ConfigLimits.MAX_ERRORS) {
            errors.add(e);
        } else {
            if (firstDropped == null) {
                firstDropped = e;
            }
            dropped++;
        }
    }

    /** Counts a visited node; aliases make a file's node graph far larger than its text. */
    public void visit(final Node node) {
        if (++visited > ConfigLimits.MAX_VISITED_NODES) {
            throw new TooMuchWork(node);
        }
    }

    /**
     * Records why a walk stopped with {@link TooMuchWork}, at the node it had reached: one wording
     * for both readers that drive binders.
     */
    public void tooMuchWork(final TooMuchWork stopped) {
        at(
                stopped.at,
                "the document expands to more than " + ConfigLimits.MAX_VISITED_NODES
                        + " nodes through aliases; refusing it");
    }

    /** Errors reported so far, those beyond the listed ones included. */
    public int count() {
        return errors.size() + dropped;
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    /** The errors in file order, duplicates (an aliased node seen twice) once, the overflow summarised. */
    public List<ConfigError> sorted() {
        final List<ConfigError> list = new ArrayList<>(new LinkedHashSet<>(errors));
        list.sort(Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
        if (dropped > 0) {
            list.add(new ConfigError(
                    file,
                    firstDropped.line(),
                    firstDropped.column(),
                    "... and " + dropped + " more errors (only the first " + ConfigLimits.MAX_ERRORS + " are listed)"));
        }
        return list;
    }
}
