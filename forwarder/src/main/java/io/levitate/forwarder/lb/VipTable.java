package io.levitate.forwarder.lb;

import io.levitate.packet.FlowKey;

/**
 * Immutable, allocation-free map from (family, VIP, port, protocol) to a service index: open
 * addressing with linear probing over parallel primitive arrays, at most half full. A lookup
 * tries the exact port first and then the VIP's any-port service, so a specific port wins over
 * "any" (docs/CONFIG.md).
 */
public final class VipTable
{
    /** No service for this destination. */
    public static final int NONE = -1;

    private final long[] hi;
    private final long[] lo;
    /** family << 24 | protocol << 16 | port; 0 marks an empty slot (family is never 0). */
    private final int[] meta;
    private final int[] service;
    private final int mask;

    private VipTable(final int capacity)
    {
        hi = new long[capacity];
        lo = new long[capacity];
        meta = new int[capacity];
        service = new int[capacity];
        mask = capacity - 1;
    }

    /** Builder input: one row per service. */
    public record Entry(int family, long addressHi, long addressLo, int port, int protocol, int service)
    {
    }

    public static VipTable of(final java.util.List<Entry> entries)
    {
        int capacity = 16;
        while (capacity < entries.size() * 2)
        {
            capacity <<= 1;
        }
        final VipTable table = new VipTable(capacity);
        for (final Entry e : entries)
        {
            final int m = meta(e.family(), e.protocol(), e.port());
            int i = slot(e.addressHi(), e.addressLo(), m) & table.mask;
            while (table.meta[i] != 0)
            {
                if (table.meta[i] == m && table.hi[i] == e.addressHi() && table.lo[i] == e.addressLo())
                {
                    throw new IllegalArgumentException("two services for the same VIP, port and protocol");
                }
                i = (i + 1) & table.mask;
            }
            table.hi[i] = e.addressHi();
            table.lo[i] = e.addressLo();
            table.meta[i] = m;
            table.service[i] = e.service();
        }
        return table;
    }

    /** The service for a flow's destination, or {@link #NONE}. */
    public int find(final FlowKey key)
    {
        return findService(key.family, key.dstHi, key.dstLo, key.dstPort, key.protocol);
    }

    /** The service for a destination: the exact port's, else the VIP's any-port service, else {@link #NONE}. */
    public int findService(final int family, final long addressHi, final long addressLo, final int port,
        final int protocol)
    {
        final int exact = find(family, addressHi, addressLo, port, protocol);
        return exact != NONE || port == 0 ? exact : find(family, addressHi, addressLo, 0, protocol);
    }

    public int find(final int family, final long addressHi, final long addressLo, final int port, final int protocol)
    {
        final int m = meta(family, protocol, port);
        int i = slot(addressHi, addressLo, m) & mask;
        while (true)
        {
            final int candidate = meta[i];
            if (candidate == 0)
            {
                return NONE;
            }
            if (candidate == m && hi[i] == addressHi && lo[i] == addressLo)
            {
                return service[i];
            }
            i = (i + 1) & mask;
        }
    }

    /** True when some service (any port, any protocol) has this address as its VIP. */
    public boolean isVip(final int family, final long addressHi, final long addressLo)
    {
        for (int i = 0; i < meta.length; i++)
        {
            if (meta[i] != 0 && (meta[i] >>> 24) == family && hi[i] == addressHi && lo[i] == addressLo)
            {
                return true;
            }
        }
        return false;
    }

    private static int meta(final int family, final int protocol, final int port)
    {
        return family << 24 | (protocol & 0xFF) << 16 | (port & 0xFFFF);
    }

    /** A process-local mix (this table is never shared between machines, so any good mix will do). */
    private static int slot(final long addressHi, final long addressLo, final int meta)
    {
        long h = addressHi * 0x9E3779B97F4A7C15L ^ addressLo;
        h = (h ^ meta) * 0xBF58476D1CE4E5B9L;
        return (int)(h ^ (h >>> 31) ^ (h >>> 47));
    }
}
