package io.levitate.conntrack;

/**
 * An immutable snapshot of what each backend may still receive, indexed by the backend id the
 * caller stores in conntrack entries. The control thread builds a new snapshot on every health or
 * drain change and publishes it; a worker hands the newest one to its table once per burst with
 * {@link ConntrackTable#backendStates(BackendStates)}.
 *
 * <p>Only {@link #DOWN} and {@link #REMOVED} matter to a lookup: a hit on either asks the caller to
 * re-resolve; {@link #USABLE} and {@link #DRAINING} backends keep their flows. An id beyond the
 * snapshot counts as down (the backend was removed from the config).
 *
 * <p>{@link #REMOVED} also matters to the expiry sweep ({@link ConntrackTable#expireSlice}): it
 * frees every entry that still holds such an id, so that after one full sweep the table holds none
 * and the caller may give the id to another backend ({@link ConntrackTable#sweeps}). A backend that
 * is merely {@link #DOWN} (a failed health check) keeps its entries until they are hit or expire.
 */
public final class BackendStates {
    /** In service. */
    public static final byte USABLE = 0;
    /** No new flows, existing flows stay. */
    public static final byte DRAINING = 1;
    /** Failed or removed: existing flows are re-resolved. */
    public static final byte DOWN = 2;
    /**
     * No backend has this id now (it was removed, or never given out): existing flows are
     * re-resolved like {@link #DOWN}, and the expiry sweep frees the entries that hold it.
     */
    public static final byte REMOVED = 3;

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
            if (s != USABLE && s != DRAINING && s != DOWN && s != REMOVED) {
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
            return s[id] >= DOWN;
        }
        return beyondIsDown || id < 0;
    }

    /** True if no backend has id {@code id}: its entries are freed by the expiry sweep. Never throws. */
    public boolean isRemoved(int id) {
        return id >= 0 && id < states.length && states[id] == REMOVED;
    }

    /** The state of backend {@code id}. */
    public byte state(int id) {
        if (id >= 0 && id < states.length) {
            return states[id];
        }
        return beyondIsDown || id < 0 ? DOWN : USABLE;
    }
}
