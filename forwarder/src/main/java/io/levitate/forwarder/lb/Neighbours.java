package io.levitate.forwarder.lb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The next hops' link-layer addresses. Learnt by the data plane itself (ARP for IPv4, neighbour
 * discovery for IPv6; {@code instance.neighbours: learn}), or pinned by the configuration
 * ({@code instance.neighbours: static}). Shared by all workers: any worker that sees the
 * gateway's ARP reply (or request) stores the MAC with a release store; workers read it with an
 * acquire load. Every writer stores what the wire said, so racing writers are harmless. Only
 * unicast MACs are ever stored: a gateway "at" a broadcast or multicast MAC would flood every
 * tunnel packet to the whole segment.
 *
 * <p>Life cycle per family when learning: unresolved (MAC 0: tunnel packets are dropped as
 * NO_NEIGHBOUR and a request goes out every {@link #RETRY_MS}); resolved; after {@link #REFRESH_MS}
 * without a confirmation the designated worker asks again; after {@link #EXPIRY_MS} the MAC is no
 * longer used (a gateway replaced by another machine must not keep receiving our traffic forever).
 * Pinned MACs never expire, nothing on the wire changes them and no request goes out for them.
 */
public final class Neighbours {
    /** Ask again this long after the last confirmation (Linux's base reachable time is 30 s). */
    public static final long REFRESH_MS = 30_000;
    /** Stop using a MAC not confirmed for this long. */
    public static final long EXPIRY_MS = 90_000;
    /** Request interval while unresolved or refreshing. */
    public static final long RETRY_MS = 1_000;
    /** The I/G bit, the low bit of the first octet (IEEE 802): set for multicast and broadcast. */
    private static final long GROUP_BIT = 0x0100_0000_0000L;

    private static final VarHandle MAC_V4;
    private static final VarHandle CONFIRMED_V4;
    private static final VarHandle MAC_V6;
    private static final VarHandle CONFIRMED_V6;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            MAC_V4 = lookup.findVarHandle(Neighbours.class, "macV4", long.class);
            CONFIRMED_V4 = lookup.findVarHandle(Neighbours.class, "confirmedV4", long.class);
            MAC_V6 = lookup.findVarHandle(Neighbours.class, "macV6", long.class);
            CONFIRMED_V6 = lookup.findVarHandle(Neighbours.class, "confirmedV6", long.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** Our addresses (ARP/ND targets we answer for) and the gateways (whose MACs we need). */
    public final int ourV4;

    public final boolean hasV4;
    public final long ourV6Hi;
    public final long ourV6Lo;
    public final boolean hasV6;
    public final int gatewayV4;
    public final boolean hasGatewayV4;
    public final long gatewayV6Hi;
    public final long gatewayV6Lo;
    public final boolean hasGatewayV6;
    /** {@code instance.neighbours: static}: the gateways' MACs are {@link #pinnedV4} and {@link #pinnedV6}. */
    public final boolean pinned;

    public final long pinnedV4;
    public final long pinnedV6;

    // Written with release stores, read with acquire loads (see VarHandles above).
    private long macV4;
    private long confirmedV4;
    private long macV6;
    private long confirmedV6;

    /** Gateway MACs learnt from the wire ({@code instance.neighbours: learn}). */
    public Neighbours(
            final int ourV4,
            final boolean hasV4,
            final long ourV6Hi,
            final long ourV6Lo,
            final boolean hasV6,
            final int gatewayV4,
            final boolean hasGatewayV4,
            final long gatewayV6Hi,
            final long gatewayV6Lo,
            final boolean hasGatewayV6) {
        this(
                ourV4,
                hasV4,
                ourV6Hi,
                ourV6Lo,
                hasV6,
                gatewayV4,
                hasGatewayV4,
                gatewayV6Hi,
                gatewayV6Lo,
                hasGatewayV6,
                false,
                0,
                0);
    }

    /**
     * @param pinned   the gateway MACs are {@code pinnedV4} and {@code pinnedV6} for good
     *                 ({@code instance.neighbours: static}); each unicast for a configured gateway
     * @param pinnedV4 the IPv4 gateway's MAC when pinned, else ignored
     * @param pinnedV6 the IPv6 gateway's MAC when pinned, else ignored
     */
    public Neighbours(
            final int ourV4,
            final boolean hasV4,
            final long ourV6Hi,
            final long ourV6Lo,
            final boolean hasV6,
            final int gatewayV4,
            final boolean hasGatewayV4,
            final long gatewayV6Hi,
            final long gatewayV6Lo,
            final boolean hasGatewayV6,
            final boolean pinned,
            final long pinnedV4,
            final long pinnedV6) {
        if (pinned && ((hasGatewayV4 && !isUnicast(pinnedV4)) || (hasGatewayV6 && !isUnicast(pinnedV6)))) {
            throw new IllegalArgumentException("a pinned gateway MAC must be unicast");
        }
        this.ourV4 = ourV4;
        this.hasV4 = hasV4;
        this.ourV6Hi = ourV6Hi;
        this.ourV6Lo = ourV6Lo;
        this.hasV6 = hasV6;
        this.gatewayV4 = gatewayV4;
        this.hasGatewayV4 = hasGatewayV4;
        this.gatewayV6Hi = gatewayV6Hi;
        this.gatewayV6Lo = gatewayV6Lo;
        this.hasGatewayV6 = hasGatewayV6;
        this.pinned = pinned;
        this.pinnedV4 = pinned && hasGatewayV4 ? pinnedV4 : 0;
        this.pinnedV6 = pinned && hasGatewayV6 ? pinnedV6 : 0;
    }

    /** Whether a MAC may name a neighbour: not zero, not a group (multicast, broadcast) address. */
    public static boolean isUnicast(final long mac) {
        return mac != 0 && (mac & GROUP_BIT) == 0;
    }

    /** The gateway MAC for tunnels of this outer family, or 0 when unresolved or expired. */
    public long macAcquire(final int family, final long nowMs) {
        if (pinned) {
            return family == 4 ? pinnedV4 : pinnedV6;
        }
        if (family == 4) {
            final long mac = (long) MAC_V4.getAcquire(this);
            return mac != 0 && nowMs - (long) CONFIRMED_V4.getAcquire(this) < EXPIRY_MS ? mac : 0;
        }
        final long mac = (long) MAC_V6.getAcquire(this);
        return mac != 0 && nowMs - (long) CONFIRMED_V6.getAcquire(this) < EXPIRY_MS ? mac : 0;
    }

    /**
     * The wire confirmed the IPv4 gateway's MAC. Ignored (false) when the MACs are pinned or
     * {@code mac} is not unicast; callers count why before calling.
     */
    public boolean confirmV4(final long mac, final long nowMs) {
        if (pinned || !isUnicast(mac)) {
            return false;
        }
        CONFIRMED_V4.setRelease(this, nowMs);
        MAC_V4.setRelease(this, mac);
        return true;
    }

    /** The wire confirmed the IPv6 gateway's MAC; as {@link #confirmV4}. */
    public boolean confirmV6(final long mac, final long nowMs) {
        if (pinned || !isUnicast(mac)) {
            return false;
        }
        CONFIRMED_V6.setRelease(this, nowMs);
        MAC_V6.setRelease(this, mac);
        return true;
    }

    /** The pinned MAC of the gateway of this family (0 when learning). */
    public long pinnedMac(final int family) {
        return family == 4 ? pinnedV4 : pinnedV6;
    }

    /** Whether a request for this family should go out now (unresolved, or due for refresh); never when pinned. */
    public boolean needsRequest(final int family, final long nowMs) {
        if (pinned || (family == 4 ? !hasGatewayV4 : !hasGatewayV6)) {
            return false;
        }
        final long mac = family == 4 ? (long) MAC_V4.getAcquire(this) : (long) MAC_V6.getAcquire(this);
        final long confirmed =
                family == 4 ? (long) CONFIRMED_V4.getAcquire(this) : (long) CONFIRMED_V6.getAcquire(this);
        return mac == 0 || nowMs - confirmed >= REFRESH_MS;
    }
}
