package io.levitate.forwarder.config;

/** The transport protocol a service matches, with its IP protocol number. */
public enum Protocol
{
    TCP(6),
    UDP(17);

    /** IANA protocol number, what maglev's {@link io.levitate.maglev.ServiceConfig} and the packet path use. */
    public final int number;

    Protocol(final int number)
    {
        this.number = number;
    }

    /** The word used in the file: {@code tcp} or {@code udp}. */
    public String word()
    {
        return this == TCP ? "tcp" : "udp";
    }
}
