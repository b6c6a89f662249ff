package io.levitate.forwarder.config;

import io.levitate.core.config.Addresses;
import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.MappingView;
import io.levitate.core.config.Values;
import io.levitate.core.config.Values.Family;
import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.MemoryMode;
import io.levitate.forwarder.PortSpec;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The {@code instance:} section: the forwarder's identity, ports, cores, memory, our addresses and
 * gateways, neighbour handling and the exception path. {@link ConfigBuilder} runs it first; the
 * services' rules that relate a VIP or a backend to our addresses and gateways read
 * {@link #addresses()} and {@link #gateways()} afterwards.
 */
final class InstanceBinder {
    static final List<String> INSTANCE_KEYS = List.of(
            "name",
            "counters_dir",
            "ports",
            "workers",
            "cores",
            "main_core",
            "hugepages",
            "memory_mb",
            "mbufs",
            "addresses",
            "gateways",
            "gre_source_prefix",
            "health_prefix",
            "idle",
            "exception_path",
            "exception_interface",
            "exception_rate",
            "neighbours",
            "stop_grace");
    static final List<String> PORT_KEYS = List.of("device", "mtu");
    private static final List<String> FAMILY_KEYS = List.of("ipv4", "ipv6");
    private static final List<String> GATEWAY_KEYS = List.of("ipv4", "ipv6", "ipv4_mac", "ipv6_mac");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");

    private final ErrorSink sink;

    /** Our addresses and gateways as far as they were valid; null when that part had errors. */
    private AddressPair ourAddresses;

    private AddressPair gatewayAddresses;

    InstanceBinder(final ErrorSink sink) {
        this.sink = sink;
    }

    /** {@code instance.addresses} once bound, or null when it had errors. */
    AddressPair addresses() {
        return ourAddresses;
    }

    /** {@code instance.gateways} once bound, or null when it had errors. */
    AddressPair gateways() {
        return gatewayAddresses;
    }

    InstanceConfig bind(final Node node, final Node owner) {
        final MappingView m = MappingView.of(sink, node, owner, "instance", INSTANCE_KEYS);
        if (m == null) {
            return null;
        }
        final Node nameNode = m.require("name");
        final String name = nameNode == null ? null : Values.name(sink, nameNode, m.child("name"));
        Path countersDir = Path.of(ConfigDefaults.COUNTERS_DIR);
        if (m.get("counters_dir") != null) {
            final Path p = Values.absolutePath(sink, m.get("counters_dir"), m.child("counters_dir"));
            countersDir = p != null ? p : countersDir;
        }
        final Node portsNode = m.require("ports");
        final List<PortConfig> ports = portsNode == null ? List.of() : ports(portsNode, m.child("ports"));
        final Integer workers = m.optionalInt("workers", 1, ConfigDefaults.MAX_WORKERS, ConfigDefaults.WORKERS);
        final List<Integer> cores =
                m.get("cores") == null ? List.of() : cores(m.get("cores"), m.child("cores"), workers);
        final Integer mainCore = m.optionalInt("main_core", 0, ConfigDefaults.MAX_CPU, ConfigDefaults.MAIN_CORE);
        MemoryMode hugepages = MemoryMode.AUTO;
        if (m.get("hugepages") != null) {
            final int w = Values.word(sink, m.get("hugepages"), m.child("hugepages"), List.of("auto", "yes", "no"));
            hugepages = w == 1 ? MemoryMode.HUGEPAGES : w == 2 ? MemoryMode.NO_HUGE : MemoryMode.AUTO;
        }
        final Integer memoryMb = m.optionalInt(
                "memory_mb", ConfigDefaults.MIN_MEMORY_MB, ConfigDefaults.MAX_MEMORY_MB, ConfigDefaults.MEMORY_MB);
        final Integer mbufs = m.optionalInt("mbufs", ConfigDefaults.MIN_MBUFS, ConfigDefaults.MAX_MBUFS, 0);
        IdleMode idle = IdleMode.BUSY_SPIN;
        if (m.get("idle") != null) {
            final int w = Values.word(sink, m.get("idle"), m.child("idle"), List.of("busy-spin", "backoff"));
            idle = w == 1 ? IdleMode.BACKOFF : IdleMode.BUSY_SPIN;
        }
        String exceptionTap = null;
        if (m.get("exception_path") != null) {
            final int w = Values.word(sink, m.get("exception_path"), m.child("exception_path"), List.of("drop", "tap"));
            if (w == 1) {
                exceptionTap = ConfigDefaults.EXCEPTION_INTERFACE;
            }
        }
        if (m.get("exception_interface") != null) {
            final String prefix = Values.string(sink, m.get("exception_interface"), m.child("exception_interface"));
            if (prefix != null
                    && !ConfigDefaults.EXCEPTION_INTERFACE_NAME.matcher(prefix).matches()) {
                sink.at(
                        m.get("exception_interface"),
                        m.child("exception_interface") + ": '" + Values.shorten(prefix)
                                + "' is not an interface name prefix (1-12 of A-Z a-z 0-9 _ -; the port index is appended)");
            } else if (prefix != null && exceptionTap == null) {
                sink.at(
                        m.get("exception_interface"),
                        m.child("exception_interface") + ": needs instance.exception_path: tap");
            } else if (prefix != null) {
                exceptionTap = prefix;
            }
        }
        final Integer exceptionRate =
                m.optionalInt("exception_rate", 1, ConfigDefaults.MAX_EXCEPTION_RATE, ConfigDefaults.EXCEPTION_RATE);
        final Duration stopGrace = m.optionalDuration(
                "stop_grace", Duration.ZERO, ConfigDefaults.MAX_STOP_GRACE, ConfigDefaults.STOP_GRACE);
        final Node addressesNode = m.require("addresses");
        final AddressPair addresses =
                addressesNode == null ? null : addressPair(addressesNode, m.keyNode("addresses"), m.child("addresses"));
        final Node gatewaysNode = m.require("gateways");
        final MappingView gatewaysView = gatewaysNode == null
                ? null
                : MappingView.of(sink, gatewaysNode, m.keyNode("gateways"), m.child("gateways"), GATEWAY_KEYS);
        final AddressPair gateways = gatewaysView == null ? null : addressPair(gatewaysView, m.child("gateways"));
        final NeighbourSettings neighbours = neighbours(m, gatewaysView);
        if (addresses != null && gateways != null) {
            gatewayFamilies(m, addresses, gateways);
        }
        ourAddresses = addresses;
        gatewayAddresses = gateways;
        Cidr greSourcePrefix = null;
        if (m.get("gre_source_prefix") != null) {
            greSourcePrefix = cidr(m.get("gre_source_prefix"), m.child("gre_source_prefix"));
            if (greSourcePrefix != null
                    && addresses != null
                    && addresses.sameFamilyAs(greSourcePrefix.network()) == null) {
                final String fam = Addresses.family(greSourcePrefix.network());
                sink.at(
                        m.get("gre_source_prefix"),
                        m.child("gre_source_prefix") + ": an " + fam
                                + " prefix needs instance.addresses." + fam.toLowerCase(java.util.Locale.ROOT)
                                + " (GRE packets of that family leave from our address of that family)");
            }
        }
        final Cidr healthPrefix = healthPrefix(m, addresses);
        if (name == null
                || workers == null
                || mainCore == null
                || memoryMb == null
                || mbufs == null
                || addresses == null
                || gateways == null
                || exceptionRate == null
                || neighbours == null
                || stopGrace == null) {
            return null;
        }
        return new InstanceConfig(
                name,
                countersDir,
                ports,
                workers,
                cores,
                mainCore,
                hugepages,
                memoryMb,
                mbufs,
                addresses,
                gateways,
                greSourcePrefix,
                idle,
                exceptionTap,
                exceptionRate,
                neighbours,
                stopGrace,
                healthPrefix);
    }

    /**
     * {@code instance.health_prefix}: the IPv4 prefix of the checker's per-backend source addresses.
     * Ideally it holds an address for every backend id; a smaller one is allowed (a lab's /28), and
     * the backends whose id falls outside it are checked directly, with a warning in the log.
     */
    private Cidr healthPrefix(final MappingView m, final AddressPair addresses) {
        if (m.get("health_prefix") == null) {
            return null;
        }
        final Cidr prefix = cidr(m.get("health_prefix"), m.child("health_prefix"));
        if (prefix == null) {
            return null;
        }
        if (!(prefix.network() instanceof Inet4Address)) {
            sink.at(
                    m.get("health_prefix"),
                    m.child("health_prefix") + ": must be an IPv4 prefix (checks through the tunnel are IPv4 only; "
                            + "IPv6 services are checked directly)");
            return null;
        }
        if (prefix.length() < ConfigDefaults.MIN_HEALTH_PREFIX_LENGTH || prefix.length() > 30) {
            sink.at(
                    m.get("health_prefix"),
                    m.child("health_prefix") + ": a prefix length of " + ConfigDefaults.MIN_HEALTH_PREFIX_LENGTH
                            + " to 30, got /" + prefix.length());
            return null;
        }
        if (addresses != null && addresses.ipv4() == null) {
            sink.at(
                    m.get("health_prefix"),
                    m.child("health_prefix") + ": needs instance.addresses.ipv4 (probes are tunnelled from it)");
            return null;
        }
        return prefix;
    }

    private List<PortConfig> ports(final Node node, final String path) {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null) {
            return List.of();
        }
        if (items.isEmpty()) {
            sink.at(node, path + ": at least one port is required (a PCI address or a vdev string)");
        }
        final List<PortConfig> ports = new ArrayList<>();
        final Map<String, Node> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            final String itemPath = path + "[" + i + "]";
            final MappingView p = MappingView.of(sink, items.get(i), null, itemPath, PORT_KEYS);
            if (p == null) {
                continue;
            }
            final Node deviceNode = p.require("device");
            PortSpec device = null;
            if (deviceNode != null) {
                final String text = Values.string(sink, deviceNode, p.child("device"));
                if (text != null) {
                    try {
                        device = PortSpec.parse(text);
                    } catch (final LevitateException bad) {
                        sink.at(
                                deviceNode,
                                p.child("device") + ": '" + Values.shorten(text)
                                        + "' is neither a PCI address (0000:03:00.0) nor a vdev string (net_pcap0,rx_pcap=FILE)");
                    }
                }
                if (device != null) {
                    final Node first = seen.putIfAbsent(device.deviceName(), deviceNode);
                    if (first != null) {
                        sink.at(
                                deviceNode,
                                p.child("device") + ": device " + device.deviceName()
                                        + " is listed twice (first at line " + Values.line(first) + ")");
                    }
                }
            }
            final Integer mtu =
                    p.optionalInt("mtu", ConfigDefaults.MIN_MTU, ConfigDefaults.MAX_MTU, ConfigDefaults.MTU);
            if (device != null && mtu != null) {
                ports.add(new PortConfig(device, mtu));
            }
        }
        return ports;
    }

    private List<Integer> cores(final Node node, final String path, final Integer workers) {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null) {
            return List.of();
        }
        final List<Integer> cores = new ArrayList<>();
        final Map<Integer, Node> seen = new HashMap<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            final Integer cpu = Values.integer(sink, items.get(i), path + "[" + i + "]", 0, ConfigDefaults.MAX_CPU);
            if (cpu == null) {
                ok = false;
                continue;
            }
            final Node first = seen.putIfAbsent(cpu, items.get(i));
            if (first != null) {
                sink.at(
                        items.get(i),
                        path + "[" + i + "]: CPU " + cpu + " is listed twice (first at line " + Values.line(first)
                                + "); each worker needs a CPU of its own");
                ok = false;
                continue;
            }
            cores.add(cpu);
        }
        if (ok && workers != null && cores.size() != workers) {
            sink.at(node, path + ": lists " + cores.size() + " CPUs for " + workers + " workers; give one per worker");
        }
        return cores;
    }

    private AddressPair addressPair(final Node node, final Node owner, final String path) {
        final MappingView m = MappingView.of(sink, node, owner, path, FAMILY_KEYS);
        return m == null ? null : addressPair(m, path);
    }

    private AddressPair addressPair(final MappingView m, final String path) {
        boolean ok = true;
        Inet4Address v4 = null;
        Inet6Address v6 = null;
        if (m.get("ipv4") != null) {
            v4 = (Inet4Address) Values.unicast(sink, m.get("ipv4"), m.child("ipv4"), Family.IPV4);
            ok = v4 != null;
        }
        if (m.get("ipv6") != null) {
            v6 = (Inet6Address) Values.unicast(sink, m.get("ipv6"), m.child("ipv6"), Family.IPV6);
            ok &= v6 != null;
        }
        if (m.get("ipv4") == null && m.get("ipv6") == null) {
            sink.at(m.node(), path + ": give ipv4, ipv6 or both");
            return null;
        }
        return ok ? new AddressPair(v4, v6) : null;
    }

    /**
     * {@code instance.neighbours} and the gateways' pinned MACs: with {@code static} every
     * configured gateway needs its MAC, with {@code learn} (the default) none may be given (it
     * would be silently ignored). Null when anything was reported.
     */
    private NeighbourSettings neighbours(final MappingView instance, final MappingView gateways) {
        NeighbourSettings.NeighbourMode mode = NeighbourSettings.NeighbourMode.LEARN;
        boolean modeKnown = true;
        if (instance.get("neighbours") != null) {
            final int w = Values.word(
                    sink, instance.get("neighbours"), instance.child("neighbours"), List.of("learn", "static"));
            modeKnown = w >= 0;
            mode = w == 1 ? NeighbourSettings.NeighbourMode.STATIC : NeighbourSettings.NeighbourMode.LEARN;
        }
        if (gateways == null) {
            return null;
        }
        final Long v4 = gatewayMac(gateways, "ipv4", mode, modeKnown);
        final Long v6 = gatewayMac(gateways, "ipv6", mode, modeKnown);
        if (!modeKnown || v4 == null || v6 == null) {
            return null;
        }
        return mode == NeighbourSettings.NeighbourMode.LEARN
                ? NeighbourSettings.LEARN
                : new NeighbourSettings(mode, v4, v6);
    }

    /** {@code instance.gateways.<family>_mac}: the MAC, 0 when absent and not needed, null with an error. */
    private Long gatewayMac(
            final MappingView gateways,
            final String family,
            final NeighbourSettings.NeighbourMode mode,
            final boolean modeKnown) {
        final String key = family + "_mac";
        final Node node = gateways.get(key);
        if (node == null) {
            if (mode == NeighbourSettings.NeighbourMode.STATIC && gateways.get(family) != null) {
                sink.at(
                        gateways.get(family),
                        gateways.child(family) + ": instance.neighbours is static, so this "
                                + "gateway needs its MAC in " + gateways.child(key));
                return null;
            }
            return 0L;
        }
        final Long mac = mac(node, gateways.child(key));
        if (mac == null) {
            return null;
        }
        if (gateways.get(family) == null) {
            sink.at(node, gateways.child(key) + ": no " + gateways.child(family) + " whose MAC this would be");
            return null;
        }
        if (modeKnown && mode == NeighbourSettings.NeighbourMode.LEARN) {
            sink.at(node, gateways.child(key) + ": needs instance.neighbours: static (learnt MACs are not pinned)");
            return null;
        }
        return mac;
    }

    /** A unicast MAC written {@code 02:00:5e:10:00:01}, or null with an error. */
    private Long mac(final Node node, final String path) {
        final String text = Values.string(sink, node, path);
        if (text == null) {
            return null;
        }
        if (!MAC.matcher(text).matches()) {
            sink.at(node, path + ": '" + Values.shorten(text) + "' is not a MAC address such as 02:00:5e:10:00:01");
            return null;
        }
        final long mac = Long.parseLong(text.replace(":", ""), 16);
        // A group address (low bit of the first octet: multicast, broadcast) or zero is no one
        // machine's: tunnels "to" it would flood the segment or go nowhere.
        if (mac == 0 || (mac & 0x0100_0000_0000L) != 0) {
            sink.at(
                    node,
                    path + ": " + text.toLowerCase(java.util.Locale.ROOT) + " is not a unicast MAC (a gateway's MAC "
                            + "is neither zero nor a multicast or broadcast address)");
            return null;
        }
        return mac;
    }

    /** A gateway is only reachable from our address of its family. */
    private void gatewayFamilies(final MappingView instance, final AddressPair addresses, final AddressPair gateways) {
        final MappingView g = MappingView.of(new ErrorSink(sink.file), instance.get("gateways"), null, "", FAMILY_KEYS);
        if (gateways.ipv4() != null && addresses.ipv4() == null) {
            sink.at(g.get("ipv4"), "instance.gateways.ipv4: no instance.addresses.ipv4 to reach it from");
        }
        if (gateways.ipv6() != null && addresses.ipv6() == null) {
            sink.at(g.get("ipv6"), "instance.gateways.ipv6: no instance.addresses.ipv6 to reach it from");
        }
        if (gateways.ipv4() != null && gateways.ipv4().equals(addresses.ipv4())) {
            sink.at(g.get("ipv4"), "instance.gateways.ipv4: is our own address (instance.addresses.ipv4)");
        }
        if (gateways.ipv6() != null && gateways.ipv6().equals(addresses.ipv6())) {
            sink.at(g.get("ipv6"), "instance.gateways.ipv6: is our own address (instance.addresses.ipv6)");
        }
    }

    private Cidr cidr(final Node node, final String path) {
        final String text = Values.string(sink, node, path);
        if (text == null) {
            return null;
        }
        final int slash = text.indexOf('/');
        final InetAddress a = slash < 0 ? null : Addresses.parse(text.substring(0, slash));
        final String lengthText = slash < 0 ? "" : text.substring(slash + 1);
        final int max = a instanceof Inet4Address ? 32 : 128;
        if (a == null || !lengthText.matches("[0-9]{1,3}") || Integer.parseInt(lengthText) > max) {
            sink.at(node, path + ": '" + Values.shorten(text) + "' is not a prefix such as 10.0.9.0/24 or fd00:9::/64");
            return null;
        }
        final int length = Integer.parseInt(lengthText);
        final byte[] bytes = a.getAddress();
        final byte[] masked = bytes.clone();
        for (int bit = length; bit < bytes.length * 8; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            final InetAddress network = InetAddress.getByAddress(masked);
            if (!java.util.Arrays.equals(bytes, masked)) {
                sink.at(
                        node,
                        path + ": '" + text + "' has host bits set (did you mean " + Addresses.format(network) + "/"
                                + length + "?)");
                return null;
            }
            return new Cidr(network, length);
        } catch (final java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
