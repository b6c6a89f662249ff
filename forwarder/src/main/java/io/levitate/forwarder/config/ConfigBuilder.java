package io.levitate.forwarder.config;

import io.levitate.forwarder.LevitateException;
import io.levitate.forwarder.MemoryMode;
import io.levitate.forwarder.PortSpec;
import io.levitate.forwarder.config.Values.Family;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.HashFields;
import io.levitate.maglev.TableSizes;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Walks a composed document along the schema of {@code docs/CONFIG.md}, reporting every problem and
 * building the model. Each section is checked even when another has errors, so one run lists them
 * all; a cross-key rule runs only when the keys it relates were themselves valid, so one mistake is
 * reported once, not again by every rule that reads it.
 */
final class ConfigBuilder
{
    private static final List<String> ROOT_KEYS =
        List.of("instance", "hash_seed", "conntrack", "services", "metrics", "control", "bgp");
    private static final List<String> INSTANCE_KEYS = List.of("name", "counters_dir", "ports", "workers", "cores",
        "main_core", "hugepages", "memory_mb", "mbufs", "addresses", "gateways", "gre_source_prefix", "idle", "exception_path", "exception_interface", "exception_rate",
        "neighbours", "stop_grace");
    private static final List<String> PORT_KEYS = List.of("device", "mtu");
    private static final List<String> FAMILY_KEYS = List.of("ipv4", "ipv6");
    private static final List<String> GATEWAY_KEYS = List.of("ipv4", "ipv6", "ipv4_mac", "ipv6_mac");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");
    private static final List<String> CONNTRACK_KEYS =
        List.of("capacity", "timeouts", "flood_guard_new_flows_per_second");
    private static final List<String> TIMEOUT_KEYS = List.of("tcp_established", "tcp_closing", "tcp_syn", "udp");
    private static final List<String> SERVICE_KEYS = List.of("name", "vip", "port", "protocol", "table_size", "hash",
        "quota", "announce", "mixed_families", "fragments", "health_check", "backends");
    private static final List<String> HEALTH_KEYS =
        List.of("type", "port", "path", "expect_status", "interval", "timeout", "rise", "fall", "sni", "tls_verify",
            "ca_file", "query_name", "query_type", "expect_rcode", "command");
    private static final List<String> HEALTH_TYPES = List.of("tcp", "http", "https", "dns", "exec");
    /** Keys of some check types only: key, then the types it applies to. */
    private static final Map<String, List<String>> HEALTH_KEY_TYPES = Map.of("port",
        List.of("tcp", "http", "https", "dns"), "path", List.of("http", "https"), "expect_status",
        List.of("http", "https"), "sni", List.of("https"), "tls_verify", List.of("https"), "ca_file", List.of("https"),
        "query_name", List.of("dns"), "query_type", List.of("dns"), "expect_rcode", List.of("dns"), "command",
        List.of("exec"));
    private static final List<String> DNS_RCODES = List.of("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
        "REFUSED");
    /** A DNS name of letters, digits, '-' and '_' labels of 1..63 (a trailing dot allowed). */
    private static final Pattern DNS_NAME =
        Pattern.compile("(?=.{1,253}\\.?$)" + "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
            + "(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");
    private static final List<String> BACKEND_KEYS = List.of("address", "port", "weight", "state", "health_check");
    private static final List<String> METRICS_KEYS = List.of("listen");
    private static final List<String> CONTROL_KEYS = List.of("socket");
    private static final List<String> BGP_KEYS = List.of("local_as", "router_id", "hold_time", "connect_retry",
        "graceful_shutdown_wait", "med", "communities", "large_communities", "peers",
        // Read by the announcer only (bgp-announcer's ConfigLoader); checked here for shape.
        "metrics_listen", "announce_delay", "listen", "graceful_restart_time");
    private static final List<String> PEER_KEYS = List.of("address", "remote_as", "port", "local_address", "next_hop",
        "next_hop_v6", "md5_password", "passive", "hold_time",
        // Read by the announcer only (RFC 5880/5881 BFD); checked here for shape.
        "bfd");
    private static final List<String> BFD_KEYS = List.of("min_tx", "min_rx", "multiplier");

    private static final Pattern NAME = Pattern.compile(ConfigDefaults.NAME_PATTERN);
    private static final Pattern LISTEN = Pattern.compile("(?:\\[([^\\]]*)\\]|([^:\\[\\]]*)):([0-9]{1,5})");
    private static final Pattern COMMUNITY = Pattern.compile("([0-9]{1,10}):([0-9]{1,10})");
    private static final Pattern LARGE_COMMUNITY = Pattern.compile("([0-9]{1,10}):([0-9]{1,10}):([0-9]{1,10})");
    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    private final ErrorSink sink;

    /** Where each backend's weight (or address) is written, for warnings about a valid file. */
    private final Map<String, ConfigWarning.Site> backendPositions = new HashMap<>();
    /** Backends seen so far in all services, for {@link ConfigDefaults#MAX_BACKENDS}. */
    private int backendsSeen;

    /** Our addresses and gateways as far as they were valid; null when that part had errors. */
    private AddressPair ourAddresses;
    private AddressPair gatewayAddresses;

    ConfigBuilder(final ErrorSink sink)
    {
        this.sink = sink;
    }

    /**
     * Per backend of the file, keyed by {@link ConfigWarning#backendKey}: where its {@code weight}
     * value is written, or its {@code address} when no weight is.
     */
    Map<String, ConfigWarning.Site> backendPositions()
    {
        return Map.copyOf(backendPositions);
    }

    /** The model, or null when anything was reported. */
    LevitateConfig build(final Node root)
    {
        final MappingView top = MappingView.of(sink, root, null, "", ROOT_KEYS);
        if (top == null)
        {
            return null;
        }
        final Node instanceNode = top.require("instance");
        final InstanceConfig instance = instanceNode == null ? null : instance(instanceNode, top.keyNode("instance"));
        final Node seedNode = top.require("hash_seed");
        final Long seed = seedNode == null ? null : Values.uint64(sink, seedNode, "hash_seed");
        final ConntrackSettings conntrack = conntrack(top.get("conntrack"), top.keyNode("conntrack"));
        final Node servicesNode = top.require("services");
        final List<ServiceDefinition> services =
            servicesNode == null ? List.of() : services(servicesNode, conntrack);
        final MetricsConfig metrics = metrics(top.get("metrics"), top.keyNode("metrics"));
        final ControlConfig control = control(top.get("control"), top.keyNode("control"));
        final Node bgpNode = top.get("bgp");
        final BgpConfig bgp = bgpNode == null ? null : bgp(bgpNode, top.keyNode("bgp"));
        if (!sink.isEmpty() || instance == null || seed == null)
        {
            return null;
        }
        return new LevitateConfig(instance, seed, conntrack, services, metrics, control, bgp);
    }

    // ---------------------------------------------------------------- instance

    private InstanceConfig instance(final Node node, final Node owner)
    {
        final MappingView m = MappingView.of(sink, node, owner, "instance", INSTANCE_KEYS);
        if (m == null)
        {
            return null;
        }
        final Node nameNode = m.require("name");
        final String name = nameNode == null ? null : name(nameNode, m.child("name"));
        Path countersDir = Path.of(ConfigDefaults.COUNTERS_DIR);
        if (m.get("counters_dir") != null)
        {
            final Path p = absolutePath(m.get("counters_dir"), m.child("counters_dir"));
            countersDir = p != null ? p : countersDir;
        }
        final Node portsNode = m.require("ports");
        final List<PortConfig> ports = portsNode == null ? List.of() : ports(portsNode, m.child("ports"));
        final Integer workers = optionalInt(m, "workers", 1, ConfigDefaults.MAX_WORKERS, ConfigDefaults.WORKERS);
        final List<Integer> cores = m.get("cores") == null ? List.of() : cores(m.get("cores"), m.child("cores"), workers);
        final Integer mainCore = optionalInt(m, "main_core", 0, ConfigDefaults.MAX_CPU, ConfigDefaults.MAIN_CORE);
        MemoryMode hugepages = MemoryMode.AUTO;
        if (m.get("hugepages") != null)
        {
            final int w = Values.word(sink, m.get("hugepages"), m.child("hugepages"), List.of("auto", "yes", "no"));
            hugepages = w == 1 ? MemoryMode.HUGEPAGES : w == 2 ? MemoryMode.NO_HUGE : MemoryMode.AUTO;
        }
        final Integer memoryMb = optionalInt(m, "memory_mb", ConfigDefaults.MIN_MEMORY_MB, ConfigDefaults.MAX_MEMORY_MB,
            ConfigDefaults.MEMORY_MB);
        final Integer mbufs = optionalInt(m, "mbufs", ConfigDefaults.MIN_MBUFS, ConfigDefaults.MAX_MBUFS, 0);
        IdleMode idle = IdleMode.BUSY_SPIN;
        if (m.get("idle") != null)
        {
            final int w = Values.word(sink, m.get("idle"), m.child("idle"), List.of("busy-spin", "backoff"));
            idle = w == 1 ? IdleMode.BACKOFF : IdleMode.BUSY_SPIN;
        }
        String exceptionTap = null;
        if (m.get("exception_path") != null)
        {
            final int w = Values.word(sink, m.get("exception_path"), m.child("exception_path"), List.of("drop", "tap"));
            if (w == 1)
            {
                exceptionTap = ConfigDefaults.EXCEPTION_INTERFACE;
            }
        }
        if (m.get("exception_interface") != null)
        {
            final String prefix = Values.string(sink, m.get("exception_interface"), m.child("exception_interface"));
            if (prefix != null && !ConfigDefaults.EXCEPTION_INTERFACE_NAME.matcher(prefix).matches())
            {
                sink.at(m.get("exception_interface"), m.child("exception_interface") + ": '" + Values.shorten(prefix)
                    + "' is not an interface name prefix (1-12 of A-Z a-z 0-9 _ -; the port index is appended)");
            }
            else if (prefix != null && exceptionTap == null)
            {
                sink.at(m.get("exception_interface"), m.child("exception_interface")
                    + ": needs instance.exception_path: tap");
            }
            else if (prefix != null)
            {
                exceptionTap = prefix;
            }
        }
        final Integer exceptionRate = optionalInt(m, "exception_rate", 1, ConfigDefaults.MAX_EXCEPTION_RATE,
            ConfigDefaults.EXCEPTION_RATE);
        final Duration stopGrace = optionalDuration(m, "stop_grace", Duration.ZERO, ConfigDefaults.MAX_STOP_GRACE,
            ConfigDefaults.STOP_GRACE);
        final Node addressesNode = m.require("addresses");
        final AddressPair addresses = addressesNode == null ? null
            : addressPair(addressesNode, m.keyNode("addresses"), m.child("addresses"));
        final Node gatewaysNode = m.require("gateways");
        final MappingView gatewaysView = gatewaysNode == null ? null
            : MappingView.of(sink, gatewaysNode, m.keyNode("gateways"), m.child("gateways"), GATEWAY_KEYS);
        final AddressPair gateways = gatewaysView == null ? null : addressPair(gatewaysView, m.child("gateways"));
        final NeighbourSettings neighbours = neighbours(m, gatewaysView);
        if (addresses != null && gateways != null)
        {
            gatewayFamilies(m, addresses, gateways);
        }
        ourAddresses = addresses;
        gatewayAddresses = gateways;
        Cidr greSourcePrefix = null;
        if (m.get("gre_source_prefix") != null)
        {
            greSourcePrefix = cidr(m.get("gre_source_prefix"), m.child("gre_source_prefix"));
            if (greSourcePrefix != null && addresses != null
                && addresses.sameFamilyAs(greSourcePrefix.network()) == null)
            {
                final String fam = Addresses.family(greSourcePrefix.network());
                sink.at(m.get("gre_source_prefix"), m.child("gre_source_prefix") + ": an " + fam
                    + " prefix needs instance.addresses." + fam.toLowerCase(java.util.Locale.ROOT)
                    + " (GRE packets of that family leave from our address of that family)");
            }
        }
        if (name == null || workers == null || mainCore == null || memoryMb == null || mbufs == null
            || addresses == null || gateways == null || exceptionRate == null || neighbours == null || stopGrace == null)
        {
            return null;
        }
        return new InstanceConfig(name, countersDir, ports, workers, cores, mainCore, hugepages, memoryMb, mbufs,
            addresses, gateways, greSourcePrefix, idle, exceptionTap, exceptionRate, neighbours, stopGrace);
    }

    private List<PortConfig> ports(final Node node, final String path)
    {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null)
        {
            return List.of();
        }
        if (items.isEmpty())
        {
            sink.at(node, path + ": at least one port is required (a PCI address or a vdev string)");
        }
        final List<PortConfig> ports = new ArrayList<>();
        final Map<String, Node> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String itemPath = path + "[" + i + "]";
            final MappingView p = MappingView.of(sink, items.get(i), null, itemPath, PORT_KEYS);
            if (p == null)
            {
                continue;
            }
            final Node deviceNode = p.require("device");
            PortSpec device = null;
            if (deviceNode != null)
            {
                final String text = Values.string(sink, deviceNode, p.child("device"));
                if (text != null)
                {
                    try
                    {
                        device = PortSpec.parse(text);
                    }
                    catch (final LevitateException bad)
                    {
                        sink.at(deviceNode, p.child("device") + ": '" + Values.shorten(text)
                            + "' is neither a PCI address (0000:03:00.0) nor a vdev string (net_pcap0,rx_pcap=FILE)");
                    }
                }
                if (device != null)
                {
                    final Node first = seen.putIfAbsent(device.deviceName(), deviceNode);
                    if (first != null)
                    {
                        sink.at(deviceNode, p.child("device") + ": device " + device.deviceName()
                            + " is listed twice (first at line " + Values.line(first) + ")");
                    }
                }
            }
            final Integer mtu = optionalInt(p, "mtu", ConfigDefaults.MIN_MTU, ConfigDefaults.MAX_MTU, ConfigDefaults.MTU);
            if (device != null && mtu != null)
            {
                ports.add(new PortConfig(device, mtu));
            }
        }
        return ports;
    }

    private List<Integer> cores(final Node node, final String path, final Integer workers)
    {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null)
        {
            return List.of();
        }
        final List<Integer> cores = new ArrayList<>();
        final Map<Integer, Node> seen = new HashMap<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++)
        {
            final Integer cpu = Values.integer(sink, items.get(i), path + "[" + i + "]", 0, ConfigDefaults.MAX_CPU);
            if (cpu == null)
            {
                ok = false;
                continue;
            }
            final Node first = seen.putIfAbsent(cpu, items.get(i));
            if (first != null)
            {
                sink.at(items.get(i), path + "[" + i + "]: CPU " + cpu + " is listed twice (first at line "
                    + Values.line(first) + "); each worker needs a CPU of its own");
                ok = false;
                continue;
            }
            cores.add(cpu);
        }
        if (ok && workers != null && cores.size() != workers)
        {
            sink.at(node, path + ": lists " + cores.size() + " CPUs for " + workers + " workers; give one per worker");
        }
        return cores;
    }

    private AddressPair addressPair(final Node node, final Node owner, final String path)
    {
        final MappingView m = MappingView.of(sink, node, owner, path, FAMILY_KEYS);
        return m == null ? null : addressPair(m, path);
    }

    private AddressPair addressPair(final MappingView m, final String path)
    {
        boolean ok = true;
        Inet4Address v4 = null;
        Inet6Address v6 = null;
        if (m.get("ipv4") != null)
        {
            v4 = (Inet4Address)Values.unicast(sink, m.get("ipv4"), m.child("ipv4"), Family.IPV4);
            ok = v4 != null;
        }
        if (m.get("ipv6") != null)
        {
            v6 = (Inet6Address)Values.unicast(sink, m.get("ipv6"), m.child("ipv6"), Family.IPV6);
            ok &= v6 != null;
        }
        if (m.get("ipv4") == null && m.get("ipv6") == null)
        {
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
    private NeighbourSettings neighbours(final MappingView instance, final MappingView gateways)
    {
        NeighbourSettings.NeighbourMode mode = NeighbourSettings.NeighbourMode.LEARN;
        boolean modeKnown = true;
        if (instance.get("neighbours") != null)
        {
            final int w = Values.word(sink, instance.get("neighbours"), instance.child("neighbours"),
                List.of("learn", "static"));
            modeKnown = w >= 0;
            mode = w == 1 ? NeighbourSettings.NeighbourMode.STATIC : NeighbourSettings.NeighbourMode.LEARN;
        }
        if (gateways == null)
        {
            return null;
        }
        final Long v4 = gatewayMac(gateways, "ipv4", mode, modeKnown);
        final Long v6 = gatewayMac(gateways, "ipv6", mode, modeKnown);
        if (!modeKnown || v4 == null || v6 == null)
        {
            return null;
        }
        return mode == NeighbourSettings.NeighbourMode.LEARN ? NeighbourSettings.LEARN
            : new NeighbourSettings(mode, v4, v6);
    }

    /** {@code instance.gateways.<family>_mac}: the MAC, 0 when absent and not needed, null with an error. */
    private Long gatewayMac(final MappingView gateways, final String family, final NeighbourSettings.NeighbourMode mode,
        final boolean modeKnown)
    {
        final String key = family + "_mac";
        final Node node = gateways.get(key);
        if (node == null)
        {
            if (mode == NeighbourSettings.NeighbourMode.STATIC && gateways.get(family) != null)
            {
                sink.at(gateways.get(family), gateways.child(family) + ": instance.neighbours is static, so this "
                    + "gateway needs its MAC in " + gateways.child(key));
                return null;
            }
            return 0L;
        }
        final Long mac = mac(node, gateways.child(key));
        if (mac == null)
        {
            return null;
        }
        if (gateways.get(family) == null)
        {
            sink.at(node, gateways.child(key) + ": no " + gateways.child(family) + " whose MAC this would be");
            return null;
        }
        if (modeKnown && mode == NeighbourSettings.NeighbourMode.LEARN)
        {
            sink.at(node, gateways.child(key) + ": needs instance.neighbours: static (learnt MACs are not pinned)");
            return null;
        }
        return mac;
    }

    /** A unicast MAC written {@code 02:00:5e:10:00:01}, or null with an error. */
    private Long mac(final Node node, final String path)
    {
        final String text = Values.string(sink, node, path);
        if (text == null)
        {
            return null;
        }
        if (!MAC.matcher(text).matches())
        {
            sink.at(node, path + ": '" + Values.shorten(text) + "' is not a MAC address such as 02:00:5e:10:00:01");
            return null;
        }
        final long mac = Long.parseLong(text.replace(":", ""), 16);
        // A group address (low bit of the first octet: multicast, broadcast) or zero is no one
        // machine's: tunnels "to" it would flood the segment or go nowhere.
        if (mac == 0 || (mac & 0x0100_0000_0000L) != 0)
        {
            sink.at(node, path + ": " + text.toLowerCase(java.util.Locale.ROOT) + " is not a unicast MAC (a gateway's MAC "
                + "is neither zero nor a multicast or broadcast address)");
            return null;
        }
        return mac;
    }

    /** A gateway is only reachable from our address of its family. */
    private void gatewayFamilies(final MappingView instance, final AddressPair addresses, final AddressPair gateways)
    {
        final MappingView g = MappingView.of(new ErrorSink(sink.file), instance.get("gateways"), null, "", FAMILY_KEYS);
        if (gateways.ipv4() != null && addresses.ipv4() == null)
        {
            sink.at(g.get("ipv4"), "instance.gateways.ipv4: no instance.addresses.ipv4 to reach it from");
        }
        if (gateways.ipv6() != null && addresses.ipv6() == null)
        {
            sink.at(g.get("ipv6"), "instance.gateways.ipv6: no instance.addresses.ipv6 to reach it from");
        }
        if (gateways.ipv4() != null && gateways.ipv4().equals(addresses.ipv4()))
        {
            sink.at(g.get("ipv4"), "instance.gateways.ipv4: is our own address (instance.addresses.ipv4)");
        }
        if (gateways.ipv6() != null && gateways.ipv6().equals(addresses.ipv6()))
        {
            sink.at(g.get("ipv6"), "instance.gateways.ipv6: is our own address (instance.addresses.ipv6)");
        }
    }

    private Cidr cidr(final Node node, final String path)
    {
        final String text = Values.string(sink, node, path);
        if (text == null)
        {
            return null;
        }
        final int slash = text.indexOf('/');
        final InetAddress a = slash < 0 ? null : Addresses.parse(text.substring(0, slash));
        final String lengthText = slash < 0 ? "" : text.substring(slash + 1);
        final int max = a instanceof Inet4Address ? 32 : 128;
        if (a == null || !lengthText.matches("[0-9]{1,3}") || Integer.parseInt(lengthText) > max)
        {
            sink.at(node, path + ": '" + Values.shorten(text) + "' is not a prefix such as 10.0.9.0/24 or fd00:9::/64");
            return null;
        }
        final int length = Integer.parseInt(lengthText);
        final byte[] bytes = a.getAddress();
        final byte[] masked = bytes.clone();
        for (int bit = length; bit < bytes.length * 8; bit++)
        {
            masked[bit / 8] &= (byte)~(0x80 >>> (bit % 8));
        }
        try
        {
            final InetAddress network = InetAddress.getByAddress(masked);
            if (!java.util.Arrays.equals(bytes, masked))
            {
                sink.at(node, path + ": '" + text + "' has host bits set (did you mean " + Addresses.format(network) + "/"
                    + length + "?)");
                return null;
            }
            return new Cidr(network, length);
        }
        catch (final java.net.UnknownHostException impossible)
        {
            throw new IllegalStateException(impossible);
        }
    }

    // ---------------------------------------------------------------- conntrack

    private ConntrackSettings conntrack(final Node node, final Node owner)
    {
        final ConntrackSettings defaults = new ConntrackSettings(ConfigDefaults.CONNTRACK_CAPACITY,
            ConfigDefaults.TCP_ESTABLISHED, ConfigDefaults.TCP_CLOSING, ConfigDefaults.TCP_SYN, ConfigDefaults.UDP,
            ConfigDefaults.FLOOD_GUARD);
        if (node == null)
        {
            return defaults;
        }
        final MappingView m = MappingView.of(sink, node, owner, "conntrack", CONNTRACK_KEYS);
        if (m == null)
        {
            return defaults;
        }
        final Integer capacity = optionalInt(m, "capacity", ConfigDefaults.MIN_CONNTRACK_CAPACITY,
            ConfigDefaults.MAX_CONNTRACK_CAPACITY, ConfigDefaults.CONNTRACK_CAPACITY);
        final Integer flood = optionalInt(m, "flood_guard_new_flows_per_second", 0, ConfigDefaults.MAX_FLOOD_GUARD,
            ConfigDefaults.FLOOD_GUARD);
        Duration established = defaults.tcpEstablished();
        Duration closing = defaults.tcpClosing();
        Duration syn = defaults.tcpSyn();
        Duration udp = defaults.udp();
        if (m.get("timeouts") != null)
        {
            final MappingView t = MappingView.of(sink, m.get("timeouts"), m.keyNode("timeouts"), m.child("timeouts"),
                TIMEOUT_KEYS);
            if (t != null)
            {
                established = timeout(t, "tcp_established", established);
                closing = timeout(t, "tcp_closing", closing);
                syn = timeout(t, "tcp_syn", syn);
                udp = timeout(t, "udp", udp);
            }
        }
        return new ConntrackSettings(capacity == null ? defaults.capacity() : capacity, established, closing, syn, udp,
            flood == null ? 0 : flood);
    }

    private Duration timeout(final MappingView m, final String key, final Duration fallback)
    {
        final Node n = m.get(key);
        if (n == null)
        {
            return fallback;
        }
        final Duration d = Values.duration(sink, n, m.child(key), ConfigDefaults.MIN_TIMEOUT, ConfigDefaults.MAX_TIMEOUT);
        return d == null ? fallback : d;
    }

    // ---------------------------------------------------------------- services

    /** A service's match, for the duplicate check. */
    private record Match(InetAddress vip, int port, Protocol protocol)
    {
    }

    private List<ServiceDefinition> services(final Node node, final ConntrackSettings conntrack)
    {
        final List<Node> items = Values.list(sink, node, "services");
        if (items == null)
        {
            return List.of();
        }
        final List<ServiceDefinition> services = new ArrayList<>();
        final Map<String, Node> names = new HashMap<>();
        final Map<Match, String> matches = new HashMap<>();
        final Map<Match, Node> matchLines = new HashMap<>();
        // Per VIP and protocol (port 0), in file order: who claims the fragments.
        final Map<Match, List<FragmentClaim>> fragmentGroups = new java.util.LinkedHashMap<>();
        // The first backend of each family: where "needs our address of that family" is reported.
        final Map<Boolean, Node> firstOfFamily = new HashMap<>();
        final Map<Boolean, String> firstOfFamilyPath = new HashMap<>();
        // Every VIP (first service's) and every backend address: a backend may not be any service's VIP.
        final Map<InetAddress, AddressAt> vipsSeen = new HashMap<>();
        final List<AddressAt> backendAddresses = new ArrayList<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String path = "services[" + i + "]";
            if (i >= ConfigDefaults.MAX_SERVICES)
            {
                sink.at(items.get(i), path + ": more than " + ConfigDefaults.MAX_SERVICES + " services; a forwarder runs at most "
                    + ConfigDefaults.MAX_SERVICES);
            }
            final MappingView s = MappingView.of(sink, items.get(i), null, path, SERVICE_KEYS);
            if (s == null)
            {
                continue;
            }
            final Node nameNode = s.require("name");
            final String name = nameNode == null ? null : name(nameNode, s.child("name"));
            boolean nameOk = name != null;
            if (name != null)
            {
                final Node first = names.putIfAbsent(name, nameNode);
                if (first != null)
                {
                    sink.at(nameNode, s.child("name") + ": duplicate service name '" + name + "' (first at line "
                        + Values.line(first) + ")");
                    nameOk = false;
                }
            }
            final Node vipNode = s.require("vip");
            final InetAddress vip = vipNode == null ? null : Values.unicast(sink, vipNode, s.child("vip"), Family.ANY);
            if (vip != null)
            {
                vipRules(vipNode, s.child("vip"), vip);
                vipsSeen.putIfAbsent(vip, new AddressAt(s.child("vip"), vipNode));
            }
            final Node portNode = s.require("port");
            final Integer port = portNode == null ? null : servicePort(portNode, s.child("port"));
            final Node protocolNode = s.require("protocol");
            Protocol protocol = null;
            if (protocolNode != null)
            {
                final int w = Values.word(sink, protocolNode, s.child("protocol"), List.of("tcp", "udp"));
                protocol = w < 0 ? null : Protocol.values()[w];
            }
            if (vip != null && port != null && protocol != null)
            {
                // "any" and a specific port of the same VIP and protocol may coexist: the specific
                // service wins for its port (documented in CONFIG.md); only exact repeats clash.
                final Match match = new Match(vip, port, protocol);
                final String firstName = matches.putIfAbsent(match, name == null ? path : "'" + name + "'");
                if (firstName != null)
                {
                    sink.at(vipNode, path + ": same vip, port and protocol (" + matchText(match)
                        + ") as service " + firstName + " (line " + Values.line(matchLines.get(match)) + ")");
                }
                else
                {
                    matchLines.put(match, vipNode);
                }
            }
            Integer tableSize = 0;
            if (s.get("table_size") != null)
            {
                tableSize = tableSize(s.get("table_size"), s.child("table_size"));
            }
            HashFields hash = HashFields.FIVE_TUPLE;
            if (s.get("hash") != null)
            {
                final int w = Values.word(sink, s.get("hash"), s.child("hash"), List.of("5-tuple", "source-ip"));
                hash = w == 1 ? HashFields.SOURCE_IP : HashFields.FIVE_TUPLE;
            }
            Integer quota = 0;
            if (s.get("quota") != null)
            {
                quota = Values.integer(sink, s.get("quota"), s.child("quota"), 1, ConfigDefaults.MAX_CONNTRACK_CAPACITY);
                if (quota != null && quota > conntrack.capacity())
                {
                    sink.at(s.get("quota"), s.child("quota") + ": " + quota + " exceeds conntrack.capacity "
                        + conntrack.capacity() + " (the quota is per worker, like the capacity)");
                }
            }
            final Boolean announce = optionalBool(s, "announce", true);
            final Boolean mixed = optionalBool(s, "mixed_families", false);
            Boolean fragments = null;
            if (s.get("fragments") != null)
            {
                fragments = Values.bool(sink, s.get("fragments"), s.child("fragments"));
            }
            if (vip != null && protocol != null)
            {
                fragmentGroups.computeIfAbsent(new Match(vip, 0, protocol), k -> new ArrayList<>())
                    .add(new FragmentClaim(path, name, vipNode, s.get("fragments"), fragments));
            }
            final HealthCheckConfig health = s.get("health_check") == null ? null
                : healthCheck(s.get("health_check"), s.keyNode("health_check"), s.child("health_check"));
            final Node backendsNode = s.require("backends");
            final List<BackendDefinition> backends = new ArrayList<>();
            final List<ConfigWarning.Site> positions = new ArrayList<>();
            boolean backendsOk = backendsNode != null;
            if (backendsNode != null)
            {
                backendsOk = backends(backendsNode, s.child("backends"), vip, port, Boolean.TRUE.equals(mixed), backends,
                    positions, firstOfFamily, firstOfFamilyPath, backendAddresses);
            }
            if (name != null && backends.size() == positions.size())
            {
                for (int k = 0; k < backends.size(); k++)
                {
                    backendPositions.put(ConfigWarning.backendKey(name, backends.get(k).identity()), positions.get(k));
                }
            }
            if (backendsOk && tableSize != null && tableSize != 0 && tableSize < backends.size())
            {
                sink.at(s.get("table_size"), s.child("table_size") + ": " + tableSize + " is smaller than the "
                    + backends.size() + " backends (aim for at least 100 per backend)");
            }
            if (nameOk && vip != null && port != null && protocol != null && tableSize != null && quota != null
                && announce != null && mixed != null && backendsOk)
            {
                services.add(new ServiceDefinition(name, vip, port, protocol, tableSize, hash, quota, announce, mixed,
                    fragments, health, backends));
            }
        }
        familyRequirements(firstOfFamily, firstOfFamilyPath);
        fragmentTakers(fragmentGroups);
        for (final AddressAt backend : backendAddresses)
        {
            final AddressAt vip = vipsSeen.get(backend.address());
            if (vip != null)
            {
                sink.at(backend.node(), backend.path() + ": " + Addresses.format(backend.address()) + " is a VIP ("
                    + vip.path() + ", line " + Values.line(vip.node()) + "); tunnelled to it, a packet would come back here");
            }
        }
        return services;
    }

    /** An address as read, with where it was written. */
    private record AddressAt(String path, Node node, InetAddress address)
    {
        AddressAt(final String path, final Node node)
        {
            this(path, node, null);
        }
    }

    /**
     * What a VIP cannot be, beyond unicast: an address that never arrives from the network (loopback,
     * 0/8), or one this machine or its gateway already answers for (ARP/ND, ICMP and the kernel's
     * exception path would be ambiguous, and the gateway's traffic would be load-balanced).
     */
    private void vipRules(final Node node, final String path, final InetAddress vip)
    {
        final String shown = path + ": " + Addresses.format(vip);
        if (vip.isLoopbackAddress())
        {
            sink.at(node, shown + (vip instanceof Inet4Address ? " is a loopback address (127.0.0.0/8)"
                : " is the loopback address") + "; no packet to it arrives from the network");
            return;
        }
        if (vip instanceof Inet4Address && vip.getAddress()[0] == 0)
        {
            sink.at(node, shown + " is in 0.0.0.0/8, \"this network\" (RFC 1122), never a destination");
            return;
        }
        final boolean v4 = vip instanceof Inet4Address;
        final String family = v4 ? "ipv4" : "ipv6";
        if (ourAddresses != null && vip.equals(v4 ? ourAddresses.ipv4() : ourAddresses.ipv6()))
        {
            sink.at(node, shown + " is our own address (instance.addresses." + family + "); a VIP must be an address "
                + "of its own");
        }
        else if (gatewayAddresses != null && vip.equals(v4 ? gatewayAddresses.ipv4() : gatewayAddresses.ipv6()))
        {
            sink.at(node, shown + " is the gateway (instance.gateways." + family + "); a VIP must be an address of its own");
        }
    }

    /** A service's {@code fragments:} as written, for {@link #fragmentTakers}. */
    private record FragmentClaim(String path, String name, Node vipNode, Node fragmentsNode, Boolean fragments)
    {
    }

    /**
     * Fragments carry no ports: per VIP and protocol one service at most takes them (ServiceDefinition
     * .takesFragments). Two services marked {@code fragments: true} are refused; so are several UDP
     * services of one VIP with none marked and not all {@code false}, since UDP datagrams are
     * fragmented in practice (DNS, tunnels) and which service the operator meant cannot be guessed.
     * TCP segments are sent with DF (path MTU discovery), so several TCP services of one VIP with
     * none marked are accepted: their VIP's TCP fragments are dropped and counted.
     */
    private void fragmentTakers(final Map<Match, List<FragmentClaim>> groups)
    {
        for (final Map.Entry<Match, List<FragmentClaim>> group : groups.entrySet())
        {
            final List<FragmentClaim> claims = group.getValue();
            FragmentClaim marked = null;
            boolean allRefuse = true;
            for (final FragmentClaim c : claims)
            {
                allRefuse &= Boolean.FALSE.equals(c.fragments());
                if (!Boolean.TRUE.equals(c.fragments()))
                {
                    continue;
                }
                if (marked != null)
                {
                    sink.at(c.fragmentsNode(), c.path() + ".fragments: service " + label(marked)
                        + " (line " + Values.line(marked.fragmentsNode()) + ") already takes the fragments of "
                        + fragmentText(group.getKey()) + "; only one service per VIP and protocol can");
                }
                else
                {
                    marked = c;
                }
            }
            if (marked == null && !allRefuse && claims.size() > 1 && group.getKey().protocol() == Protocol.UDP)
            {
                final FragmentClaim second = claims.get(1);
                sink.at(second.vipNode(), second.path() + ": services " + label(claims.get(0)) + " (line "
                    + Values.line(claims.get(0).vipNode()) + ") and " + label(second) + " share "
                    + fragmentText(group.getKey()) + ", whose fragments carry no port: mark the one that takes them "
                    + "with fragments: true (or set fragments: false on each to drop them)");
            }
        }
    }

    private static String label(final FragmentClaim c)
    {
        return c.name() == null ? c.path() : "'" + c.name() + "'";
    }

    private static String fragmentText(final Match m)
    {
        final String host = Addresses.format(m.vip());
        return (m.vip() instanceof Inet6Address ? "[" + host + "]" : host) + "/" + m.protocol().word();
    }

    private static String matchText(final Match m)
    {
        final String host = Addresses.format(m.vip());
        return (m.vip() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + (m.port() == 0 ? "any" : m.port())
            + "/" + m.protocol().word();
    }

    /** 1..65535 or "any" (0). */
    private Integer servicePort(final Node node, final String path)
    {
        if (node instanceof org.snakeyaml.engine.v2.nodes.ScalarNode s && s.getValue().equals("any"))
        {
            return 0;
        }
        final ErrorSink quiet = new ErrorSink(sink.file);
        final Long v = Values.integer(quiet, node, path, 1L, 0xFFFFL);
        if (v == null)
        {
            sink.at(node, path + ": must be 1..65535 or \"any\", got " + Values.describe(node));
            return null;
        }
        return v.intValue();
    }

    /** A prime in maglev's bounds. */
    private Integer tableSize(final Node node, final String path)
    {
        final String range = "a prime in 2.." + ConfigDefaults.MAX_TABLE_SIZE;
        final BigInteger v = Values.bigInteger(sink, node, path, range);
        if (v == null)
        {
            return null;
        }
        if (v.compareTo(BigInteger.TWO) < 0 || v.compareTo(BigInteger.valueOf(ConfigDefaults.MAX_TABLE_SIZE)) > 0)
        {
            sink.at(node, path + ": must be " + range + ", got " + Values.shorten(v.toString()));
            return null;
        }
        final int m = v.intValue();
        if (!TableSizes.isPrime(m))
        {
            int below = m - 1;
            while (below >= 2 && !TableSizes.isPrime(below))
            {
                below--;
            }
            final String near = (below >= 2 ? below + " or " : "") + TableSizes.nextPrime(m);
            sink.at(node, path + ": " + m + " is not prime (Maglev needs a prime size; nearest: " + near + ")");
            return null;
        }
        return m;
    }

    /**
     * Reads a service's backends into {@code out}; false if any had an error.
     */
    private boolean backends(final Node node, final String path, final InetAddress vip, final Integer servicePort,
        final boolean mixedFamilies, final List<BackendDefinition> out, final List<ConfigWarning.Site> positions,
        final Map<Boolean, Node> firstOfFamily, final Map<Boolean, String> firstOfFamilyPath,
        final List<AddressAt> addresses)
    {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null)
        {
            return false;
        }
        if (items.isEmpty())
        {
            sink.at(node, path + ": at least one backend is required");
            return false;
        }
        boolean ok = true;
        final Map<String, Node> identities = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String itemPath = path + "[" + i + "]";
            if (++backendsSeen == ConfigDefaults.MAX_BACKENDS + 1)
            {
                // Once: the rest are over the limit too, and one line says what to do.
                sink.at(items.get(i), itemPath + ": backend " + backendsSeen + " of the file; a forwarder runs at most "
                    + ConfigDefaults.MAX_BACKENDS + " backends in all services together");
            }
            final MappingView b = MappingView.of(sink, items.get(i), null, itemPath, BACKEND_KEYS);
            if (b == null)
            {
                ok = false;
                continue;
            }
            final Node addressNode = b.require("address");
            final InetAddress address = addressNode == null ? null
                : Values.unicast(sink, addressNode, b.child("address"), Family.ANY);
            if (address != null && vip != null && !mixedFamilies
                && (address instanceof Inet4Address) != (vip instanceof Inet4Address))
            {
                sink.at(addressNode, b.child("address") + ": " + Addresses.family(address) + " backend in an "
                    + Addresses.family(vip) + " service; set mixed_families: true to allow it (the GRE outer header "
                    + "follows the backend's family)");
                ok = false;
            }
            if (address != null)
            {
                addresses.add(new AddressAt(b.child("address"), addressNode, address));
                final boolean v4 = address instanceof Inet4Address;
                if (firstOfFamily.putIfAbsent(v4, addressNode) == null)
                {
                    firstOfFamilyPath.put(v4, b.child("address"));
                }
            }
            Integer port = servicePort == null ? null : servicePort;
            if (b.get("port") != null)
            {
                port = Values.integer(sink, b.get("port"), b.child("port"), 1, 0xFFFF);
            }
            final Integer weight = optionalInt(b, "weight", 0, ConfigDefaults.MAX_WEIGHT, ConfigDefaults.WEIGHT);
            BackendState state = BackendState.ACTIVE;
            if (b.get("state") != null)
            {
                final int w = Values.word(sink, b.get("state"), b.child("state"), List.of("active", "drain", "down"));
                state = w == 1 ? BackendState.DRAINING : w == 2 ? BackendState.DOWN : BackendState.ACTIVE;
                ok &= w >= 0;
            }
            final HealthCheckConfig health = b.get("health_check") == null ? null
                : healthCheck(b.get("health_check"), b.keyNode("health_check"), b.child("health_check"));
            if (address == null || port == null || weight == null)
            {
                ok = false;
                continue;
            }
            final String identity = Addresses.withPort(address, port);
            final Node first = identities.putIfAbsent(identity, addressNode);
            if (first != null)
            {
                sink.at(addressNode, itemPath + ": backend " + identity + " is listed twice (first at line "
                    + Values.line(first) + ")");
                ok = false;
                continue;
            }
            out.add(new BackendDefinition(address, port, weight, state, health));
            final boolean weightWritten = b.get("weight") != null;
            final Node at = weightWritten ? b.get("weight") : addressNode;
            positions.add(new ConfigWarning.Site(Values.line(at), at.getStartMark().map(mk -> mk.getColumn() + 1).orElse(1),
                b.child(weightWritten ? "weight" : "address")));
        }
        return ok;
    }

    /** GRE to a backend leaves from our address of its family towards the gateway of that family. */
    private void familyRequirements(final Map<Boolean, Node> firstOfFamily, final Map<Boolean, String> paths)
    {
        if (ourAddresses == null || gatewayAddresses == null)
        {
            return;
        }
        for (final boolean v4 : new boolean[] {true, false})
        {
            final Node at = firstOfFamily.get(v4);
            if (at == null)
            {
                continue;
            }
            final boolean haveAddress = v4 ? ourAddresses.ipv4() != null : ourAddresses.ipv6() != null;
            final boolean haveGateway = v4 ? gatewayAddresses.ipv4() != null : gatewayAddresses.ipv6() != null;
            if (!haveAddress || !haveGateway)
            {
                final String fam = v4 ? "ipv4" : "ipv6";
                sink.at(at, paths.get(v4) + ": an " + (v4 ? "IPv4" : "IPv6") + " backend needs instance.addresses."
                    + fam + " and instance.gateways." + fam + " (the GRE outer header is " + (v4 ? "IPv4" : "IPv6")
                    + ")");
            }
        }
    }

    private HealthCheckConfig healthCheck(final Node node, final Node owner, final String path)
    {
        final MappingView h = MappingView.of(sink, node, owner, path, HEALTH_KEYS);
        if (h == null)
        {
            return null;
        }
        final Node typeNode = h.require("type");
        final int typeIndex = typeNode == null ? -1 : Values.word(sink, typeNode, h.child("type"), HEALTH_TYPES);
        final HealthCheckConfig.Type type = typeIndex < 0 ? null : HealthCheckConfig.Type.values()[typeIndex];
        if (type != null)
        {
            final String typeName = HEALTH_TYPES.get(typeIndex);
            for (final String key : HEALTH_KEYS)
            {
                final List<String> types = HEALTH_KEY_TYPES.get(key);
                if (types != null && !types.contains(typeName) && h.get(key) != null)
                {
                    sink.at(h.keyNode(key), h.child(key) + ": applies to " + Values.orList(types).replace(" or ", " and ")
                        + " checks only (type is " + typeName + ")");
                }
            }
        }
        final Integer port = type == HealthCheckConfig.Type.EXEC ? Integer.valueOf(0) : optionalInt(h, "port", 1, 0xFFFF, 0);
        String httpPath = null;
        Integer status = 0;
        if (type == HealthCheckConfig.Type.HTTP || type == HealthCheckConfig.Type.HTTPS)
        {
            httpPath = ConfigDefaults.HTTP_PATH;
            if (h.get("path") != null)
            {
                httpPath = Values.string(sink, h.get("path"), h.child("path"));
                if (httpPath != null && (!httpPath.startsWith("/") || httpPath.chars().anyMatch(c -> c <= ' ' || c == 0x7F)))
                {
                    sink.at(h.get("path"), h.child("path") + ": must start with / and hold no spaces or control characters");
                    httpPath = null;
                }
            }
            status = optionalInt(h, "expect_status", 100, 599, ConfigDefaults.HTTP_STATUS);
        }
        final HealthCheckConfig.Tls tls = type == HealthCheckConfig.Type.HTTPS ? tlsCheck(h) : null;
        final HealthCheckConfig.Dns dns = type == HealthCheckConfig.Type.DNS ? dnsCheck(h) : null;
        final List<String> command = type == HealthCheckConfig.Type.EXEC ? execCommand(h) : null;
        final Duration interval = optionalDuration(h, "interval", ConfigDefaults.MIN_HEALTH_INTERVAL,
            ConfigDefaults.MAX_HEALTH_INTERVAL, ConfigDefaults.HEALTH_INTERVAL);
        final Duration timeout = optionalDuration(h, "timeout", Duration.ofMillis(1), ConfigDefaults.MAX_HEALTH_INTERVAL,
            ConfigDefaults.HEALTH_TIMEOUT);
        if (interval != null && timeout != null && timeout.compareTo(interval) > 0)
        {
            sink.at(h.get("timeout") != null ? h.get("timeout") : h.node(), h.child("timeout") + ": "
                + Values.formatDuration(timeout) + " is longer than the interval " + Values.formatDuration(interval));
        }
        final Integer rise = optionalInt(h, "rise", 1, ConfigDefaults.MAX_RISE_FALL, ConfigDefaults.RISE);
        final Integer fall = optionalInt(h, "fall", 1, ConfigDefaults.MAX_RISE_FALL, ConfigDefaults.FALL);
        final boolean http = type == HealthCheckConfig.Type.HTTP || type == HealthCheckConfig.Type.HTTPS;
        if (type == null || port == null || (http && (httpPath == null || status == null))
            || (type == HealthCheckConfig.Type.HTTPS && tls == null) || (type == HealthCheckConfig.Type.DNS && dns == null)
            || (type == HealthCheckConfig.Type.EXEC && command == null) || interval == null || timeout == null
            || rise == null || fall == null)
        {
            return null;
        }
        return new HealthCheckConfig(type, port, httpPath, status, interval, timeout, rise, fall, tls, dns, command);
    }

    /** An https check's sni, tls_verify and ca_file, or null after an error. */
    private HealthCheckConfig.Tls tlsCheck(final MappingView h)
    {
        String sni = null;
        boolean ok = true;
        if (h.get("sni") != null)
        {
            sni = Values.string(sink, h.get("sni"), h.child("sni"));
            if (sni != null && !validSni(sni))
            {
                sink.at(h.get("sni"), h.child("sni") + ": must be a host name (letters, digits, '-' labels; not an "
                    + "address, no trailing dot), got " + Values.describe(h.get("sni")));
                sni = null;
            }
            ok = sni != null;
        }
        HealthCheckConfig.TlsVerify verify = HealthCheckConfig.TlsVerify.NONE;
        if (h.get("tls_verify") != null)
        {
            final int v = Values.word(sink, h.get("tls_verify"), h.child("tls_verify"), List.of("none", "ca"));
            verify = v < 0 ? null : HealthCheckConfig.TlsVerify.values()[v];
            ok &= verify != null;
        }
        String caFile = null;
        if (verify == HealthCheckConfig.TlsVerify.CA)
        {
            final Node ca = h.require("ca_file");
            caFile = ca == null ? null : Values.string(sink, ca, h.child("ca_file"));
            if (caFile != null && !caFile.startsWith("/"))
            {
                sink.at(ca, h.child("ca_file") + ": must be an absolute path, got " + Values.describe(ca));
                caFile = null;
            }
            ok &= caFile != null;
        }
        else if (verify == HealthCheckConfig.TlsVerify.NONE && h.get("ca_file") != null)
        {
            sink.at(h.keyNode("ca_file"), h.child("ca_file") + ": applies with tls_verify: ca only (tls_verify is none)");
            ok = false;
        }
        return ok ? new HealthCheckConfig.Tls(sni, verify, caFile) : null;
    }

    private static boolean validSni(final String sni)
    {
        if (sni.endsWith(".") || !DNS_NAME.matcher(sni).matches() || sni.matches("[0-9.]+"))
        {
            return false;
        }
        try
        {
            new javax.net.ssl.SNIHostName(sni);
            return true;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    /** A dns check's query_name, query_type and expect_rcode, or null after an error. */
    private HealthCheckConfig.Dns dnsCheck(final MappingView h)
    {
        final Node nameNode = h.require("query_name");
        String name = nameNode == null ? null : Values.string(sink, nameNode, h.child("query_name"));
        if (name != null && !DNS_NAME.matcher(name).matches())
        {
            sink.at(nameNode, h.child("query_name") + ": must be a DNS name (labels of 1..63 letters, digits, '-' or "
                + "'_', at most 253 characters), got " + Values.describe(nameNode));
            name = null;
        }
        int queryType = HealthCheckConfig.QUERY_A;
        if (h.get("query_type") != null)
        {
            final int t = Values.word(sink, h.get("query_type"), h.child("query_type"), List.of("A", "AAAA"));
            queryType = t < 0 ? -1 : t == 0 ? HealthCheckConfig.QUERY_A : HealthCheckConfig.QUERY_AAAA;
        }
        int rcode = 0;
        if (h.get("expect_rcode") != null)
        {
            rcode = Values.word(sink, h.get("expect_rcode"), h.child("expect_rcode"), DNS_RCODES);
        }
        if (name == null || queryType < 0 || rcode < 0)
        {
            return null;
        }
        return new HealthCheckConfig.Dns(name.endsWith(".") ? name.substring(0, name.length() - 1) : name, queryType,
            rcode);
    }

    /** An exec check's command: a non-empty list of strings, run without a shell; null after an error. */
    private List<String> execCommand(final MappingView h)
    {
        final Node node = h.require("command");
        if (node == null)
        {
            return null;
        }
        if (!(node instanceof org.snakeyaml.engine.v2.nodes.SequenceNode))
        {
            sink.visit(node);
            sink.at(node, h.child("command") + ": must be a list of strings, the program and its arguments (no shell),"
                + " e.g. [/usr/local/bin/check-backend, --quick], got " + Values.describe(node));
            return null;
        }
        final List<Node> items = Values.list(sink, node, h.child("command"));
        if (items.isEmpty())
        {
            sink.at(node, h.child("command") + ": must name a program, got an empty list");
            return null;
        }
        final List<String> argv = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++)
        {
            final String arg = Values.string(sink, items.get(i), h.child("command") + "[" + i + "]");
            if (arg != null && (arg.indexOf(0) >= 0 || (i == 0 && arg.isBlank())))
            {
                sink.at(items.get(i), h.child("command") + "[" + i + "]: " + (arg.indexOf(0) >= 0
                    ? "must hold no NUL character" : "must name the program, got an empty string"));
                ok = false;
            }
            ok &= arg != null;
            argv.add(arg);
        }
        return ok ? argv : null;
    }

    // ---------------------------------------------------------------- metrics, control

    /** An optional IP:PORT value; errors go to the sink. */
    private void listenAddress(final Node node, final String path)
    {
        if (node == null)
        {
            return;
        }
        final String text = Values.string(sink, node, path);
        // "off": the announcer opens no such endpoint (bgp-announcer's ConfigLoader takes it too).
        if (text == null || "off".equals(text))
        {
            return;
        }
        final Matcher match = LISTEN.matcher(text);
        final boolean ok = match.matches() && (match.group(1) != null ? Addresses.parseIpv6(match.group(1))
            : Addresses.parseIpv4(match.group(2))) != null && Integer.parseInt(match.group(3)) <= 0xFFFF;
        if (!ok)
        {
            sink.at(node, path + ": '" + Values.shorten(text) + "' is not ADDRESS:PORT with an IP address");
        }
    }

    private MetricsConfig metrics(final Node node, final Node owner)
    {
        final InetSocketAddress fallback = new InetSocketAddress(Addresses.parseIpv4("127.0.0.1"), 9100);
        if (node == null)
        {
            return new MetricsConfig(fallback);
        }
        final MappingView m = MappingView.of(sink, node, owner, "metrics", METRICS_KEYS);
        if (m == null || m.get("listen") == null)
        {
            return new MetricsConfig(fallback);
        }
        final Node listenNode = m.get("listen");
        final String text = Values.string(sink, listenNode, m.child("listen"));
        if (text == null)
        {
            return null;
        }
        final Matcher match = LISTEN.matcher(text);
        InetAddress host = null;
        int port = -1;
        if (match.matches())
        {
            final String hostText = match.group(1) != null ? match.group(1) : match.group(2);
            host = match.group(1) != null ? Addresses.parseIpv6(hostText) : Addresses.parseIpv4(hostText);
            port = Integer.parseInt(match.group(3));
        }
        if (host == null || port < 1 || port > 0xFFFF)
        {
            sink.at(listenNode, m.child("listen") + ": '" + Values.shorten(text)
                + "' is not ADDRESS:PORT with an IP address (127.0.0.1:9100, [::1]:9100; host names are not resolved)");
            return null;
        }
        return new MetricsConfig(new InetSocketAddress(host, port));
    }

    private ControlConfig control(final Node node, final Node owner)
    {
        final Path fallback = Path.of(ConfigDefaults.CONTROL_SOCKET);
        if (node == null)
        {
            return new ControlConfig(fallback);
        }
        final MappingView m = MappingView.of(sink, node, owner, "control", CONTROL_KEYS);
        if (m == null || m.get("socket") == null)
        {
            return new ControlConfig(fallback);
        }
        final Path socket = absolutePath(m.get("socket"), m.child("socket"));
        if (socket != null && socket.toString().getBytes(StandardCharsets.UTF_8).length > ConfigDefaults.MAX_SOCKET_PATH_BYTES)
        {
            sink.at(m.get("socket"), m.child("socket") + ": longer than " + ConfigDefaults.MAX_SOCKET_PATH_BYTES
                + " bytes, the limit of a Unix socket path");
            return null;
        }
        return socket == null ? null : new ControlConfig(socket);
    }

    // ---------------------------------------------------------------- bgp

    private BgpConfig bgp(final Node node, final Node owner)
    {
        final MappingView m = MappingView.of(sink, node, owner, "bgp", BGP_KEYS);
        if (m == null)
        {
            return null;
        }
        final Node asNode = m.require("local_as");
        final Long localAs = asNode == null ? null : Values.integer(sink, asNode, m.child("local_as"), 1L, UINT32_MAX);
        final Node idNode = m.require("router_id");
        final InetAddress routerId = idNode == null ? null : Values.unicast(sink, idNode, m.child("router_id"), Family.IPV4);
        final Duration hold = m.get("hold_time") == null ? ConfigDefaults.BGP_HOLD_TIME
            : holdTime(m.get("hold_time"), m.child("hold_time"));
        final Duration retry = optionalDuration(m, "connect_retry", ConfigDefaults.MIN_BGP_CONNECT_RETRY,
            ConfigDefaults.MAX_BGP_CONNECT_RETRY, ConfigDefaults.BGP_CONNECT_RETRY);
        final Duration gshut = optionalDuration(m, "graceful_shutdown_wait", Duration.ZERO,
            ConfigDefaults.MAX_BGP_GRACEFUL_SHUTDOWN_WAIT, ConfigDefaults.BGP_GRACEFUL_SHUTDOWN_WAIT);
        final Long med = m.get("med") == null ? Long.valueOf(-1) : Values.integer(sink, m.get("med"), m.child("med"), 0L, UINT32_MAX);
        final List<String> communities = communities(m.get("communities"), m.child("communities"), false);
        final List<String> large = communities(m.get("large_communities"), m.child("large_communities"), true);
        final Node peersNode = m.require("peers");
        final List<BgpPeerConfig> peers = peersNode == null ? List.of() : peers(peersNode, m.child("peers"));
        // Announcer-only keys: validated for shape so a typo fails `levitate check`, not the sidecar.
        optionalDuration(m, "announce_delay", Duration.ZERO, Duration.ofMinutes(10), Duration.ZERO);
        optionalInt(m, "graceful_restart_time", 0, 4095, 0);
        listenAddress(m.get("metrics_listen"), m.child("metrics_listen"));
        listenAddress(m.get("listen"), m.child("listen"));
        if (localAs == null || routerId == null || hold == null || retry == null || gshut == null || med == null
            || communities == null || large == null)
        {
            return null;
        }
        return new BgpConfig(localAs, (Inet4Address)routerId, hold, retry, gshut, med, communities, large, peers);
    }

    /** 0, or 3..65535 whole seconds (RFC 4271 section 4.2). */
    private Duration holdTime(final Node node, final String path)
    {
        final Duration d = Values.duration(sink, node, path, Duration.ZERO, ConfigDefaults.MAX_BGP_HOLD_TIME);
        if (d == null)
        {
            return null;
        }
        if (d.toMillis() % 1000 != 0 || (!d.isZero() && d.compareTo(ConfigDefaults.MIN_BGP_HOLD_TIME) < 0))
        {
            sink.at(node, path + ": must be 0 or 3s..65535s in whole seconds (RFC 4271), got "
                + Values.formatDuration(d));
            return null;
        }
        return d;
    }

    private List<String> communities(final Node node, final String path, final boolean large)
    {
        if (node == null)
        {
            return List.of();
        }
        final List<Node> items = Values.list(sink, node, path);
        if (items == null)
        {
            return null;
        }
        final List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++)
        {
            final String itemPath = path + "[" + i + "]";
            final String text = Values.string(sink, items.get(i), itemPath);
            if (text == null)
            {
                ok = false;
                continue;
            }
            final Matcher c = (large ? LARGE_COMMUNITY : COMMUNITY).matcher(text);
            final long max = large ? UINT32_MAX : 0xFFFF;
            boolean valid = c.matches();
            for (int g = 1; valid && g <= c.groupCount(); g++)
            {
                valid = Long.parseLong(c.group(g)) <= max;
            }
            if (!valid)
            {
                sink.at(items.get(i), itemPath + ": '" + Values.shorten(text) + "' is not a "
                    + (large ? "large community A:B:C with each part 0..4294967295" : "community A:B with A and B 0..65535"));
                ok = false;
                continue;
            }
            out.add(text);
        }
        return ok ? out : null;
    }

    private List<BgpPeerConfig> peers(final Node node, final String path)
    {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null)
        {
            return List.of();
        }
        if (items.isEmpty())
        {
            sink.at(node, path + ": at least one peer is required");
        }
        final List<BgpPeerConfig> peers = new ArrayList<>();
        final Map<InetAddress, Node> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String itemPath = path + "[" + i + "]";
            final MappingView p = MappingView.of(sink, items.get(i), null, itemPath, PEER_KEYS);
            if (p == null)
            {
                continue;
            }
            final Node addressNode = p.require("address");
            final InetAddress address = addressNode == null ? null
                : Values.unicast(sink, addressNode, p.child("address"), Family.ANY);
            if (address != null)
            {
                final Node first = seen.putIfAbsent(address, addressNode);
                if (first != null)
                {
                    sink.at(addressNode, p.child("address") + ": peer " + Addresses.format(address)
                        + " is listed twice (first at line " + Values.line(first) + ")");
                }
            }
            final Node asNode = p.require("remote_as");
            final Long remoteAs = asNode == null ? null : Values.integer(sink, asNode, p.child("remote_as"), 1L, UINT32_MAX);
            final Integer port = optionalInt(p, "port", 1, 0xFFFF, ConfigDefaults.BGP_PORT);
            InetAddress local = null;
            if (p.get("local_address") != null)
            {
                local = Values.unicast(sink, p.get("local_address"), p.child("local_address"), Family.ANY);
                if (local != null && address != null && (local instanceof Inet4Address) != (address instanceof Inet4Address))
                {
                    sink.at(p.get("local_address"), p.child("local_address") + ": " + Addresses.family(local)
                        + " source for an " + Addresses.family(address) + " peer; use an address of the peer's family");
                }
            }
            final InetAddress nextHop = p.get("next_hop") == null ? null
                : Values.unicast(sink, p.get("next_hop"), p.child("next_hop"), Family.IPV4);
            final InetAddress nextHopV6 = p.get("next_hop_v6") == null ? null
                : Values.unicast(sink, p.get("next_hop_v6"), p.child("next_hop_v6"), Family.IPV6);
            String md5 = null;
            if (p.get("md5_password") != null)
            {
                md5 = Values.string(sink, p.get("md5_password"), p.child("md5_password"));
                if (md5 != null)
                {
                    final int bytes = md5.getBytes(StandardCharsets.UTF_8).length;
                    if (bytes == 0 || bytes > ConfigDefaults.MAX_MD5_PASSWORD_BYTES)
                    {
                        // The key itself is never echoed.
                        sink.at(p.get("md5_password"), p.child("md5_password") + ": must be 1.."
                            + ConfigDefaults.MAX_MD5_PASSWORD_BYTES + " bytes (RFC 2385, Linux TCP_MD5SIG), got " + bytes);
                    }
                }
            }
            final Boolean passive = optionalBool(p, "passive", false);
            final Duration hold = p.get("hold_time") == null ? null : holdTime(p.get("hold_time"), p.child("hold_time"));
            if (p.get("bfd") != null)
            {
                bfd(p.get("bfd"), p.child("bfd"));
            }
            if (address != null && remoteAs != null && port != null && passive != null)
            {
                peers.add(new BgpPeerConfig(address, remoteAs, port, local, (Inet4Address)nextHop,
                    (Inet6Address)nextHopV6, md5, passive, hold));
            }
        }
        return peers;
    }

    /**
     * {@code bfd: true|false} or {@code {min_tx, min_rx, multiplier}}: the limits of bgp-announcer's
     * BfdConfig (10ms..60s, 1..255), so `levitate check` refuses what the announcer would.
     */
    private void bfd(final Node node, final String path)
    {
        if (node instanceof ScalarNode)
        {
            Values.bool(sink, node, path);
            return;
        }
        final MappingView b = MappingView.of(sink, node, null, path, BFD_KEYS);
        if (b == null)
        {
            return;
        }
        optionalDuration(b, "min_tx", Duration.ofMillis(10), Duration.ofSeconds(60), Duration.ofMillis(300));
        optionalDuration(b, "min_rx", Duration.ofMillis(10), Duration.ofSeconds(60), Duration.ofMillis(300));
        optionalInt(b, "multiplier", 1, 255, 3);
    }

    // ---------------------------------------------------------------- helpers

    private String name(final Node node, final String path)
    {
        final String text = Values.string(sink, node, path);
        if (text == null)
        {
            return null;
        }
        if (!NAME.matcher(text).matches() || text.equals(".") || text.equals(".."))
        {
            sink.at(node, path + ": '" + Values.shorten(text) + "' must be 1..64 characters of A-Z a-z 0-9 _ . -");
            return null;
        }
        return text;
    }

    private Path absolutePath(final Node node, final String path)
    {
        final String text = Values.string(sink, node, path);
        if (text == null)
        {
            return null;
        }
        try
        {
            final Path p = Path.of(text);
            if (p.isAbsolute())
            {
                return p.normalize();
            }
        }
        catch (final InvalidPathException bad)
        {
            // Reported below like any other unusable path.
        }
        sink.at(node, path + ": '" + Values.shorten(text) + "' is not an absolute path");
        return null;
    }

    /** An optional integer key: its value, the default when absent, null after an error. */
    private Integer optionalInt(final MappingView m, final String key, final int min, final int max, final int fallback)
    {
        final Node n = m.get(key);
        return n == null ? Integer.valueOf(fallback) : Values.integer(sink, n, m.child(key), min, max);
    }

    private Boolean optionalBool(final MappingView m, final String key, final boolean fallback)
    {
        final Node n = m.get(key);
        return n == null ? Boolean.valueOf(fallback) : Values.bool(sink, n, m.child(key));
    }

    private Duration optionalDuration(final MappingView m, final String key, final Duration min, final Duration max,
        final Duration fallback)
    {
        final Node n = m.get(key);
        return n == null ? fallback : Values.duration(sink, n, m.child(key), min, max);
    }
}
