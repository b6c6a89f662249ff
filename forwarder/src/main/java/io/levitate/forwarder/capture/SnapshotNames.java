package io.levitate.forwarder.capture;

import io.levitate.forwarder.lb.DataPlaneSnapshot;
import io.levitate.forwarder.lb.ServiceState;
import java.util.function.Supplier;

/**
 * Service and backend names and ids as the snapshot in force has them: what a capture request's
 * {@code service=} and {@code backend=} words resolve to, and what its comments print. A backend is
 * named by its label ({@code service/address:port}, as the counters name it), by the part after the
 * service, by its address alone when only one backend has it, or by its id.
 */
public final class SnapshotNames {
    private final Supplier<DataPlaneSnapshot> snapshots;

    public SnapshotNames(final Supplier<DataPlaneSnapshot> snapshots) {
        this.snapshots = snapshots;
    }

    public int serviceId(final String name) {
        final DataPlaneSnapshot s = snapshots.get();
        final ServiceState state = s == null ? null : s.service(name);
        return state == null ? -1 : state.index;
    }

    public String serviceName(final int id) {
        final DataPlaneSnapshot s = snapshots.get();
        if (s != null) {
            for (final ServiceState state : s.services()) {
                if (state.index == id) {
                    return state.name;
                }
            }
        }
        return null;
    }

    /**
     * @throws IllegalArgumentException when an address alone names backends of several services
     */
    public int backendId(final String text) {
        final DataPlaneSnapshot s = snapshots.get();
        if (s == null) {
            return -1;
        }
        int found = -1;
        for (int id = 0; id < s.backendCount(); id++) {
            final String label = s.backendName(id);
            if (label == null) {
                continue;
            }
            final String identity = label.substring(label.indexOf('/') + 1);
            if (label.equals(text) || identity.equals(text)) {
                return id;
            }
            if (identity.startsWith(text + ":") || identity.startsWith("[" + text + "]:")) {
                if (found >= 0) {
                    throw new IllegalArgumentException(
                            "backend=" + text + " names backends of several services; name one as " + label);
                }
                found = id;
            }
        }
        if (found < 0 && text.chars().allMatch(Character::isDigit) && !text.isEmpty() && text.length() < 6) {
            final int id = Integer.parseInt(text);
            return id < s.backendCount() && s.backendName(id) != null ? id : -1;
        }
        return found;
    }

    public String backendName(final int id) {
        final DataPlaneSnapshot s = snapshots.get();
        return s != null && id >= 0 && id < s.backendCount() ? s.backendName(id) : null;
    }
}
