package io.levitate.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * A YAML event stream that stops at the first event beyond the limits, with that event's position:
 * <ul>
 *   <li>nesting deeper than {@link ConfigLimits#MAX_NESTING_DEPTH}: the composer recurses once
 *       per level, so a {@code [[[[...} file would otherwise end in a StackOverflowError;</li>
 *   <li>aliases that expand the document beyond {@link ConfigLimits#MAX_EXPANDED_NODES} nodes (a
 *       "billion laughs" bomb is refused after a few levels, in microseconds), while any number of
 *       harmless aliases, such as one health check shared by every service, stays allowed;</li>
 *   <li>an alias inside the node it names (a cycle), which no configuration needs.</li>
 * </ul>
 * snakeyaml-engine 2.9 limits alias counts, without a position, and not depth or expansion.
 */
final class LimitingParser implements Parser {
    /** A limit was crossed at {@code mark}. */
    static final class LimitExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Optional<Mark> mark;

        LimitExceeded(final String message, final Optional<Mark> mark) {
            super(message, null, false, false);
            this.mark = mark;
        }
    }

    /** An explicit tag ({@code !!str 80}, {@code !custom x}) and where it was written. */
    record Tagged(String tag, Optional<Mark> mark) {}

    private final Parser delegate;
    /** Every explicitly tagged node, in file order; reported by {@link YamlSource}. */
    private final List<Tagged> tagged = new ArrayList<>();
    /** Expanded node count of each open collection, innermost last; index 0 is the document. */
    private final ArrayList<long[]> sizes = new ArrayList<>();
    /** The anchor of each open collection (null if none), parallel to {@link #sizes} from index 1. */
    private final ArrayList<String> openAnchors = new ArrayList<>();
    /** Expanded node count of every closed anchored node. */
    private final Map<String, Long> anchorSizes = new HashMap<>();

    LimitingParser(final Parser delegate) {
        this.delegate = delegate;
        sizes.add(new long[1]);
    }

    @Override
    public boolean checkEvent(final Event.ID choice) {
        return delegate.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
        return delegate.peekEvent();
    }

    @Override
    public boolean hasNext() {
        return delegate.hasNext();
    }

    @Override
    public Event next() {
        final Event event = delegate.next();
        // Tags are noted, not thrown on: every one is reported, and only after the whole file parsed.
        final Optional<String> tag = event instanceof ScalarEvent scalar
                ? scalar.getTag()
                : event instanceof CollectionStartEvent collection ? collection.getTag() : Optional.empty();
        tag.ifPresent(t -> tagged.add(new Tagged(t, event.getStartMark())));
        switch (event.getEventId()) {
            case MappingStart, SequenceStart -> {
                if (sizes.size() > ConfigLimits.MAX_NESTING_DEPTH) {
                    throw new LimitExceeded(
                            "nested more than " + ConfigLimits.MAX_NESTING_DEPTH
                                    + " levels deep; the schema needs far fewer",
                            event.getStartMark());
                }
                sizes.add(new long[] {1});
                openAnchors.add(
                        ((NodeEvent) event).getAnchor().map(Anchor::getValue).orElse(null));
            }
            case MappingEnd, SequenceEnd -> {
                if (sizes.size() > 1) {
                    final long size = sizes.remove(sizes.size() - 1)[0];
                    final String anchor = openAnchors.remove(openAnchors.size() - 1);
                    if (anchor != null) {
                        anchorSizes.put(anchor, size);
                    }
                    add(size, event);
                }
            }
            case Scalar -> {
                ((NodeEvent) event).getAnchor().ifPresent(a -> anchorSizes.put(a.getValue(), 1L));
                add(1, event);
            }
            case Alias -> {
                final String name = ((AliasEvent) event).getAlias().getValue();
                if (openAnchors.contains(name)) {
                    throw new LimitExceeded(
                            "alias *" + Values.shorten(name)
                                    + " is inside the node it refers to; recursive structures are not allowed",
                            event.getStartMark());
                }
                add(anchorSizes.getOrDefault(name, 1L), event);
            }
            default -> {}
        }
        return event;
    }

    /**
     * The explicitly tagged nodes seen. The schema types every key itself, and the composer
     * resolves a tag silently ({@code port: !!str 80} was read as the number the quoted
     * {@code "80"} is refused as), so a tag can only hide a mistake.
     */
    List<Tagged> tagged() {
        return tagged;
    }

    /** Adds {@code n} expanded nodes to the innermost open collection. */
    private void add(final long n, final Event event) {
        final long[] top = sizes.get(sizes.size() - 1);
        top[0] += n;
        if (top[0] > ConfigLimits.MAX_EXPANDED_NODES) {
            throw new LimitExceeded(
                    "aliases expand the document to more than " + ConfigLimits.MAX_EXPANDED_NODES
                            + " nodes; refusing a possible alias bomb",
                    event.getStartMark());
        }
    }
}
