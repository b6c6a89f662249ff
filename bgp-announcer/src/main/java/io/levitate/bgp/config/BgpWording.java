package io.levitate.bgp.config;

import io.levitate.core.config.BgpBinder;
import io.levitate.core.config.BgpDefaults;
import io.levitate.core.config.BfdSettings;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The announcer's own words for a mistake in the {@code bgp:} section, fail-fast, first mistake
 * only. Core's {@code BgpBinder} decides what the section means and whether it is valid, for both
 * processes; {@link ConfigLoader} asks this class only after the binder has refused the section,
 * to say it as the announcer always has ({@code hold_time must be 0 or 3s..65535s (RFC 4271 §4.2)},
 * {@code unknown key 'x' in bgp.peers[]} at the value). What it does not find, the binder's first
 * error says, in the forwarder's wording.
 *
 * <p>Why it exists at all: the announcer's tests (ConfigLoaderTest, AnnouncerProcessIT) pin these
 * messages, and the forwarder's (ConfigErrorsTest) pin the binder's, which differ in almost every
 * case, including the position of an unknown key's error (its value here, the key there). Once one
 * wording is chosen for both, this class goes and {@link ConfigLoader} reports the binder's errors.
 */
final class BgpWording
{
    private static final Set<String> BGP_KEYS = Set.copyOf(BgpBinder.BGP_KEYS);
    private static final Set<String> PEER_KEYS = Set.copyOf(BgpBinder.PEER_KEYS);
    private static final Set<String> BFD_KEYS = Set.copyOf(BgpBinder.BFD_KEYS);

    private final Nodes n;

    private BgpWording(final Nodes nodes)
    {
        this.n = nodes;
    }

    /** Throws the first mistake of the section {@code bgpNode} in the announcer's wording; returns if it finds none. */
    static void check(final Nodes nodes, final Node bgpNode) throws ConfigException
    {
        new BgpWording(nodes).section(bgpNode);
    }

    private void section(final Node bgpNode) throws ConfigException
    {
        final Map<String, Node> bgp = n.mapping(bgpNode);
        n.checkKeys(bgp, BGP_KEYS, "bgp");
        asn(n.required(bgp, "local_as", bgpNode));
        final Node routerIdNode = n.required(bgp, "router_id", bgpNode);
        final InetAddress routerId = n.address(routerIdNode);
        if (!(routerId instanceof Inet4Address) || routerId.isAnyLocalAddress())
        {
            throw n.error(routerIdNode, "router_id must be a non-zero IPv4 dotted quad");
        }
        if (bgp.containsKey("hold_time"))
        {
            holdTime(bgp.get("hold_time"));
        }
        if (bgp.containsKey("connect_retry"))
        {
            millisIn(bgp.get("connect_retry"), BgpDefaults.MIN_CONNECT_RETRY.toMillis(),
                BgpDefaults.MAX_CONNECT_RETRY.toMillis(), "connect_retry must be 100ms..120s");
        }
        if (bgp.containsKey("graceful_shutdown_wait"))
        {
            millisIn(bgp.get("graceful_shutdown_wait"), 0, BgpDefaults.MAX_GRACEFUL_SHUTDOWN_WAIT.toMillis(),
                "graceful_shutdown_wait must be 0s..10m");
        }
        if (bgp.containsKey("med"))
        {
            n.rangeInt(bgp.get("med"), 0, 0xFFFF_FFFFL, "med");
        }
        if (bgp.containsKey("communities"))
        {
            communities(bgp.get("communities"), 2, 0xFFFF, "a community is ASN:VALUE, each 0..65535");
        }
        if (bgp.containsKey("large_communities"))
        {
            communities(bgp.get("large_communities"), 3, 0xFFFF_FFFFL,
                "a large community is GLOBAL:LOCAL1:LOCAL2, each 0..4294967295 (RFC 8092)");
        }
        if (bgp.containsKey("announce_delay"))
        {
            n.millis(bgp.get("announce_delay"));
        }
        if (bgp.containsKey("metrics_listen"))
        {
            hostPort(bgp.get("metrics_listen"));
        }
        final boolean listenOff = bgp.containsKey("listen") && hostPort(bgp.get("listen")) == null;
        if (bgp.containsKey("graceful_restart_time"))
        {
            n.rangeInt(bgp.get("graceful_restart_time"), 0, BgpDefaults.MAX_GRACEFUL_RESTART_TIME,
                "graceful_restart_time (seconds)");
        }
        final Node peersNode = n.required(bgp, "peers", bgpNode);
        final Set<InetAddress> seen = new HashSet<>();
        boolean anyPassive = false;
        final List<Node> peers = n.sequence(peersNode);
        for (final Node p : peers)
        {
            final InetAddress address = peer(p);
            if (!seen.add(address))
            {
                throw n.error(p, "duplicate peer " + io.levitate.packet.Addresses.format(address));
            }
            final Map<String, Node> keys = n.mapping(p);
            anyPassive |= keys.containsKey("passive") && n.bool(keys.get("passive"));
        }
        if (peers.isEmpty())
        {
            throw n.error(peersNode, "bgp.peers is empty");
        }
        if (listenOff && anyPassive)
        {
            throw n.error(bgp.get("listen"), "listen: off leaves the passive peers no way to connect");
        }
    }

    /** One peer's mistakes; its address when there are none. */
    private InetAddress peer(final Node node) throws ConfigException
    {
        final Map<String, Node> p = n.mapping(node);
        n.checkKeys(p, PEER_KEYS, "bgp.peers[]");
        final InetAddress address = n.address(n.required(p, "address", node));
        asn(n.required(p, "remote_as", node));
        if (p.containsKey("port"))
        {
            n.rangeInt(p.get("port"), 1, 65535, "port");
        }
        final InetAddress local = p.containsKey("local_address") ? n.address(p.get("local_address")) : null;
        if (local != null && local.getAddress().length != address.getAddress().length)
        {
            throw n.error(p.get("local_address"), "local_address must be of the peer address's family");
        }
        final InetAddress nh4 = p.containsKey("next_hop") ? n.address(p.get("next_hop")) : null;
        if (nh4 != null && !(nh4 instanceof Inet4Address))
        {
            throw n.error(p.get("next_hop"), "next_hop must be IPv4 (use next_hop_v6 for IPv6 routes)");
        }
        final InetAddress nh6 = p.containsKey("next_hop_v6") ? n.address(p.get("next_hop_v6")) : null;
        if (nh6 instanceof Inet4Address)
        {
            throw n.error(p.get("next_hop_v6"), "next_hop_v6 must be IPv6");
        }
        if (p.containsKey("md5_password"))
        {
            final int bytes = n.string(p.get("md5_password")).getBytes(StandardCharsets.UTF_8).length;
            if (bytes == 0 || bytes > BgpDefaults.MAX_MD5_PASSWORD_BYTES)
            {
                throw n.error(p.get("md5_password"), "md5_password must be 1..80 bytes (TCP_MD5SIG_MAXKEYLEN)");
            }
        }
        if (p.containsKey("passive"))
        {
            n.bool(p.get("passive"));
        }
        if (p.containsKey("hold_time"))
        {
            holdTime(p.get("hold_time"));
        }
        if (p.containsKey("bfd"))
        {
            bfd(p.get("bfd"));
        }
        return address;
    }

    /** {@code bfd: true}, {@code false}, or {@code {min_tx, min_rx, multiplier}}, each optional. */
    private void bfd(final Node node) throws ConfigException
    {
        if (node instanceof ScalarNode)
        {
            n.bool(node);
            return;
        }
        final Map<String, Node> b = n.mapping(node);
        n.checkKeys(b, BFD_KEYS, "bgp.peers[].bfd");
        for (final String key : List.of("min_tx", "min_rx"))
        {
            if (b.containsKey(key))
            {
                final long ms = n.millis(b.get(key));
                if (ms < BfdSettings.MIN_INTERVAL.toMillis() || ms > BfdSettings.MAX_INTERVAL.toMillis())
                {
                    throw n.error(b.get(key), "bfd." + key + " must be 10ms..60s: '" + n.scalar(b.get(key)) + "'");
                }
            }
        }
        if (b.containsKey("multiplier"))
        {
            n.rangeInt(b.get("multiplier"), 1, BfdSettings.MAX_MULTIPLIER, "bfd.multiplier");
        }
    }

    private void asn(final Node node) throws ConfigException
    {
        n.rangeInt(node, 1, 0xFFFF_FFFFL, "AS number");
    }

    private void millisIn(final Node node, final long min, final long max, final String message) throws ConfigException
    {
        final long v = n.millis(node);
        if (v < min || v > max)
        {
            throw n.error(node, message);
        }
    }

    private void holdTime(final Node node) throws ConfigException
    {
        final long ms = "0".equals(n.scalar(node)) ? 0 : n.millis(node);
        if (ms % 1000 != 0)
        {
            throw n.error(node, "hold_time is whole seconds on the wire (RFC 4271 §4.2)");
        }
        final long s = ms / 1000;
        if (s != 0 && (s < 3 || s > 65535))
        {
            throw n.error(node, "hold_time must be 0 or 3s..65535s (RFC 4271 §4.2)");
        }
    }

    /** A list of {@code parts}-part communities, each part 0..{@code max}. */
    private void communities(final Node node, final int parts, final long max, final String shape) throws ConfigException
    {
        for (final Node item : n.sequence(node))
        {
            final String[] split = n.scalar(item).split(":", -1);
            if (split.length != parts)
            {
                throw n.error(item, shape);
            }
            for (final String s : split)
            {
                try
                {
                    final long v = Long.parseLong(s);
                    if (v < 0 || v > max)
                    {
                        throw n.error(item, "community part out of range 0.." + max + ": " + s);
                    }
                }
                catch (final NumberFormatException e)
                {
                    throw n.error(item, "community part is not a number: '" + s + "'");
                }
            }
        }
    }

    /** {@code ADDRESS:PORT}, {@code [IPv6]:PORT} or {@code off} (null). */
    private InetSocketAddress hostPort(final Node node) throws ConfigException
    {
        final String s = n.scalar(node);
        if ("off".equals(s))
        {
            return null;
        }
        final int colon = s.lastIndexOf(':');
        try
        {
            if (colon <= 0)
            {
                throw new IllegalArgumentException(s);
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]"))
            {
                host = host.substring(1, host.length() - 1);
            }
            final int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException(s);
            }
            return new InetSocketAddress(InetAddress.ofLiteral(host), port);
        }
        catch (final IllegalArgumentException e)
        {
            throw n.error(node, "expected ADDRESS:PORT or [IPv6]:PORT or off: '" + s + "'");
        }
    }
}
