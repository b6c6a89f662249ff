package io.levitate.bgp.config;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.bfd.BfdConfig;
import io.levitate.core.runtime.BoundedFiles;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.io.Reader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the announcer's part of the shared config file (docs/CONFIG.md): {@code instance.name},
 * {@code instance.counters_dir}, {@code bgp:} and {@code services[].{name, vip, port, protocol,
 * announce}}. Everything else belongs to the forwarder and is not looked at. Works on the YAML
 * node tree, so every error names the file, line and column of the offending value.
 *
 * <p>Inside {@code bgp:} unknown keys are errors (a typo in {@code md5_pasword} must not silently
 * drop authentication); the announcer-only keys {@code metrics_listen}, {@code announce_delay},
 * {@code listen} and {@code graceful_restart_time} are accepted there.
 */
public final class ConfigLoader
{
    static final String DEFAULT_COUNTERS_DIR = "/dev/shm/levitate";
    static final int DEFAULT_HOLD_SECONDS = 90;
    static final long DEFAULT_CONNECT_RETRY_MILLIS = 1_000;
    static final long DEFAULT_GRACEFUL_SHUTDOWN_MILLIS = 5_000;
    /** Rise time before a (re-)announcement: long enough to ride out a health check flapping once. */
    static final long DEFAULT_ANNOUNCE_DELAY_MILLIS = 2_000;
    static final String DEFAULT_METRICS_LISTEN = "127.0.0.1:9101";

    /** RFC 4271 §8.2.1: the port a BGP speaker listens on. */
    private static final int BGP_PORT = 179;
    private static final Set<String> BGP_KEYS = Set.of("local_as", "router_id", "hold_time", "connect_retry",
        "graceful_shutdown_wait", "med", "communities", "large_communities", "peers", "metrics_listen", "announce_delay",
        "listen", "graceful_restart_time");
    private static final Set<String> PEER_KEYS = Set.of("address", "remote_as", "port", "local_address", "next_hop",
        "next_hop_v6", "md5_password", "passive", "hold_time", "bfd");
    private static final Set<String> BFD_KEYS = Set.of("min_tx", "min_rx", "multiplier");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    /** docs/CONFIG.md "Limits on the file itself". */
    static final int MAX_FILE_BYTES = 4 << 20;
    static final long MIN_CONNECT_RETRY_MILLIS = 100;
    static final long MAX_CONNECT_RETRY_MILLIS = 120_000;
    static final long MAX_GRACEFUL_SHUTDOWN_MILLIS = 600_000;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final String file;

    private ConfigLoader(final String file)
    {
        this.file = file;
    }

    public static AnnouncerConfig load(final Path path) throws ConfigException
    {
        final byte[] bytes;
        try
        {
            bytes = BoundedFiles.readRegularFile(path, MAX_FILE_BYTES);
        }
        catch (final IOException e)
        {
            throw new ConfigException(path.toString(), "cannot read: " + e.getMessage());
        }
        if (bytes.length > MAX_FILE_BYTES)
        {
            throw new ConfigException(path.toString(), 1, 1, "the file is larger than " + MAX_FILE_BYTES + " bytes, the limit");
        }
        final String text;
        try
        {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (final CharacterCodingException e)
        {
            throw new ConfigException(path.toString(), "not UTF-8 text");
        }
        return parse(path, text);
    }

    public static AnnouncerConfig parse(final Path path, final String text) throws ConfigException
    {
        return new ConfigLoader(path.toString()).parseDocument(path, text);
    }

    private AnnouncerConfig parseDocument(final Path path, final String text) throws ConfigException
    {
        final Node root;
        try
        {
            final LoadSettings settings = LoadSettings.builder().setLabel(file).setAllowDuplicateKeys(false)
                .setCodePointLimit(MAX_FILE_BYTES).build();
            root = new Compose(settings).composeReader(Reader.of(text)).orElse(null);
        }
        catch (final MarkedYamlEngineException e)
        {
            final Mark m = e.getProblemMark().orElse(e.getContextMark().orElse(null));
            final String reason = (e.getContext() == null ? "" : e.getContext() + ", ") + e.getProblem();
            if (m != null)
            {
                throw new ConfigException(file, m.getLine() + 1, m.getColumn() + 1, reason);
            }
            throw new ConfigException(file, reason);
        }
        catch (final YamlEngineException e)
        {
            throw new ConfigException(file, e.getMessage());
        }
        if (!(root instanceof MappingNode top))
        {
            throw root == null ? new ConfigException(file, "empty file") : error(root, "the top level must be a mapping");
        }
        final Map<String, Node> topKeys = mapping(top);

        String instanceName = "default";
        String countersDir = DEFAULT_COUNTERS_DIR;
        final Node instance = topKeys.get("instance");
        if (instance != null)
        {
            final Map<String, Node> i = mapping(instance);
            if (i.containsKey("name"))
            {
                instanceName = name(i.get("name"));
            }
            if (i.containsKey("counters_dir"))
            {
                countersDir = string(i.get("counters_dir"));
            }
        }

        final Node bgpNode = topKeys.get("bgp");
        if (bgpNode == null)
        {
            throw error(top, "no 'bgp:' section: the announcer has nothing to do");
        }
        final Map<String, Node> bgp = mapping(bgpNode);
        checkKeys(bgp, BGP_KEYS, "bgp");
        final long localAs = asn(required(bgp, "local_as", bgpNode));
        final Node routerIdNode = required(bgp, "router_id", bgpNode);
        final InetAddress routerId = address(routerIdNode);
        if (!(routerId instanceof Inet4Address) || routerId.isAnyLocalAddress())
        {
            throw error(routerIdNode, "router_id must be a non-zero IPv4 dotted quad");
        }
        final int hold = bgp.containsKey("hold_time") ? holdTime(bgp.get("hold_time")) : DEFAULT_HOLD_SECONDS;
        final long retry = bgp.containsKey("connect_retry") ? millisIn(bgp.get("connect_retry"), MIN_CONNECT_RETRY_MILLIS,
            MAX_CONNECT_RETRY_MILLIS, "connect_retry must be 100ms..120s") : DEFAULT_CONNECT_RETRY_MILLIS;
        final long gshutWait = bgp.containsKey("graceful_shutdown_wait") ? millisIn(bgp.get("graceful_shutdown_wait"), 0,
            MAX_GRACEFUL_SHUTDOWN_MILLIS, "graceful_shutdown_wait must be 0s..10m") : DEFAULT_GRACEFUL_SHUTDOWN_MILLIS;
        final long med = bgp.containsKey("med") ? uint32(bgp.get("med"), "med") : -1;
        final int[] communities = bgp.containsKey("communities") ? communities(bgp.get("communities")) : new int[0];
        final int[] large = bgp.containsKey("large_communities") ? largeCommunities(bgp.get("large_communities")) : new int[0];
        final long announceDelay = bgp.containsKey("announce_delay") ? millis(bgp.get("announce_delay")) :
            DEFAULT_ANNOUNCE_DELAY_MILLIS;
        final InetSocketAddress metrics = bgp.containsKey("metrics_listen") ? hostPort(bgp.get("metrics_listen"), true) :
            parseHostPort(DEFAULT_METRICS_LISTEN);
        final boolean listenSet = bgp.containsKey("listen");
        final InetSocketAddress listen = listenSet ? hostPort(bgp.get("listen"), true) : null;
        final int grTime = bgp.containsKey("graceful_restart_time") ? (int)rangeInt(bgp.get("graceful_restart_time"), 0, 4095,
            "graceful_restart_time (seconds)") : -1;

        final Node peersNode = required(bgp, "peers", bgpNode);
        final List<PeerConfig> peers = new ArrayList<>();
        final Set<InetAddress> seen = new HashSet<>();
        boolean anyPassive = false;
        for (final Node p : sequence(peersNode))
        {
            final PeerConfig peer = peer(p, localAs);
            if (!seen.add(peer.address()))
            {
                throw error(p, "duplicate peer " + peer.name());
            }
            anyPassive |= peer.passive();
            peers.add(peer);
        }
        if (peers.isEmpty())
        {
            throw error(peersNode, "bgp.peers is empty");
        }
        if (listenSet && listen == null && anyPassive)
        {
            throw error(bgp.get("listen"), "listen: off leaves the passive peers no way to connect");
        }
        final InetSocketAddress effectiveListen = listenSet ? listen : defaultListen(peers);

        final List<ServiceConfig> services = new ArrayList<>();
        final Node servicesNode = topKeys.get("services");
        if (servicesNode != null)
        {
            final Set<String> names = new HashSet<>();
            for (final Node s : sequence(servicesNode))
            {
                final ServiceConfig service = service(s);
                if (!names.add(service.name()))
                {
                    throw error(s, "duplicate service name '" + service.name() + "'");
                }
                services.add(service);
            }
        }

        final SpeakerConfig speaker = new SpeakerConfig(localAs, ipv4ToInt(routerId), hold, retry, gshutWait, med,
            communities, large, grTime, effectiveListen, List.copyOf(peers));
        return new AnnouncerConfig(path, instanceName, Path.of(countersDir), speaker, metrics, announceDelay,
            List.copyOf(services));
    }

    /**
     * Without {@code bgp.listen}, the peers may connect to us too (passive open, RFC 4271 §8.2.1),
     * so a router's own retries bring a session back as soon as our address answers again
     * instead of waiting for our backoff: port 179 of the peers' local address when they all
     * have the same one (bound even before the address exists: a bare-metal host's address lives
     * on the forwarder's TAP), else of every address ({@code [::]}, IPv4 too). Collisions with our
     * own connection are resolved by RFC 4271 §6.8. {@code listen: off} turns it off.
     */
    private static InetSocketAddress defaultListen(final List<PeerConfig> peers)
    {
        final Set<InetAddress> locals = new HashSet<>();
        boolean unknown = false;
        for (final PeerConfig p : peers)
        {
            if (p.localAddress() == null)
            {
                unknown = true;
            }
            else
            {
                locals.add(p.localAddress());
            }
        }
        return !unknown && locals.size() == 1 ? new InetSocketAddress(locals.iterator().next(), BGP_PORT)
            : new InetSocketAddress(InetAddress.ofLiteral("::"), BGP_PORT);
    }

    private PeerConfig peer(final Node node, final long localAs) throws ConfigException
    {
        final Map<String, Node> p = mapping(node);
        checkKeys(p, PEER_KEYS, "bgp.peers[]");
        final InetAddress address = address(required(p, "address", node));
        final long remoteAs = asn(required(p, "remote_as", node));
        final int port = p.containsKey("port") ? (int)rangeInt(p.get("port"), 1, 65535, "port") : 179;
        final InetAddress local = p.containsKey("local_address") ? address(p.get("local_address")) : null;
        if (local != null && local.getAddress().length != address.getAddress().length)
        {
            throw error(p.get("local_address"), "local_address must be of the peer address's family");
        }
        final InetAddress nh4 = p.containsKey("next_hop") ? address(p.get("next_hop")) : null;
        if (nh4 != null && !(nh4 instanceof Inet4Address))
        {
            throw error(p.get("next_hop"), "next_hop must be IPv4 (use next_hop_v6 for IPv6 routes)");
        }
        final InetAddress nh6 = p.containsKey("next_hop_v6") ? address(p.get("next_hop_v6")) : null;
        if (nh6 != null && nh6 instanceof Inet4Address)
        {
            throw error(p.get("next_hop_v6"), "next_hop_v6 must be IPv6");
        }
        String md5 = null;
        if (p.containsKey("md5_password"))
        {
            md5 = string(p.get("md5_password"));
            final int bytes = md5.getBytes(StandardCharsets.UTF_8).length;
            if (bytes == 0 || bytes > 80)
            {
                throw error(p.get("md5_password"), "md5_password must be 1..80 bytes (TCP_MD5SIG_MAXKEYLEN)");
            }
        }
        final boolean passive = p.containsKey("passive") && bool(p.get("passive"));
        final int hold = p.containsKey("hold_time") ? holdTime(p.get("hold_time")) : -1;
        final BfdConfig bfd = p.containsKey("bfd") ? bfd(p.get("bfd")) : null;
        return new PeerConfig(address, remoteAs, port, local, nh4, nh6, md5, passive, hold, bfd);
    }

    /** {@code bfd: true} (the defaults), {@code false}, or {@code {min_tx, min_rx, multiplier}}, each optional. */
    private BfdConfig bfd(final Node node) throws ConfigException
    {
        if (node instanceof ScalarNode)
        {
            return bool(node) ? BfdConfig.DEFAULT : null;
        }
        final Map<String, Node> b = mapping(node);
        checkKeys(b, BFD_KEYS, "bgp.peers[].bfd");
        final long tx = b.containsKey("min_tx") ? bfdInterval(b.get("min_tx"), "min_tx") : BfdConfig.DEFAULT.minTxMicros();
        final long rx = b.containsKey("min_rx") ? bfdInterval(b.get("min_rx"), "min_rx") : BfdConfig.DEFAULT.minRxMicros();
        final int mult = b.containsKey("multiplier") ? (int)rangeInt(b.get("multiplier"), 1, BfdConfig.MAX_MULTIPLIER,
            "bfd.multiplier") : BfdConfig.DEFAULT.multiplier();
        return new BfdConfig(tx, rx, mult);
    }

    /** A duration of 10ms..60s, in microseconds (RFC 5880 §4.1 carries microseconds). */
    private long bfdInterval(final Node node, final String key) throws ConfigException
    {
        final long ms = millis(node);
        if (ms * 1000 < BfdConfig.MIN_INTERVAL_MICROS || ms * 1000 > BfdConfig.MAX_INTERVAL_MICROS)
        {
            throw error(node, "bfd." + key + " must be 10ms..60s: '" + scalar(node) + "'");
        }
        return ms * 1000;
    }

    private ServiceConfig service(final Node node) throws ConfigException
    {
        final Map<String, Node> s = mapping(node);
        final String name = name(required(s, "name", node));
        final InetAddress vip = address(required(s, "vip", node));
        final Node portNode = required(s, "port", node);
        final int port = "any".equals(scalar(portNode)) ? 0 : (int)rangeInt(portNode, 1, 65535, "port (1..65535 or any)");
        int protocol = 6;
        if (s.containsKey("protocol"))
        {
            protocol = switch (scalar(s.get("protocol")))
            {
                case "tcp" -> 6;
                case "udp" -> 17;
                default -> throw error(s.get("protocol"), "protocol must be tcp or udp");
            };
        }
        final boolean announce = !s.containsKey("announce") || bool(s.get("announce"));
        return new ServiceConfig(name, vip, port, protocol, announce);
    }

    // ------------------------------------------------------------------ node helpers

    private ConfigException error(final Node node, final String reason)
    {
        final Mark m = node.getStartMark().orElse(null);
        return m == null ? new ConfigException(file, reason) : new ConfigException(file, m.getLine() + 1, m.getColumn() + 1, reason);
    }

    private Map<String, Node> mapping(final Node node) throws ConfigException
    {
        if (!(node instanceof MappingNode m))
        {
            throw error(node, "expected a mapping");
        }
        final Map<String, Node> out = new LinkedHashMap<>();
        for (final NodeTuple t : m.getValue())
        {
            if (!(t.getKeyNode() instanceof ScalarNode k))
            {
                throw error(t.getKeyNode(), "keys must be plain strings");
            }
            out.put(k.getValue(), t.getValueNode());
        }
        return out;
    }

    private void checkKeys(final Map<String, Node> map, final Set<String> allowed, final String where) throws ConfigException
    {
        for (final Map.Entry<String, Node> e : map.entrySet())
        {
            if (!allowed.contains(e.getKey()))
            {
                throw error(e.getValue(), "unknown key '" + e.getKey() + "' in " + where);
            }
        }
    }

    private List<Node> sequence(final Node node) throws ConfigException
    {
        if (!(node instanceof SequenceNode s))
        {
            throw error(node, "expected a list");
        }
        return s.getValue();
    }

    private Node required(final Map<String, Node> map, final String key, final Node parent) throws ConfigException
    {
        final Node n = map.get(key);
        if (n == null)
        {
            throw error(parent, "missing required key '" + key + "'");
        }
        return n;
    }

    private String scalar(final Node node) throws ConfigException
    {
        if (!(node instanceof ScalarNode s))
        {
            throw error(node, "expected a single value");
        }
        return s.getValue().trim();
    }

    private String string(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        if (s.isEmpty())
        {
            throw error(node, "empty value");
        }
        return s;
    }

    private String name(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        if (!NAME.matcher(s).matches())
        {
            throw error(node, "name must match [A-Za-z0-9_.-]{1,64}: '" + s + "'");
        }
        return s;
    }

    private boolean bool(final Node node) throws ConfigException
    {
        return switch (scalar(node))
        {
            case "true" -> true;
            case "false" -> false;
            default -> throw error(node, "expected true or false");
        };
    }

    private long rangeInt(final Node node, final long min, final long max, final String what) throws ConfigException
    {
        final String s = scalar(node);
        try
        {
            final long v = Long.parseLong(s);
            if (v < min || v > max)
            {
                throw error(node, what + " must be " + min + ".." + max + ": " + s);
            }
            return v;
        }
        catch (final NumberFormatException e)
        {
            throw error(node, what + " must be an integer: '" + s + "'");
        }
    }

    private long asn(final Node node) throws ConfigException
    {
        return rangeInt(node, 1, 0xFFFF_FFFFL, "AS number");
    }

    private long uint32(final Node node, final String what) throws ConfigException
    {
        return rangeInt(node, 0, 0xFFFF_FFFFL, what);
    }

    private InetAddress address(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        final InetAddress a;
        try
        {
            // ofLiteral never resolves names: a hostname here is an error, not a DNS lookup.
            a = InetAddress.ofLiteral(s);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(node, "not an IP address: '" + s + "'");
        }
        if (s.indexOf(':') >= 0 && a instanceof Inet4Address)
        {
            throw error(node, "IPv4-mapped IPv6 address: write the IPv4 address: '" + s + "'");
        }
        if (a.isAnyLocalAddress() || a.isMulticastAddress() || "255.255.255.255".equals(s))
        {
            throw error(node, "must be a unicast address: '" + s + "'");
        }
        return a;
    }

    private long millis(final Node node) throws ConfigException
    {
        final String s = scalar(node);
        final Matcher m = DURATION.matcher(s);
        if (!m.matches())
        {
            throw error(node, "expected a duration like 500ms, 3s, 5m: '" + s + "'");
        }
        final long v;
        try
        {
            v = Long.parseLong(m.group(1));
        }
        catch (final NumberFormatException e)
        {
            throw error(node, "duration too large: '" + s + "'");
        }
        final String unit = m.group(2) == null ? "s" : m.group(2);
        final long scale = switch (unit)
        {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        if (v > Long.MAX_VALUE / scale / 2)
        {
            throw error(node, "duration too large: '" + s + "'");
        }
        return v * scale;
    }

    private long millisIn(final Node node, final long min, final long max, final String message) throws ConfigException
    {
        final long v = millis(node);
        if (v < min || v > max)
        {
            throw error(node, message);
        }
        return v;
    }

    private int holdTime(final Node node) throws ConfigException
    {
        final long ms = "0".equals(scalar(node)) ? 0 : millis(node);
        if (ms % 1000 != 0)
        {
            throw error(node, "hold_time is whole seconds on the wire (RFC 4271 §4.2)");
        }
        final long s = ms / 1000;
        if (s != 0 && (s < 3 || s > 65535))
        {
            throw error(node, "hold_time must be 0 or 3s..65535s (RFC 4271 §4.2)");
        }
        return (int)s;
    }

    private int[] communities(final Node node) throws ConfigException
    {
        final List<Node> items = sequence(node);
        final int[] out = new int[items.size()];
        for (int i = 0; i < out.length; i++)
        {
            final String[] parts = scalar(items.get(i)).split(":", -1);
            if (parts.length != 2)
            {
                throw error(items.get(i), "a community is ASN:VALUE, each 0..65535");
            }
            out[i] = (int)((part(items.get(i), parts[0], 0xFFFF) << 16) | part(items.get(i), parts[1], 0xFFFF));
        }
        return out;
    }

    private int[] largeCommunities(final Node node) throws ConfigException
    {
        final List<Node> items = sequence(node);
        final int[] out = new int[3 * items.size()];
        for (int i = 0; i < items.size(); i++)
        {
            final String[] parts = scalar(items.get(i)).split(":", -1);
            if (parts.length != 3)
            {
                throw error(items.get(i), "a large community is GLOBAL:LOCAL1:LOCAL2, each 0..4294967295 (RFC 8092)");
            }
            for (int j = 0; j < 3; j++)
            {
                out[3 * i + j] = (int)part(items.get(i), parts[j], 0xFFFF_FFFFL);
            }
        }
        return out;
    }

    private long part(final Node node, final String s, final long max) throws ConfigException
    {
        try
        {
            final long v = Long.parseLong(s);
            if (v < 0 || v > max)
            {
                throw error(node, "community part out of range 0.." + max + ": " + s);
            }
            return v;
        }
        catch (final NumberFormatException e)
        {
            throw error(node, "community part is not a number: '" + s + "'");
        }
    }

    private InetSocketAddress hostPort(final Node node, final boolean allowOff) throws ConfigException
    {
        final String s = scalar(node);
        if (allowOff && "off".equals(s))
        {
            return null;
        }
        try
        {
            return parseHostPort(s);
        }
        catch (final IllegalArgumentException e)
        {
            throw error(node, "expected ADDRESS:PORT or [IPv6]:PORT" + (allowOff ? " or off" : "") + ": '" + s + "'");
        }
    }

    static InetSocketAddress parseHostPort(final String s)
    {
        final int colon = s.lastIndexOf(':');
        if (colon <= 0)
        {
            throw new IllegalArgumentException(s);
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(s.substring(colon + 1));
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException(s);
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException(s);
        }
        return new InetSocketAddress(InetAddress.ofLiteral(host), port);
    }

    private static int ipv4ToInt(final InetAddress a)
    {
        final byte[] b = a.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }
}
