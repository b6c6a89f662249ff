package io.levitate.bgp.config;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.bfd.BfdConfig;
import io.levitate.core.config.BfdSettings;
import io.levitate.core.config.BgpBinder;
import io.levitate.core.config.BgpConfig;
import io.levitate.core.config.BgpPeerConfig;
import io.levitate.core.config.ConfigError;
import io.levitate.core.config.ConfigLimits;
import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.Values;
import io.levitate.core.config.YamlSource;
import io.levitate.core.runtime.BoundedFiles;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the announcer's part of the shared config file (docs/CONFIG.md): {@code instance.name},
 * {@code instance.counters_dir}, {@code bgp:} and {@code services[].{name, vip, port, protocol,
 * announce}}. Everything else belongs to the forwarder and is not looked at. Every error names the
 * file, line and column of the offending value.
 *
 * <p>The file is read and composed by core's {@link YamlSource} (the forwarder's limits: regular
 * files only, 4 MiB, strict UTF-8, nesting and alias expansion bounded, no YAML tags), and the
 * {@code bgp:} section is bound by core's {@link BgpBinder}, the binder {@code levitate check} runs,
 * so both processes accept the same section and mean the same by it; this class maps the binder's
 * {@link BgpConfig} onto the speaker's {@link SpeakerConfig}; {@code instance.name} and
 * {@code counters_dir} follow core's rules too. What remains the announcer's own is the subset of
 * {@code services[]} it reads and the wording of its errors ({@link BgpWording}, {@link Nodes}).
 */
public final class ConfigLoader
{
    static final String DEFAULT_COUNTERS_DIR = "/dev/shm/levitate";
    /** docs/CONFIG.md "Limits on the file itself", core's. */
    static final int MAX_FILE_BYTES = ConfigLimits.MAX_FILE_BYTES;

    // The bgp section's schema is core's BgpBinder; named here too for dist's ConfigDocTest, which
    // reads every parser's key lists.
    private static final List<String> BGP_KEYS = BgpBinder.BGP_KEYS;
    private static final List<String> PEER_KEYS = BgpBinder.PEER_KEYS;
    private static final List<String> BFD_KEYS = BgpBinder.BFD_KEYS;

    private final Nodes n;

    private ConfigLoader(final String file)
    {
        this.n = new Nodes(file);
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
        final ErrorSink sink = new ErrorSink(path.toString());
        final String text = YamlSource.decode(bytes, sink);
        if (text == null)
        {
            throw first(sink);
        }
        return parse(path, text);
    }

    public static AnnouncerConfig parse(final Path path, final String text) throws ConfigException
    {
        return new ConfigLoader(path.toString()).parseDocument(path, text);
    }

    private AnnouncerConfig parseDocument(final Path path, final String text) throws ConfigException
    {
        final ErrorSink sink = new ErrorSink(n.file);
        final Node root = YamlSource.compose(text, sink, "the file is empty; the announcer needs its bgp: section");
        if (root == null)
        {
            throw first(sink);
        }
        if (!(root instanceof MappingNode top))
        {
            throw n.error(root, "the top level must be a mapping");
        }
        final Map<String, Node> topKeys = n.mapping(top);

        // instance.name and counters_dir by core's rules, the forwarder's: the announcer finds the
        // forwarder's counters file by them.
        String instanceName = "default";
        Path countersDir = Path.of(DEFAULT_COUNTERS_DIR);
        final Node instance = topKeys.get("instance");
        if (instance != null)
        {
            final Map<String, Node> i = n.mapping(instance);
            final ErrorSink instanceSink = new ErrorSink(n.file);
            if (i.containsKey("name"))
            {
                instanceName = Values.name(instanceSink, i.get("name"), "instance.name");
            }
            if (i.containsKey("counters_dir"))
            {
                countersDir = Values.absolutePath(instanceSink, i.get("counters_dir"), "instance.counters_dir");
            }
            if (!instanceSink.isEmpty())
            {
                throw first(instanceSink);
            }
        }

        final Node bgpNode = topKeys.get("bgp");
        if (bgpNode == null)
        {
            throw n.error(top, "no 'bgp:' section: the announcer has nothing to do");
        }
        final BgpConfig bgp = bgp(bgpNode, keyNode(top, "bgp"));

        final List<ServiceConfig> services = new ArrayList<>();
        final Node servicesNode = topKeys.get("services");
        if (servicesNode != null)
        {
            final Set<String> names = new HashSet<>();
            for (final Node s : n.sequence(servicesNode))
            {
                final ServiceConfig service = service(s);
                if (!names.add(service.name()))
                {
                    throw n.error(s, "duplicate service name '" + service.name() + "'");
                }
                services.add(service);
            }
        }
        return new AnnouncerConfig(path, instanceName, countersDir, speaker(bgp), bgp.metricsListen(),
            bgp.announceDelay().toMillis(), List.copyOf(services));
    }

    /**
     * The section as core's binder reads it. When the binder refuses it, the first mistake in the
     * announcer's wording, else the binder's first error.
     */
    private BgpConfig bgp(final Node node, final Node owner) throws ConfigException
    {
        final ErrorSink sink = new ErrorSink(n.file);
        final BgpConfig bgp;
        try
        {
            bgp = new BgpBinder(sink).bind(node, owner);
        }
        catch (final ErrorSink.TooMuchWork tooMuch)
        {
            throw n.error(tooMuch.at, "the document expands to more than " + ConfigLimits.MAX_VISITED_NODES
                + " nodes through aliases; refusing it");
        }
        if (bgp == null || !sink.isEmpty())
        {
            BgpWording.check(n, node);
            throw first(sink);
        }
        return bgp;
    }

    /** The binder's section as the speaker takes it: seconds, milliseconds, microseconds and ints. */
    private static SpeakerConfig speaker(final BgpConfig bgp)
    {
        final List<PeerConfig> peers = new ArrayList<>();
        for (final BgpPeerConfig p : bgp.peers())
        {
            peers.add(new PeerConfig(p.address(), p.remoteAs(), p.port(), p.localAddress(), p.nextHop(), p.nextHopV6(),
                p.md5Password(), p.passive(), p.holdTime() == null ? -1 : (int)p.holdTime().toSeconds(), bfd(p.bfd())));
        }
        final int[] communities = new int[bgp.communities().size()];
        for (int i = 0; i < communities.length; i++)
        {
            final String[] parts = bgp.communities().get(i).split(":");
            communities[i] = (Integer.parseInt(parts[0]) << 16) | Integer.parseInt(parts[1]);
        }
        final int[] large = new int[3 * bgp.largeCommunities().size()];
        for (int i = 0; i < bgp.largeCommunities().size(); i++)
        {
            final String[] parts = bgp.largeCommunities().get(i).split(":");
            for (int j = 0; j < 3; j++)
            {
                large[3 * i + j] = (int)Long.parseLong(parts[j]);
            }
        }
        return new SpeakerConfig(bgp.localAs(), ipv4ToInt(bgp.routerId()), (int)bgp.holdTime().toSeconds(),
            bgp.connectRetry().toMillis(), bgp.gracefulShutdownWait().toMillis(), bgp.med(), communities, large,
            bgp.gracefulRestartTime(), bgp.listen(), List.copyOf(peers));
    }

    private static BfdConfig bfd(final BfdSettings settings)
    {
        return settings == null ? null : new BfdConfig(settings.minTx().toNanos() / 1000, settings.minRx().toNanos() / 1000,
            settings.multiplier());
    }

    private ServiceConfig service(final Node node) throws ConfigException
    {
        final Map<String, Node> s = n.mapping(node);
        final String name = n.name(n.required(s, "name", node));
        final InetAddress vip = n.address(n.required(s, "vip", node));
        final Node portNode = n.required(s, "port", node);
        final int port = "any".equals(n.scalar(portNode)) ? 0 : (int)n.rangeInt(portNode, 1, 65535, "port (1..65535 or any)");
        int protocol = 6;
        if (s.containsKey("protocol"))
        {
            protocol = switch (n.scalar(s.get("protocol")))
            {
                case "tcp" -> 6;
                case "udp" -> 17;
                default -> throw n.error(s.get("protocol"), "protocol must be tcp or udp");
            };
        }
        final boolean announce = !s.containsKey("announce") || n.bool(s.get("announce"));
        return new ServiceConfig(name, vip, port, protocol, announce);
    }

    /** The key node of {@code key} in a mapping (errors about a missing key inside it point there). */
    private static Node keyNode(final MappingNode mapping, final String key)
    {
        for (final NodeTuple t : mapping.getValue())
        {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key))
            {
                return t.getKeyNode();
            }
        }
        return null;
    }

    /** The first of the sink's errors, in file order, as the exception the announcer reports. */
    private static ConfigException first(final ErrorSink sink)
    {
        final ConfigError e = sink.sorted().get(0);
        return new ConfigException(e.file(), e.line(), e.column(), e.reason());
    }

    private static int ipv4ToInt(final InetAddress a)
    {
        final byte[] b = a.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }
}
