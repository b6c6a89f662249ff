package io.levitate.forwarder.lb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The next hops' link-layer addresses, resolved by the data plane itself (ARP for IPv4, neighbour
 * discovery for IPv6): there is no static MAC. Shared by all workers: any worker that sees the
 * gateway's ARP reply (or request) stores the MAC with a release store; workers read it with an
 * acquire load. Every writer stores what the wire said, so racing writers are harmless.
 *
 * <p>Life cycle per family: unresolved (MAC 0: tunnel packets are dropped as NO_NEIGHBOUR and a
 * request goes out every {@link #RETRY_MS}); resolved; after {@link #REFRESH_MS} without a
 * confirmation the designated worker asks again; after {@link #EXPIRY_MS} the MAC is no longer
 * used (a gateway replaced by another machine must not keep receiving our traffic forever).
 */
public final class Neighbours
{
    /** Ask again this long after the last confirmation (Linux's base reachable time is 30 s). */
    public static final long REFRESH_MS = 30_000;
    /** Stop using a MAC not confirmed for this long. */
    public static final long EXPIRY_MS = 90_000;
    /** Request interval while unresolved or refreshing. */
    public static final long RETRY_MS = 1_000;

    private static final VarHandle MAC_V4;
    private static final VarHandle CONFIRMED_V4;
    private static final VarHandle MAC_V6;
    private static final VarHandle CONFIRMED_V6;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            MAC_V4 = lookup.findVarHandle(Neighbours.class, "macV4", long.class);
            CONFIRMED_V4 = lookup.findVarHandle(Neighbours.class, "confirmedV4", long.class);
            MAC_V6 = lookup.findVarHandle(Neighbours.class, "macV6", long.class);
            CONFIRMED_V6 = lookup.findVarHandle(Neighbours.class, "confirmedV6", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
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

    // Written with release stores, read with acquire loads (see VarHandles above).
    private long macV4;
    private long confirmedV4;
    private long macV6;
    private long confirmedV6;

    public Neighbours(final int ourV4, final boolean hasV4, final long ourV6Hi, final long ourV6Lo, final boolean hasV6,
        final int gatewayV4, final boolean hasGatewayV4, final long gatewayV6Hi, final long gatewayV6Lo,
        final boolean hasGatewayV6)
    {
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
    }

    /** The gateway MAC for tunnels of this outer family, or 0 when unresolved or expired. */
    public long macAcquire(final int family, final long nowMs)
    {
        if (family == 4)
        {
            final long mac = (long)MAC_V4.getAcquire(this);
            return mac != 0 && nowMs - (long)CONFIRMED_V4.getAcquire(this) < EXPIRY_MS ? mac : 0;
        }
        final long mac = (long)MAC_V6.getAcquire(this);
        return mac != 0 && nowMs - (long)CONFIRMED_V6.getAcquire(this) < EXPIRY_MS ? mac : 0;
    }

    /** The wire confirmed the IPv4 gateway's MAC. */
    public void confirmV4(final long mac, final long nowMs)
    {
        CONFIRMED_V4.setRelease(this, nowMs);
        MAC_V4.setRelease(this, mac);
    }

    /** The wire confirmed the IPv6 gateway's MAC. */
    public void confirmV6(final long mac, final long nowMs)
    {
        CONFIRMED_V6.setRelease(this, nowMs);
        MAC_V6.setRelease(this, mac);
    }

    /** Whether a request for this family should go out now (unresolved, or due for refresh). */
    public boolean needsRequest(final int family, final long nowMs)
    {
        if (family == 4 ? !hasGatewayV4 : !hasGatewayV6)
        {
            return false;
        }
        final long mac = family == 4 ? (long)MAC_V4.getAcquire(this) : (long)MAC_V6.getAcquire(this);
        final long confirmed = family == 4 ? (long)CONFIRMED_V4.getAcquire(this) : (long)CONFIRMED_V6.getAcquire(this);
        return mac == 0 || nowMs - confirmed >= REFRESH_MS;
    }
}
