package io.levitate.forwarder.config;

/** The transport protocol a service matches, with its IP protocol number. */
public enum Protocol {
    TCP(6),
    UDP(17);

    /** IANA protocol number, what maglev's {@link io.levitate.maglev.ServiceConfig} and the packet path use. */
    public final int number;

    Protocol(final int number) {
        this.number = number;
    }

    /** The protocol of an IANA number core's ServiceAddressBinder bound (6 or 17). */
    public static Protocol of(final int number) {
        return switch (number) {
            case 6 -> TCP;
            case 17 -> UDP;
            default -> throw new IllegalArgumentException("not tcp or udp: " + number);
        };
    }

    /** The word used in the file: {@code tcp} or {@code udp}. */
    public String word() {
        return this == TCP ? "tcp" : "udp";
    }
}
