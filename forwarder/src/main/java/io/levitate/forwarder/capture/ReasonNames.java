package io.levitate.forwarder.capture;

import io.levitate.forwarder.lb.ForwardDrop;
import io.levitate.packet.DropReason;
import java.util.Locale;

/**
 * Drop reason ids and their names as the counters file names them (the parser's
 * {@link DropReason}s below 100, the forwarder's {@link ForwardDrop}s from 100; lower case), so a
 * capture's comments and its {@code reason=} filter use the words {@code levitate stat} shows.
 */
public final class ReasonNames {
    private static final String[] NAMES = new String[128];

    static {
        for (final DropReason r : DropReason.values()) {
            NAMES[r.id()] = r.name().toLowerCase(Locale.ROOT);
        }
        for (final ForwardDrop r : ForwardDrop.values()) {
            NAMES[r.id()] = r.name().toLowerCase(Locale.ROOT);
        }
    }

    private ReasonNames() {}

    /** The reason's counter name, or its number when it has none. */
    public static String name(final int id) {
        return id >= 0 && id < NAMES.length && NAMES[id] != null ? NAMES[id] : Integer.toString(id);
    }

    /** The id of the reason named {@code name} (case-insensitive), or -1. */
    public static int id(final String name) {
        final String lower = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < NAMES.length; i++) {
            if (lower.equals(NAMES[i])) {
                return i;
            }
        }
        return -1;
    }
}
