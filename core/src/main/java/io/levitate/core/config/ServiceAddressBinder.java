package io.levitate.core.config;

import io.levitate.core.config.Values.Family;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The keys of a {@code services[]} entry that say what the service answers for, bound by one rule
 * for both processes: {@code name}, {@code vip}, {@code port}, {@code protocol} and
 * {@code announce}, with the rules across entries about them (names unique; no two services with
 * the same VIP, port and protocol). The forwarder's ServiceBinder reads the rest of each entry
 * (table, hash, quota, fragments, health check, backends) and the VIP's relation to the
 * instance's own addresses; the announcer reads these keys only, so both see a service's VIP,
 * port and protocol as the same values, or refuse the file with the same errors.
 *
 * <p>One binder per file: it remembers the names and matches of the entries bound so far.
 */
public final class ServiceAddressBinder {
    /** The keys this class binds; both processes' schemas of a service include them. */
    public static final List<String> KEYS = List.of("name", "vip", "port", "protocol", "announce");
    /** The words of {@code protocol}, in the order of {@link #PROTOCOL_NUMBERS}. */
    public static final List<String> PROTOCOLS = List.of("tcp", "udp");
    /** IANA protocol numbers of {@link #PROTOCOLS}: TCP 6, UDP 17. */
    private static final int[] PROTOCOL_NUMBERS = {6, 17};

    /**
     * What one entry's keys bound to; a field is null after an error in it (or when it is missing).
     *
     * @param name     the service's name
     * @param nameNode where it is written (the forwarder points warnings at it)
     * @param vip      the VIP: unicast, not loopback, not in 0.0.0.0/8
     * @param vipNode  where it is written
     * @param port     1..65535, or 0 for {@code any}
     * @param protocol the IANA protocol number: 6 for {@code tcp}, 17 for {@code udp}
     * @param announce whether the announcer announces the VIP (default true)
     * @param unique   false when the name or the (vip, port, protocol) repeats an earlier entry's
     */
    public record ServiceAddress(
            String name,
            Node nameNode,
            InetAddress vip,
            Node vipNode,
            Integer port,
            Integer protocol,
            Boolean announce,
            boolean unique) {
        /** True when every key bound and nothing repeats: the entry can be used. */
        public boolean complete() {
            return name != null && vip != null && port != null && protocol != null && announce != null && unique;
        }
    }

    /** A service's match, for the repeat check. */
    private record Match(InetAddress vip, int port, int protocol) {}

    private final ErrorSink sink;
    private final Map<String, Node> names = new HashMap<>();
    private final Map<Match, String> matches = new HashMap<>();
    private final Map<Match, Node> matchLines = new HashMap<>();

    public ServiceAddressBinder(final ErrorSink sink) {
        this.sink = sink;
    }

    /** The word of a protocol number: {@code tcp} or {@code udp}. */
    public static String protocolWord(final int protocol) {
        return protocol == PROTOCOL_NUMBERS[1] ? PROTOCOLS.get(1) : PROTOCOLS.get(0);
    }

    /**
     * Binds one entry's keys of {@link #KEYS} from its view (the caller decides which other keys the
     * view allows); errors go to the sink, named by the view's path ({@code services[3].vip: ...}).
     */
    public ServiceAddress bind(final MappingView s) {
        boolean unique = true;
        final Node nameNode = s.require("name");
        final String name = nameNode == null ? null : Values.name(sink, nameNode, s.child("name"));
        if (name != null) {
            final Node first = names.putIfAbsent(name, nameNode);
            if (first != null) {
                sink.at(
                        nameNode,
                        s.child("name") + ": duplicate service name '" + name + "' (first at line " + Values.line(first)
                                + ")");
                unique = false;
            }
        }
        final Node vipNode = s.require("vip");
        final InetAddress vip = vipNode == null ? null : vip(vipNode, s.child("vip"));
        final Node portNode = s.require("port");
        final Integer port = portNode == null ? null : port(portNode, s.child("port"));
        final Node protocolNode = s.require("protocol");
        Integer protocol = null;
        if (protocolNode != null) {
            final int w = Values.word(sink, protocolNode, s.child("protocol"), PROTOCOLS);
            protocol = w < 0 ? null : PROTOCOL_NUMBERS[w];
        }
        if (vip != null && port != null && protocol != null) {
            // "any" and a specific port of the same VIP and protocol may coexist: the specific
            // service wins for its port (documented in CONFIG.md); only exact repeats clash.
            final Match match = new Match(vip, port, protocol);
            final String firstName = matches.putIfAbsent(match, name == null ? s.path : "'" + name + "'");
            if (firstName != null) {
                sink.at(
                        vipNode,
                        s.path + ": same vip, port and protocol (" + matchText(match) + ") as service " + firstName
                                + " (line " + Values.line(matchLines.get(match)) + ")");
                unique = false;
            } else {
                matchLines.put(match, vipNode);
            }
        }
        final Boolean announce = s.optionalBool("announce", true);
        return new ServiceAddress(name, nameNode, vip, vipNode, port, protocol, announce, unique);
    }

    /**
     * A unicast address that can arrive from the network: not loopback, not 0.0.0.0/8 (what the
     * VIP may be beside the instance's own addresses, which only the forwarder knows).
     */
    private InetAddress vip(final Node node, final String path) {
        final InetAddress vip = Values.unicast(sink, node, path, Family.ANY);
        if (vip == null) {
            return null;
        }
        final String shown = path + ": " + Addresses.format(vip);
        if (vip.isLoopbackAddress()) {
            sink.at(
                    node,
                    shown
                            + (vip instanceof Inet4Address
                                    ? " is a loopback address (127.0.0.0/8)"
                                    : " is the loopback address")
                            + "; no packet to it arrives from the network");
            return null;
        }
        if (vip instanceof Inet4Address && vip.getAddress()[0] == 0) {
            sink.at(node, shown + " is in 0.0.0.0/8, \"this network\" (RFC 1122), never a destination");
            return null;
        }
        return vip;
    }

    /** 1..65535 or "any" (0). */
    private Integer port(final Node node, final String path) {
        if (node instanceof ScalarNode s && s.getValue().equals("any")) {
            return 0;
        }
        // The range error names "any" too, so the integer rule's own message is not the one shown.
        final ErrorSink quiet = new ErrorSink(sink.file);
        final Long v = Values.integer(quiet, node, path, 1L, 0xFFFFL);
        if (v == null) {
            sink.at(node, path + ": must be 1..65535 or \"any\", got " + Values.describe(node));
            return null;
        }
        return v.intValue();
    }

    private static String matchText(final Match m) {
        final String host = Addresses.format(m.vip());
        return (m.vip() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + (m.port() == 0 ? "any" : m.port())
                + "/" + protocolWord(m.protocol());
    }
}
