package io.levitate.packet;

/** IP protocol / IPv6 next-header numbers Levitate looks at (IANA "Protocol Numbers"). */
public final class IpProtocols {
    public static final int HOP_BY_HOP = 0;
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int IPV6_ROUTING = 43;
    public static final int IPV6_FRAGMENT = 44;
    public static final int GRE = 47;
    public static final int ESP = 50;
    public static final int AH = 51;
    public static final int ICMPV6 = 58;
    public static final int IPV6_NO_NEXT = 59;
    public static final int IPV6_DESTINATION_OPTIONS = 60;

    private IpProtocols() {}
}
