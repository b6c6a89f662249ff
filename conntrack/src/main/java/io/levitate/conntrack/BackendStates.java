package io.levitate.conntrack;

/**
 * An immutable snapshot of what each backend may still receive, indexed by the backend id the
 * caller stores in conntrack entries. The control thread builds a new snapshot on every health or
 * drain change and publishes it; a worker hands the newest one to its table once per burst with
 * {@link ConntrackTable#backendStates(BackendStates)}.
 *
 * <p>Only {@link #DOWN} matters to a lookup: a hit on a down backend asks the caller to re-resolve;
 * {@link #USABLE} and {@link #DRAINING} backends keep their flows. An id beyond the snapshot counts as
 * down (the backend was removed from the config).
 */
public final class BackendStates {
    /** In service. */
    public static final byte USABLE = 0;
    /** No new flows, existing flows stay. */
    public static final byte DRAINING = 1;
    /** Failed or removed: existing flows are re-resolved. */
    public static final byte DOWN = 2;

    private static final BackendStates ALL_USABLE = new BackendStates(new byte[0], false);

    private final byte[] states;
    private final boolean beyondIsDown;

    private BackendStates(byte[] states, boolean beyondIsDown) {
        this.states = states;
        this.beyondIsDown = beyondIsDown;
    }

    /** A snapshot with {@code states[id]} for each backend id (copied). */
    public static BackendStates of(byte... states) {
        for (byte s : states) {
            if (s != USABLE && s != DRAINING && s != DOWN) {
                throw new IllegalArgumentException("unknown backend state " + s);
            }
        }
        return new BackendStates(states.clone(), true);
    }

    /** A snapshot in which every backend id is usable (the table's initial snapshot). */
    public static BackendStates allUsable() {
        return ALL_USABLE;
    }

    /** True if backend {@code id} is down or unknown. Never throws. */
    public boolean isDown(int id) {
        final byte[] s = states;
        if (id >= 0 && id < s.length) {
            return s[id] == DOWN;
        }
        return beyondIsDown || id < 0;
    }

    /** The state of backend {@code id}. */
    public byte state(int id) {
        if (id >= 0 && id < states.length) {
            return states[id];
        }
        return beyondIsDown || id < 0 ? DOWN : USABLE;
    }
}
