package io.levitate.maglev;

/**
 * Which packet fields choose a service's backend.
 *
 * <p>Fragments: whatever the choice, all fragments of a datagram must reach one backend, and only
 * the first fragment carries ports, so the caller hashes every fragment of a fragmented datagram
 * (more-fragments set or a non-zero offset) by the 3-tuple (Maglev paper, section 4.3). A
 * {@link #SOURCE_IP} service needs no such rule: its hash never reads ports.
 */
public enum HashFields {
    /** Source and destination address, source and destination port, protocol. The default. */
    FIVE_TUPLE(5),
    /** Source address only: every flow of one client reaches one backend (sticky sessions). */
    SOURCE_IP(1);

    /** A stable number for digests; never the enum ordinal, which changes if constants move. */
    final int code;

    HashFields(int code) {
        this.code = code;
    }
}
