package io.levitate.core.config;

import io.levitate.core.config.Values.Family;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * The schema of the {@code bgp:} section ({@code docs/CONFIG.md}) and its binder, one for both
 * processes: the forwarder's {@code ConfigBuilder} calls it so that {@code levitate check} refuses
 * what the announcer would, and the announcer's {@code ConfigLoader} takes its values from it.
 * Every problem goes to the {@link ErrorSink} at the key or value it is about; the section is
 * checked to the end, so one run lists every mistake.
 */
public final class BgpBinder {
    /** The keys of {@code bgp:}; {@code metrics_listen} and the three after it only the announcer uses. */
    public static final List<String> BGP_KEYS = List.of(
            "local_as",
            "router_id",
            "hold_time",
            "connect_retry",
            "graceful_shutdown_wait",
            "med",
            "communities",
            "large_communities",
            "peers",
            "metrics_listen",
            "announce_delay",
            "listen",
            "graceful_restart_time");

    public static final List<String> PEER_KEYS = List.of(
            "address",
            "remote_as",
            "port",
            "local_address",
            "next_hop",
            "next_hop_v6",
            "md5_password",
            "passive",
            "hold_time",
            "bfd");
    public static final List<String> BFD_KEYS = List.of("min_tx", "min_rx", "multiplier");

    private static final Pattern COMMUNITY = Pattern.compile("([0-9]{1,10}):([0-9]{1,10})");
    private static final Pattern LARGE_COMMUNITY = Pattern.compile("([0-9]{1,10}):([0-9]{1,10}):([0-9]{1,10})");
    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    private final ErrorSink sink;

    public BgpBinder(final ErrorSink sink) {
        this.sink = sink;
    }

    /**
     * The section, or null when anything in it was reported.
     *
     * @param node  the value of {@code bgp}
     * @param owner the {@code bgp} key ("missing key" errors point there)
     */
    public BgpConfig bind(final Node node, final Node owner) {
        final int errorsBefore = sink.count();
        final MappingView m = MappingView.of(sink, node, owner, "bgp", BGP_KEYS);
        if (m == null) {
            return null;
        }
        final Node asNode = m.require("local_as");
        final Long localAs = asNode == null ? null : Values.integer(sink, asNode, m.child("local_as"), 1L, UINT32_MAX);
        final Node idNode = m.require("router_id");
        final InetAddress routerId =
                idNode == null ? null : Values.unicast(sink, idNode, m.child("router_id"), Family.IPV4);
        final Duration hold =
                m.get("hold_time") == null ? BgpDefaults.HOLD_TIME : holdTime(m.get("hold_time"), m.child("hold_time"));
        final Duration retry = m.optionalDuration(
                "connect_retry",
                BgpDefaults.MIN_CONNECT_RETRY,
                BgpDefaults.MAX_CONNECT_RETRY,
                BgpDefaults.CONNECT_RETRY);
        final Duration gshut = m.optionalDuration(
                "graceful_shutdown_wait",
                Duration.ZERO,
                BgpDefaults.MAX_GRACEFUL_SHUTDOWN_WAIT,
                BgpDefaults.GRACEFUL_SHUTDOWN_WAIT);
        final Long med = m.get("med") == null
                ? Long.valueOf(-1)
                : Values.integer(sink, m.get("med"), m.child("med"), 0L, UINT32_MAX);
        final List<String> communities = communities(m.get("communities"), m.child("communities"), false);
        final List<String> large = communities(m.get("large_communities"), m.child("large_communities"), true);
        final Node peersNode = m.require("peers");
        final List<BgpPeerConfig> peers = peersNode == null ? List.of() : peers(peersNode, m.child("peers"));
        final Duration announceDelay = m.optionalDuration(
                "announce_delay", Duration.ZERO, BgpDefaults.MAX_ANNOUNCE_DELAY, BgpDefaults.ANNOUNCE_DELAY);
        final Integer grTime = m.optionalInt("graceful_restart_time", 0, BgpDefaults.MAX_GRACEFUL_RESTART_TIME, -1);
        final InetSocketAddress[] metrics = {Values.parseListen(BgpDefaults.METRICS_LISTEN)};
        final boolean metricsOk = listenAddress(m.get("metrics_listen"), m.child("metrics_listen"), metrics);
        final InetSocketAddress[] listen = {null};
        final boolean listenOk = listenAddress(m.get("listen"), m.child("listen"), listen);
        if (m.get("listen") != null
                && listenOk
                && listen[0] == null
                && peers.stream().anyMatch(BgpPeerConfig::passive)) {
            sink.at(m.get("listen"), m.child("listen") + ": off leaves the passive peers no way to connect");
        }
        if (localAs == null
                || routerId == null
                || hold == null
                || retry == null
                || gshut == null
                || med == null
                || communities == null
                || large == null
                || announceDelay == null
                || grTime == null
                || !metricsOk
                || !listenOk
                || sink.count() != errorsBefore) {
            return null;
        }
        return new BgpConfig(
                localAs,
                (Inet4Address) routerId,
                hold,
                retry,
                gshut,
                med,
                communities,
                large,
                peers,
                announceDelay,
                metrics[0],
                m.get("listen") != null ? listen[0] : defaultListen(peers),
                grTime);
    }

    /**
     * Without {@code bgp.listen}, the peers may connect to us too (passive open, RFC 4271 section
     * 8.2.1), so a router's own retries bring a session back as soon as our address answers again
     * instead of waiting for our backoff: port 179 of the peers' local address when they all have
     * the same one (bound even before the address exists: a bare-metal host's address lives on the
     * forwarder's TAP), else of every address ({@code [::]}, IPv4 too). Collisions with our own
     * connection are resolved by RFC 4271 section 6.8. {@code listen: off} turns it off.
     */
    static InetSocketAddress defaultListen(final List<BgpPeerConfig> peers) {
        final Set<InetAddress> locals = new HashSet<>();
        boolean unknown = false;
        for (final BgpPeerConfig p : peers) {
            if (p.localAddress() == null) {
                unknown = true;
            } else {
                locals.add(p.localAddress());
            }
        }
        return !unknown && locals.size() == 1
                ? new InetSocketAddress(locals.iterator().next(), BgpDefaults.PORT)
                : new InetSocketAddress(InetAddress.ofLiteral("::"), BgpDefaults.PORT);
    }

    /**
     * An optional {@code ADDRESS:PORT} or {@code off}: true when absent or valid, with the address
     * (null for {@code off}) in {@code out[0]}; false after an error.
     */
    private boolean listenAddress(final Node node, final String path, final InetSocketAddress[] out) {
        if (node == null) {
            return true;
        }
        final String text = Values.string(sink, node, path);
        if (text == null) {
            return false;
        }
        if ("off".equals(text)) {
            out[0] = null;
            return true;
        }
        final InetSocketAddress address = Values.parseListen(text);
        if (address == null) {
            sink.at(node, path + ": '" + Values.shorten(text) + "' is not ADDRESS:PORT with an IP address");
            return false;
        }
        out[0] = address;
        return true;
    }

    /** 0, or 3..65535 whole seconds (RFC 4271 section 4.2). */
    private Duration holdTime(final Node node, final String path) {
        final Duration d = Values.duration(sink, node, path, Duration.ZERO, BgpDefaults.MAX_HOLD_TIME);
        if (d == null) {
            return null;
        }
        if (d.toMillis() % 1000 != 0 || (!d.isZero() && d.compareTo(BgpDefaults.MIN_HOLD_TIME) < 0)) {
            sink.at(
                    node,
                    path + ": must be 0 or 3s..65535s in whole seconds (RFC 4271), got " + Values.formatDuration(d));
            return null;
        }
        return d;
    }

    private List<String> communities(final Node node, final String path, final boolean large) {
        if (node == null) {
            return List.of();
        }
        final List<Node> items = Values.list(sink, node, path);
        if (items == null) {
            return null;
        }
        final List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            final String itemPath = path + "[" + i + "]";
            final String text = Values.string(sink, items.get(i), itemPath);
            if (text == null) {
                ok = false;
                continue;
            }
            final Matcher c = (large ? LARGE_COMMUNITY : COMMUNITY).matcher(text);
            final long max = large ? UINT32_MAX : 0xFFFF;
            boolean valid = c.matches();
            for (int g = 1; valid && g <= c.groupCount(); g++) {
                valid = Long.parseLong(c.group(g)) <= max;
            }
            if (!valid) {
                sink.at(
                        items.get(i),
                        itemPath + ": '" + Values.shorten(text) + "' is not a "
                                + (large
                                        ? "large community A:B:C with each part 0..4294967295"
                                        : "community A:B with A and B 0..65535"));
                ok = false;
                continue;
            }
            out.add(text);
        }
        return ok ? out : null;
    }

    private List<BgpPeerConfig> peers(final Node node, final String path) {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null) {
            return List.of();
        }
        if (items.isEmpty()) {
            sink.at(node, path + ": at least one peer is required");
        }
        final List<BgpPeerConfig> peers = new ArrayList<>();
        final Map<InetAddress, Node> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            final String itemPath = path + "[" + i + "]";
            final MappingView p = MappingView.of(sink, items.get(i), null, itemPath, PEER_KEYS);
            if (p == null) {
                continue;
            }
            final Node addressNode = p.require("address");
            final InetAddress address =
                    addressNode == null ? null : Values.unicast(sink, addressNode, p.child("address"), Family.ANY);
            if (address != null) {
                final Node first = seen.putIfAbsent(address, addressNode);
                if (first != null) {
                    sink.at(
                            addressNode,
                            p.child("address") + ": peer " + Addresses.format(address)
                                    + " is listed twice (first at line " + Values.line(first) + ")");
                }
            }
            final Node asNode = p.require("remote_as");
            final Long remoteAs =
                    asNode == null ? null : Values.integer(sink, asNode, p.child("remote_as"), 1L, UINT32_MAX);
            final Integer port = p.optionalInt("port", 1, 0xFFFF, BgpDefaults.PORT);
            InetAddress local = null;
            if (p.get("local_address") != null) {
                local = Values.unicast(sink, p.get("local_address"), p.child("local_address"), Family.ANY);
                if (local != null
                        && address != null
                        && (local instanceof Inet4Address) != (address instanceof Inet4Address)) {
                    sink.at(
                            p.get("local_address"),
                            p.child("local_address") + ": " + Addresses.family(local) + " source for an "
                                    + Addresses.family(address) + " peer; use an address of the peer's family");
                }
            }
            final InetAddress nextHop = p.get("next_hop") == null
                    ? null
                    : Values.unicast(sink, p.get("next_hop"), p.child("next_hop"), Family.IPV4);
            final InetAddress nextHopV6 = p.get("next_hop_v6") == null
                    ? null
                    : Values.unicast(sink, p.get("next_hop_v6"), p.child("next_hop_v6"), Family.IPV6);
            String md5 = null;
            if (p.get("md5_password") != null) {
                md5 = Values.string(sink, p.get("md5_password"), p.child("md5_password"));
                if (md5 != null) {
                    final int bytes = md5.getBytes(StandardCharsets.UTF_8).length;
                    if (bytes == 0 || bytes > BgpDefaults.MAX_MD5_PASSWORD_BYTES) {
                        // The key itself is never echoed.
                        sink.at(
                                p.get("md5_password"),
                                p.child("md5_password") + ": must be 1.." + BgpDefaults.MAX_MD5_PASSWORD_BYTES
                                        + " bytes (RFC 2385, Linux TCP_MD5SIG), got " + bytes);
                    }
                }
            }
            final Boolean passive = p.optionalBool("passive", false);
            final Duration hold =
                    p.get("hold_time") == null ? null : holdTime(p.get("hold_time"), p.child("hold_time"));
            final BfdSettings bfd = p.get("bfd") == null ? null : bfd(p.get("bfd"), p.child("bfd"));
            if (address != null && remoteAs != null && port != null && passive != null) {
                peers.add(new BgpPeerConfig(
                        address,
                        remoteAs,
                        port,
                        local,
                        (Inet4Address) nextHop,
                        (Inet6Address) nextHopV6,
                        md5,
                        passive,
                        hold,
                        bfd));
            }
        }
        return peers;
    }

    /**
     * {@code bfd: true|false} or {@code {min_tx, min_rx, multiplier}}, each key optional: the
     * settings, null for {@code false} (or after an error, which the sink holds).
     */
    private BfdSettings bfd(final Node node, final String path) {
        if (node instanceof ScalarNode) {
            final Boolean on = Values.bool(sink, node, path);
            return Boolean.TRUE.equals(on) ? BfdSettings.DEFAULT : null;
        }
        final MappingView b = MappingView.of(sink, node, null, path, BFD_KEYS);
        if (b == null) {
            return null;
        }
        final Duration tx = b.optionalDuration(
                "min_tx", BfdSettings.MIN_INTERVAL, BfdSettings.MAX_INTERVAL, BfdSettings.DEFAULT.minTx());
        final Duration rx = b.optionalDuration(
                "min_rx", BfdSettings.MIN_INTERVAL, BfdSettings.MAX_INTERVAL, BfdSettings.DEFAULT.minRx());
        final Integer multiplier =
                b.optionalInt("multiplier", 1, BfdSettings.MAX_MULTIPLIER, BfdSettings.DEFAULT.multiplier());
        return tx == null || rx == null || multiplier == null ? null : new BfdSettings(tx, rx, multiplier);
    }
}
