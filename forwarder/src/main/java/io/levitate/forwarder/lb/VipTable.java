package io.levitate.forwarder.lb;

import io.levitate.packet.FlowKey;

/**
 * Immutable, allocation-free map from (family, VIP, port, protocol) to a service index: open
 * addressing with linear probing over parallel primitive arrays, at most half full. A lookup
 * tries the exact port first and then the VIP's any-port service, so a specific port wins over
 * "any" (docs/CONFIG.md).
 *
 * <p>Fragments carry no ports, so they have rows of their own: per (family, VIP, protocol) the one
 * service that takes that VIP's fragments ({@link #findFragment}; the builder decides which, see
 * {@code SnapshotBuilder}). The table also answers whether an address is any VIP
 * ({@link #isVip}), for the martian-source check, with a one-line filter per family in front
 * ({@link #mayBeVipV4}, {@link #mayBeVipV6}) so that the common client address costs one load.
 */
public final class VipTable {
    /** No service for this destination. */
    public static final int NONE = -1;

    private final long[] hi;
    private final long[] lo;
    /**
     * family << 24 | protocol << 16 | port, with {@link #FRAGMENT_ROW} for a fragment row and
     * {@link #ADDRESS_ROW} for an address row; 0 marks an empty slot (family is never 0).
     */
    private final int[] meta;

    private final int[] service;
    private final int mask;
    /**
     * One bit per {@link #filterBit} of each IPv4 VIP: 512 bits, one cache line. A client address
     * whose bit is clear is no VIP; a set bit (a VIP, or one of the few addresses sharing its
     * bit) is settled by {@link #isVip}.
     */
    private final long[] v4Filter = new long[FILTER_WORDS];
    /** {@link #v4Filter} for IPv6 VIPs ({@link #filterBitV6}). */
    private final long[] v6Filter = new long[FILTER_WORDS];

    /** Rows of fragments: port 0 and this flag (ports never exceed 16 bits, families 6). */
    private static final int FRAGMENT_ROW = 1 << 28;
    /** Rows that only say "this address is a VIP" (protocol and port 0). */
    private static final int ADDRESS_ROW = 1 << 29;

    private static final int FILTER_WORDS = 8;

    private VipTable(final int capacity) {
        hi = new long[capacity];
        lo = new long[capacity];
        meta = new int[capacity];
        service = new int[capacity];
        mask = capacity - 1;
    }

    /**
     * Builder input: one row per service. {@code fragments}: this service takes the fragments of
     * its VIP and protocol (at most one per VIP and protocol).
     */
    public record Entry(
            int family, long addressHi, long addressLo, int port, int protocol, int service, boolean fragments) {
        public Entry(
                final int family,
                final long addressHi,
                final long addressLo,
                final int port,
                final int protocol,
                final int service) {
            this(family, addressHi, addressLo, port, protocol, service, false);
        }
    }

    public static VipTable of(final java.util.List<Entry> entries) {
        int capacity = 16;
        // A service row, a fragment row and an address row per entry at most, at most half full.
        while (capacity < entries.size() * 6) {
            capacity <<= 1;
        }
        final VipTable table = new VipTable(capacity);
        for (final Entry e : entries) {
            if (!table.put(e.addressHi(), e.addressLo(), meta(e.family(), e.protocol(), e.port()), e.service())) {
                throw new IllegalArgumentException("two services for the same VIP, port and protocol");
            }
            if (e.fragments()
                    && !table.put(
                            e.addressHi(),
                            e.addressLo(),
                            FRAGMENT_ROW | meta(e.family(), e.protocol(), 0),
                            e.service())) {
                throw new IllegalArgumentException("two services take the fragments of the same VIP and protocol");
            }
            table.put(e.addressHi(), e.addressLo(), ADDRESS_ROW | meta(e.family(), 0, 0), 0);
            if (e.family() == 4) {
                final int bit = filterBit((int) e.addressLo());
                table.v4Filter[bit >>> 6] |= 1L << bit;
            } else {
                final int bit = filterBitV6(e.addressHi(), e.addressLo());
                table.v6Filter[bit >>> 6] |= 1L << bit;
            }
        }
        return table;
    }

    /** Adds a row; false when the same row exists. */
    private boolean put(final long addressHi, final long addressLo, final int m, final int serviceIndex) {
        int i = slot(addressHi, addressLo, m) & mask;
        while (meta[i] != 0) {
            if (meta[i] == m && hi[i] == addressHi && lo[i] == addressLo) {
                return false;
            }
            i = (i + 1) & mask;
        }
        hi[i] = addressHi;
        lo[i] = addressLo;
        meta[i] = m;
        service[i] = serviceIndex;
        return true;
    }

    /** The service that takes the fragments of this VIP and protocol, or {@link #NONE}. */
    public int findFragment(final int family, final long addressHi, final long addressLo, final int protocol) {
        return find(addressHi, addressLo, FRAGMENT_ROW | meta(family, protocol, 0));
    }

    /** The service a flow's packet goes to: a fragment's VIP's fragment taker ({@link #findFragment}), else {@link #find}. */
    public int serviceFor(final FlowKey key) {
        return key.fragment ? findFragment(key.family, key.dstHi, key.dstLo, key.protocol) : find(key);
    }

    /** The service for a flow's destination, or {@link #NONE}. */
    public int find(final FlowKey key) {
        return findService(key.family, key.dstHi, key.dstLo, key.dstPort, key.protocol);
    }

    /** The service for a destination: the exact port's, else the VIP's any-port service, else {@link #NONE}. */
    public int findService(
            final int family, final long addressHi, final long addressLo, final int port, final int protocol) {
        final int exact = find(family, addressHi, addressLo, port, protocol);
        return exact != NONE || port == 0 ? exact : find(family, addressHi, addressLo, 0, protocol);
    }

    public int find(final int family, final long addressHi, final long addressLo, final int port, final int protocol) {
        return find(addressHi, addressLo, meta(family, protocol, port));
    }

    private int find(final long addressHi, final long addressLo, final int m) {
        int i = slot(addressHi, addressLo, m) & mask;
        while (true) {
            final int candidate = meta[i];
            if (candidate == 0) {
                return NONE;
            }
            if (candidate == m && hi[i] == addressHi && lo[i] == addressLo) {
                return service[i];
            }
            i = (i + 1) & mask;
        }
    }

    /** True when some service (any port, any protocol) has this address as its VIP. */
    public boolean isVip(final int family, final long addressHi, final long addressLo) {
        return find(addressHi, addressLo, ADDRESS_ROW | meta(family, 0, 0)) != NONE;
    }

    /** False when the IPv4 address is certainly no VIP; true when it may be one ({@link #isVip} tells). */
    public boolean mayBeVipV4(final int address) {
        final int bit = filterBit(address);
        return (v4Filter[bit >>> 6] & (1L << bit)) != 0;
    }

    /** False when the IPv6 address is certainly no VIP; true when it may be one ({@link #isVip} tells). */
    public boolean mayBeVipV6(final long addressHi, final long addressLo) {
        final int bit = filterBitV6(addressHi, addressLo);
        return (v6Filter[bit >>> 6] & (1L << bit)) != 0;
    }

    /** 9 well-mixed bits of an IPv6 address (both halves), as {@link #filterBit}. */
    private static int filterBitV6(final long addressHi, final long addressLo) {
        return (int) (((addressHi * 0x9E3779B97F4A7C15L) ^ addressLo) * 0xBF58476D1CE4E5B9L >>> 55);
    }

    /** 9 well-mixed bits of an IPv4 address: a Fibonacci multiply keeps the top bits. */
    private static int filterBit(final int address) {
        return (address * 0x9E3779B9) >>> 23;
    }

    private static int meta(final int family, final int protocol, final int port) {
        return family << 24 | (protocol & 0xFF) << 16 | (port & 0xFFFF);
    }

    /** A process-local mix (this table is never shared between machines, so any good mix will do). */
    private static int slot(final long addressHi, final long addressLo, final int meta) {
        long h = addressHi * 0x9E3779B97F4A7C15L ^ addressLo;
        h = (h ^ meta) * 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 31) ^ (h >>> 47));
    }
}
