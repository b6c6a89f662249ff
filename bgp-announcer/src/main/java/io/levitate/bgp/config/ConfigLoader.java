package io.levitate.bgp.config;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.bfd.BfdConfig;
import io.levitate.core.config.BfdSettings;
import io.levitate.core.config.BgpBinder;
import io.levitate.core.config.BgpConfig;
import io.levitate.core.config.BgpPeerConfig;
import io.levitate.core.config.ConfigLimits;
import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.MappingView;
import io.levitate.core.config.ServiceAddressBinder;
import io.levitate.core.config.Values;
import io.levitate.core.config.YamlSource;
import io.levitate.core.runtime.BoundedFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the announcer's part of the shared config file (docs/CONFIG.md): {@code instance.name},
 * {@code instance.counters_dir}, {@code bgp:} and {@code services[].{name, vip, port, protocol,
 * announce}}. Everything else belongs to the forwarder and is not looked at here
 * ({@code levitate check} checks it).
 *
 * <p>Every step is core's, the one the forwarder's {@code levitate check} runs: the file is read and
 * composed by {@link YamlSource} (regular files only, 4 MiB, strict UTF-8, nesting and alias
 * expansion bounded, no YAML tags), {@code bgp:} is bound by {@link BgpBinder}, the services' keys
 * by {@link ServiceAddressBinder}, the instance's by {@link Values}. So the announcer accepts what
 * {@code check} accepts of these keys, means the same by them, and refuses the rest with the same
 * errors in the same words: all of them, {@code FILE:LINE:COL: reason} in file order, in a
 * {@link ConfigException}. This class only maps the binders' values onto the speaker's
 * {@link SpeakerConfig} and the announcer's {@link ServiceConfig}.
 */
public final class ConfigLoader {
    static final String DEFAULT_COUNTERS_DIR = "/dev/shm/levitate";
    /** docs/CONFIG.md "Limits on the file itself", core's. */
    static final int MAX_FILE_BYTES = ConfigLimits.MAX_FILE_BYTES;

    // The schemas are core's binders'; named here too for dist's ConfigDocTest, which reads every
    // parser's key lists.
    private static final List<String> BGP_KEYS = BgpBinder.BGP_KEYS;
    private static final List<String> PEER_KEYS = BgpBinder.PEER_KEYS;
    private static final List<String> BFD_KEYS = BgpBinder.BFD_KEYS;
    private static final List<String> SERVICE_KEYS = ServiceAddressBinder.KEYS;

    private ConfigLoader() {}

    public static AnnouncerConfig load(final Path path) throws ConfigException {
        final byte[] bytes;
        try {
            bytes = BoundedFiles.readRegularFile(path, MAX_FILE_BYTES);
        } catch (final NoSuchFileException e) {
            throw new ConfigException("cannot read " + path + ": no such file");
        } catch (final IOException e) {
            throw new ConfigException("cannot read " + path + ": " + e.getMessage());
        }
        final ErrorSink sink = new ErrorSink(path.toString());
        final String text = YamlSource.decode(bytes, sink);
        if (text == null) {
            throw new ConfigException(sink.sorted());
        }
        return parse(path, text);
    }

    public static AnnouncerConfig parse(final Path path, final String text) throws ConfigException {
        final ErrorSink sink = new ErrorSink(path.toString());
        final Node root = YamlSource.compose(text, sink, "the file is empty; expected a mapping with bgp");
        if (root == null) {
            throw new ConfigException(sink.sorted());
        }
        AnnouncerConfig config;
        try {
            config = bind(path, root, sink);
        } catch (final ErrorSink.TooMuchWork tooMuch) {
            sink.tooMuchWork(tooMuch);
            config = null;
        }
        if (config == null || !sink.isEmpty()) {
            throw new ConfigException(sink.sorted());
        }
        return config;
    }

    /** The announcer's keys, each section checked even when another has errors; null after any. */
    private static AnnouncerConfig bind(final Path path, final Node root, final ErrorSink sink) {
        // The top level and instance hold the forwarder's keys too: read partially.
        final MappingView top = MappingView.partial(sink, root, null, "");
        if (top == null) {
            return null;
        }

        // instance.name and counters_dir by core's rules, the forwarder's: the announcer finds the
        // forwarder's counters file by them.
        String instanceName = "default";
        Path countersDir = Path.of(DEFAULT_COUNTERS_DIR);
        final Node instanceNode = top.get("instance");
        final MappingView instance = instanceNode == null
                ? null
                : MappingView.partial(sink, instanceNode, top.keyNode("instance"), "instance");
        if (instance != null && instance.get("name") != null) {
            instanceName = Values.name(sink, instance.get("name"), instance.child("name"));
        }
        if (instance != null && instance.get("counters_dir") != null) {
            countersDir = Values.absolutePath(sink, instance.get("counters_dir"), instance.child("counters_dir"));
        }

        final Node bgpNode = top.require("bgp");
        final BgpConfig bgp = bgpNode == null ? null : new BgpBinder(sink).bind(bgpNode, top.keyNode("bgp"));

        final List<ServiceConfig> services = new ArrayList<>();
        final Node servicesNode = top.get("services");
        final List<Node> items = servicesNode == null ? List.of() : Values.list(sink, servicesNode, "services");
        final ServiceAddressBinder addresses = new ServiceAddressBinder(sink);
        for (int i = 0; items != null && i < items.size(); i++) {
            // The forwarder's keys of a service (backends, tables, health checks) are skipped.
            final MappingView s = MappingView.partial(sink, items.get(i), null, "services[" + i + "]");
            final ServiceAddressBinder.ServiceAddress a = s == null ? null : addresses.bind(s);
            if (a != null && a.complete()) {
                services.add(new ServiceConfig(a.name(), a.vip(), a.port(), a.protocol(), a.announce()));
            }
        }
        if (!sink.isEmpty() || bgp == null || instanceName == null || countersDir == null) {
            return null;
        }
        return new AnnouncerConfig(
                path,
                instanceName,
                countersDir,
                speaker(bgp),
                bgp.metricsListen(),
                bgp.announceDelay().toMillis(),
                List.copyOf(services));
    }

    /** The binder's section as the speaker takes it: seconds, milliseconds, microseconds and ints. */
    private static SpeakerConfig speaker(final BgpConfig bgp) {
        final List<PeerConfig> peers = new ArrayList<>();
        for (final BgpPeerConfig p : bgp.peers()) {
            peers.add(new PeerConfig(
                    p.address(),
                    p.remoteAs(),
                    p.port(),
                    p.localAddress(),
                    p.nextHop(),
                    p.nextHopV6(),
                    p.md5Password(),
                    p.passive(),
                    p.holdTime() == null ? -1 : (int) p.holdTime().toSeconds(),
                    bfd(p.bfd())));
        }
        final int[] communities = new int[bgp.communities().size()];
        for (int i = 0; i < communities.length; i++) {
            final String[] parts = bgp.communities().get(i).split(":");
            communities[i] = (Integer.parseInt(parts[0]) << 16) | Integer.parseInt(parts[1]);
        }
        final int[] large = new int[3 * bgp.largeCommunities().size()];
        for (int i = 0; i < bgp.largeCommunities().size(); i++) {
            final String[] parts = bgp.largeCommunities().get(i).split(":");
            for (int j = 0; j < 3; j++) {
                large[3 * i + j] = (int) Long.parseLong(parts[j]);
            }
        }
        return new SpeakerConfig(
                bgp.localAs(),
                ipv4ToInt(bgp.routerId()),
                (int) bgp.holdTime().toSeconds(),
                bgp.connectRetry().toMillis(),
                bgp.gracefulShutdownWait().toMillis(),
                bgp.med(),
                communities,
                large,
                bgp.gracefulRestartTime(),
                bgp.listen(),
                List.copyOf(peers));
    }

    private static BfdConfig bfd(final BfdSettings settings) {
        return settings == null
                ? null
                : new BfdConfig(
                        settings.minTx().toNanos() / 1000, settings.minRx().toNanos() / 1000, settings.multiplier());
    }

    private static int ipv4ToInt(final InetAddress a) {
        final byte[] b = a.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }
}
