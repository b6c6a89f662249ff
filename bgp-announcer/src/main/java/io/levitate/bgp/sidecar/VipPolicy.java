package io.levitate.bgp.sidecar;

/**
 * When one VIP is announced: the hysteresis between the forwarder's health and BGP.
 *
 * <ul>
 * <li>Down (forwarder dead, hung, not running, or no healthy backend for any service on the VIP):
 *     withdraw at once. Withdrawing late blackholes traffic; there is no delay on this side.</li>
 * <li>Up: announce only after it has stayed up for the rise delay. Every withdrawal that follows
 *     an announcement younger than {@link #STABLE_MILLIS} doubles the delay (up to x16), so a
 *     flapping health check moves flows at most a few times a minute; a minute of stability
 *     resets it.</li>
 * <li>Forwarder draining: keep the route but mark it GRACEFUL_SHUTDOWN (RFC 8326) for the
 *     configured wait, then withdraw, so routers move traffic away before it stops.</li>
 * </ul>
 * Pure logic on a caller-supplied clock; tested without sockets.
 */
public final class VipPolicy {
    public enum Verdict {
        WITHDRAW,
        ANNOUNCE,
        ANNOUNCE_GRACEFUL_SHUTDOWN
    }

    enum Phase {
        WITHDRAWN,
        RISING,
        ANNOUNCED,
        DRAINING,
        DRAINED
    }

    /** An announcement that lasted this long was not a flap. */
    static final long STABLE_MILLIS = 60_000;
    /** The rise delay doubles per flap up to 2^MAX_PENALTY times the base. */
    static final int MAX_PENALTY = 4;

    private final long riseMillis;
    private final long drainMillis;
    private Phase phase = Phase.WITHDRAWN;
    private long since;
    private int penalty;
    private long flaps;
    private String lastReason = "not evaluated";

    public VipPolicy(final long riseMillis, final long drainMillis) {
        this.riseMillis = riseMillis;
        this.drainMillis = drainMillis;
    }

    /**
     * @param up       forwarder alive, running, and a service on the VIP has a healthy backend.
     * @param draining forwarder alive and in state draining.
     * @param why      a short description of the inputs, kept for logs.
     */
    public Verdict step(final long now, final boolean up, final boolean draining, final String why) {
        lastReason = why;
        if (draining) {
            switch (phase) {
                case ANNOUNCED -> {
                    phase = Phase.DRAINING;
                    since = now;
                }
                case DRAINING -> {
                    if (now - since >= drainMillis) {
                        phase = Phase.DRAINED;
                        since = now;
                    }
                }
                case RISING -> phase = Phase.WITHDRAWN;
                default -> {}
            }
            return phase == Phase.DRAINING ? Verdict.ANNOUNCE_GRACEFUL_SHUTDOWN : Verdict.WITHDRAW;
        }
        if (up) {
            switch (phase) {
                case WITHDRAWN, DRAINED -> {
                    phase = Phase.RISING;
                    since = now;
                }
                case DRAINING -> phase = Phase.ANNOUNCED; // drain cancelled: still announced, drop the marker
                default -> {}
            }
            if (phase == Phase.ANNOUNCED && penalty > 0 && now - since >= STABLE_MILLIS) {
                penalty = 0;
            }
            if (phase == Phase.RISING && now - since >= currentRiseMillis()) {
                phase = Phase.ANNOUNCED;
                since = now;
            }
            return phase == Phase.ANNOUNCED ? Verdict.ANNOUNCE : Verdict.WITHDRAW;
        }
        if (phase == Phase.ANNOUNCED || phase == Phase.DRAINING) {
            flaps++;
            if (now - since < STABLE_MILLIS) {
                penalty = Math.min(MAX_PENALTY, penalty + 1);
            }
        }
        if (phase != Phase.WITHDRAWN) {
            phase = Phase.WITHDRAWN;
            since = now;
        }
        return Verdict.WITHDRAW;
    }

    public long currentRiseMillis() {
        return riseMillis << penalty;
    }

    public String phase() {
        return phase.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Times an announcement was withdrawn because health went away. */
    public long flaps() {
        return flaps;
    }

    public String lastReason() {
        return lastReason;
    }
}
