package io.levitate.forwarder.config;

import io.levitate.core.config.Addresses;
import io.levitate.core.config.ErrorSink;
import io.levitate.core.config.MappingView;
import io.levitate.core.config.ServiceAddressBinder;
import io.levitate.core.config.Values;
import io.levitate.core.config.Values.Family;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.HashFields;
import io.levitate.maglev.TableSizes;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The {@code services:} list: each service's table, hash, quota, fragments rule and health check,
 * and its backends, with the rules across services (one fragment taker per VIP and protocol, the
 * file's backend count) and against the instance's addresses and gateways. A service's name, VIP,
 * port, protocol and announcement, with unique names and matches, are core's
 * {@link ServiceAddressBinder}, which the announcer runs on the same keys.
 */
final class ServiceBinder {
    /** The schema of a service: core's {@link ServiceAddressBinder#KEYS} and the forwarder's own keys. */
    static final List<String> SERVICE_KEYS = List.of(
            "name",
            "vip",
            "port",
            "protocol",
            "table_size",
            "hash",
            "quota",
            "announce",
            "mixed_families",
            "fragments",
            "health_check",
            "backends");

    static final List<String> BACKEND_KEYS = List.of("address", "port", "weight", "state", "health_check");

    private final ErrorSink sink;
    private final HealthCheckBinder healthChecks;

    /** Where each backend's weight (or address) is written, for warnings about a valid file. */
    private final Map<String, ConfigWarning.Site> backendPositions = new HashMap<>();
    /** Backends seen so far in all services, for {@link ConfigDefaults#MAX_BACKENDS}. */
    private int backendsSeen;

    /** Our addresses and gateways as far as they were valid; null when that part had errors. */
    private final AddressPair ourAddresses;

    private final AddressPair gatewayAddresses;

    ServiceBinder(final ErrorSink sink, final AddressPair ourAddresses, final AddressPair gatewayAddresses) {
        this(sink, ourAddresses, gatewayAddresses, true);
    }

    /** @param healthPrefix whether checks may travel through the tunnel (instance.health_prefix set, or unknown) */
    ServiceBinder(
            final ErrorSink sink,
            final AddressPair ourAddresses,
            final AddressPair gatewayAddresses,
            final boolean healthPrefix) {
        this.sink = sink;
        this.healthChecks = new HealthCheckBinder(sink, healthPrefix);
        this.ourAddresses = ourAddresses;
        this.gatewayAddresses = gatewayAddresses;
    }

    /**
     * Per backend of the file, keyed by {@link ConfigWarning#backendKey}: where its {@code weight}
     * value is written, or its {@code address} when no weight is.
     */
    Map<String, ConfigWarning.Site> backendPositions() {
        return Map.copyOf(backendPositions);
    }

    /** A VIP and protocol (port 0), for the fragment takers. */
    private record Match(InetAddress vip, int port, Protocol protocol) {}

    List<ServiceDefinition> bind(final Node node, final ConntrackSettings conntrack) {
        final List<Node> items = Values.list(sink, node, "services");
        if (items == null) {
            return List.of();
        }
        final List<ServiceDefinition> services = new ArrayList<>();
        final ServiceAddressBinder addressBinder = new ServiceAddressBinder(sink);
        // Per VIP and protocol (port 0), in file order: who claims the fragments.
        final Map<Match, List<FragmentClaim>> fragmentGroups = new java.util.LinkedHashMap<>();
        // The first backend of each family: where "needs our address of that family" is reported.
        final Map<Boolean, Node> firstOfFamily = new HashMap<>();
        final Map<Boolean, String> firstOfFamilyPath = new HashMap<>();
        // Every VIP (first service's) and every backend address: a backend may not be any service's VIP.
        final Map<InetAddress, AddressAt> vipsSeen = new HashMap<>();
        final List<AddressAt> backendAddresses = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            final String path = "services[" + i + "]";
            if (i >= ConfigDefaults.MAX_SERVICES) {
                sink.at(
                        items.get(i),
                        path + ": more than " + ConfigDefaults.MAX_SERVICES + " services; a forwarder runs at most "
                                + ConfigDefaults.MAX_SERVICES);
            }
            final MappingView s = MappingView.of(sink, items.get(i), null, path, SERVICE_KEYS);
            if (s == null) {
                continue;
            }
            // name, vip, port, protocol and announce, and their rules across services, by core's
            // binder, the announcer's too: both processes read a service's VIP by one rule.
            final ServiceAddressBinder.ServiceAddress address = addressBinder.bind(s);
            final String name = address.name();
            final InetAddress vip = address.vip();
            final Node vipNode = address.vipNode();
            final Integer port = address.port();
            final Protocol protocol = address.protocol() == null ? null : Protocol.of(address.protocol());
            if (vip != null) {
                vipRules(vipNode, s.child("vip"), vip);
                vipsSeen.putIfAbsent(vip, new AddressAt(s.child("vip"), vipNode));
            }
            Integer tableSize = 0;
            if (s.get("table_size") != null) {
                tableSize = tableSize(s.get("table_size"), s.child("table_size"));
            }
            HashFields hash = HashFields.FIVE_TUPLE;
            if (s.get("hash") != null) {
                final int w = Values.word(sink, s.get("hash"), s.child("hash"), List.of("5-tuple", "source-ip"));
                hash = w == 1 ? HashFields.SOURCE_IP : HashFields.FIVE_TUPLE;
            }
            Integer quota = 0;
            if (s.get("quota") != null) {
                quota = Values.integer(
                        sink, s.get("quota"), s.child("quota"), 1, ConfigDefaults.MAX_CONNTRACK_CAPACITY);
                if (quota != null && quota > conntrack.capacity()) {
                    sink.at(
                            s.get("quota"),
                            s.child("quota") + ": " + quota + " exceeds conntrack.capacity " + conntrack.capacity()
                                    + " (the quota is per worker, like the capacity)");
                }
            }
            final Boolean mixed = s.optionalBool("mixed_families", false);
            Boolean fragments = null;
            if (s.get("fragments") != null) {
                fragments = Values.bool(sink, s.get("fragments"), s.child("fragments"));
            }
            if (vip != null && protocol != null) {
                fragmentGroups
                        .computeIfAbsent(new Match(vip, 0, protocol), k -> new ArrayList<>())
                        .add(new FragmentClaim(path, name, vipNode, s.get("fragments"), fragments));
            }
            final HealthCheckConfig health = s.get("health_check") == null
                    ? null
                    : healthChecks.bind(s.get("health_check"), s.keyNode("health_check"), s.child("health_check"));
            final Node backendsNode = s.require("backends");
            final List<BackendDefinition> backends = new ArrayList<>();
            final List<ConfigWarning.Site> positions = new ArrayList<>();
            boolean backendsOk = backendsNode != null;
            if (backendsNode != null) {
                backendsOk = backends(
                        backendsNode,
                        s.child("backends"),
                        vip,
                        port,
                        Boolean.TRUE.equals(mixed),
                        backends,
                        positions,
                        firstOfFamily,
                        firstOfFamilyPath,
                        backendAddresses);
            }
            if (name != null && backends.size() == positions.size()) {
                for (int k = 0; k < backends.size(); k++) {
                    backendPositions.put(
                            ConfigWarning.backendKey(name, backends.get(k).identity()), positions.get(k));
                }
            }
            if (backendsOk && tableSize != null && tableSize != 0 && tableSize < backends.size()) {
                sink.at(
                        s.get("table_size"),
                        s.child("table_size") + ": " + tableSize + " is smaller than the " + backends.size()
                                + " backends (aim for at least 100 per backend)");
            }
            if (address.complete() && tableSize != null && quota != null && mixed != null && backendsOk) {
                services.add(new ServiceDefinition(
                        name,
                        vip,
                        port,
                        protocol,
                        tableSize,
                        hash,
                        quota,
                        address.announce(),
                        mixed,
                        fragments,
                        health,
                        backends));
            }
        }
        familyRequirements(firstOfFamily, firstOfFamilyPath);
        fragmentTakers(fragmentGroups);
        for (final AddressAt backend : backendAddresses) {
            final AddressAt vip = vipsSeen.get(backend.address());
            if (vip != null) {
                sink.at(
                        backend.node(),
                        backend.path() + ": " + Addresses.format(backend.address()) + " is a VIP (" + vip.path()
                                + ", line " + Values.line(vip.node())
                                + "); tunnelled to it, a packet would come back here");
            }
        }
        return services;
    }

    /** An address as read, with where it was written. */
    private record AddressAt(String path, Node node, InetAddress address) {
        AddressAt(final String path, final Node node) {
            this(path, node, null);
        }
    }

    /**
     * What a VIP cannot be beyond core's rules (unicast, not loopback, not 0/8): an address this
     * machine or its gateway already answers for (ARP/ND, ICMP and the kernel's exception path
     * would be ambiguous, and the gateway's traffic would be load-balanced). Only the forwarder
     * knows the instance's addresses, so this rule is its own.
     */
    private void vipRules(final Node node, final String path, final InetAddress vip) {
        final String shown = path + ": " + Addresses.format(vip);
        final boolean v4 = vip instanceof Inet4Address;
        final String family = v4 ? "ipv4" : "ipv6";
        if (ourAddresses != null && vip.equals(v4 ? ourAddresses.ipv4() : ourAddresses.ipv6())) {
            sink.at(
                    node,
                    shown + " is our own address (instance.addresses." + family + "); a VIP must be an address "
                            + "of its own");
        } else if (gatewayAddresses != null && vip.equals(v4 ? gatewayAddresses.ipv4() : gatewayAddresses.ipv6())) {
            sink.at(
                    node,
                    shown + " is the gateway (instance.gateways." + family + "); a VIP must be an address of its own");
        }
    }

    /** A service's {@code fragments:} as written, for {@link #fragmentTakers}. */
    private record FragmentClaim(String path, String name, Node vipNode, Node fragmentsNode, Boolean fragments) {}

    /**
     * Fragments carry no ports: per VIP and protocol one service at most takes them (ServiceDefinition
     * .takesFragments). Two services marked {@code fragments: true} are refused; so are several UDP
     * services of one VIP with none marked and not all {@code false}, since UDP datagrams are
     * fragmented in practice (DNS, tunnels) and which service the operator meant cannot be guessed.
     * TCP segments are sent with DF (path MTU discovery), so several TCP services of one VIP with
     * none marked are accepted: their VIP's TCP fragments are dropped and counted.
     */
    private void fragmentTakers(final Map<Match, List<FragmentClaim>> groups) {
        for (final Map.Entry<Match, List<FragmentClaim>> group : groups.entrySet()) {
            final List<FragmentClaim> claims = group.getValue();
            FragmentClaim marked = null;
            boolean allRefuse = true;
            for (final FragmentClaim c : claims) {
                allRefuse &= Boolean.FALSE.equals(c.fragments());
                if (!Boolean.TRUE.equals(c.fragments())) {
                    continue;
                }
                if (marked != null) {
                    sink.at(
                            c.fragmentsNode(),
                            c.path() + ".fragments: service " + label(marked)
                                    + " (line " + Values.line(marked.fragmentsNode())
                                    + ") already takes the fragments of "
                                    + fragmentText(group.getKey()) + "; only one service per VIP and protocol can");
                } else {
                    marked = c;
                }
            }
            if (marked == null
                    && !allRefuse
                    && claims.size() > 1
                    && group.getKey().protocol() == Protocol.UDP) {
                final FragmentClaim second = claims.get(1);
                sink.at(
                        second.vipNode(),
                        second.path() + ": services " + label(claims.get(0)) + " (line "
                                + Values.line(claims.get(0).vipNode()) + ") and " + label(second) + " share "
                                + fragmentText(group.getKey())
                                + ", whose fragments carry no port: mark the one that takes them "
                                + "with fragments: true (or set fragments: false on each to drop them)");
            }
        }
    }

    private static String label(final FragmentClaim c) {
        return c.name() == null ? c.path() : "'" + c.name() + "'";
    }

    private static String fragmentText(final Match m) {
        final String host = Addresses.format(m.vip());
        return (m.vip() instanceof Inet6Address ? "[" + host + "]" : host) + "/"
                + m.protocol().word();
    }

    /** A prime in maglev's bounds. */
    private Integer tableSize(final Node node, final String path) {
        final String range = "a prime in 2.." + ConfigDefaults.MAX_TABLE_SIZE;
        final BigInteger v = Values.bigInteger(sink, node, path, range);
        if (v == null) {
            return null;
        }
        if (v.compareTo(BigInteger.TWO) < 0 || v.compareTo(BigInteger.valueOf(ConfigDefaults.MAX_TABLE_SIZE)) > 0) {
            sink.at(node, path + ": must be " + range + ", got " + Values.shorten(v.toString()));
            return null;
        }
        final int m = v.intValue();
        if (!TableSizes.isPrime(m)) {
            int below = m - 1;
            while (below >= 2 && !TableSizes.isPrime(below)) {
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
    private boolean backends(
            final Node node,
            final String path,
            final InetAddress vip,
            final Integer servicePort,
            final boolean mixedFamilies,
            final List<BackendDefinition> out,
            final List<ConfigWarning.Site> positions,
            final Map<Boolean, Node> firstOfFamily,
            final Map<Boolean, String> firstOfFamilyPath,
            final List<AddressAt> addresses) {
        final List<Node> items = Values.list(sink, node, path);
        if (items == null) {
            return false;
        }
        if (items.isEmpty()) {
            sink.at(node, path + ": at least one backend is required");
            return false;
        }
        boolean ok = true;
        final Map<String, Node> identities = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            final String itemPath = path + "[" + i + "]";
            if (++backendsSeen == ConfigDefaults.MAX_BACKENDS + 1) {
                // Once: the rest are over the limit too, and one line says what to do.
                sink.at(
                        items.get(i),
                        itemPath + ": backend " + backendsSeen + " of the file; a forwarder runs at most "
                                + ConfigDefaults.MAX_BACKENDS + " backends in all services together");
            }
            final MappingView b = MappingView.of(sink, items.get(i), null, itemPath, BACKEND_KEYS);
            if (b == null) {
                ok = false;
                continue;
            }
            final Node addressNode = b.require("address");
            final InetAddress address =
                    addressNode == null ? null : Values.unicast(sink, addressNode, b.child("address"), Family.ANY);
            if (address != null
                    && vip != null
                    && !mixedFamilies
                    && (address instanceof Inet4Address) != (vip instanceof Inet4Address)) {
                sink.at(
                        addressNode,
                        b.child("address") + ": " + Addresses.family(address) + " backend in an "
                                + Addresses.family(vip)
                                + " service; set mixed_families: true to allow it (the GRE outer header "
                                + "follows the backend's family)");
                ok = false;
            }
            if (address != null) {
                addresses.add(new AddressAt(b.child("address"), addressNode, address));
                final boolean v4 = address instanceof Inet4Address;
                if (firstOfFamily.putIfAbsent(v4, addressNode) == null) {
                    firstOfFamilyPath.put(v4, b.child("address"));
                }
            }
            Integer port = servicePort == null ? null : servicePort;
            if (b.get("port") != null) {
                port = Values.integer(sink, b.get("port"), b.child("port"), 1, 0xFFFF);
            }
            final Integer weight = b.optionalInt("weight", 0, ConfigDefaults.MAX_WEIGHT, ConfigDefaults.WEIGHT);
            BackendState state = BackendState.ACTIVE;
            if (b.get("state") != null) {
                final int w = Values.word(sink, b.get("state"), b.child("state"), List.of("active", "drain", "down"));
                state = w == 1 ? BackendState.DRAINING : w == 2 ? BackendState.DOWN : BackendState.ACTIVE;
                ok &= w >= 0;
            }
            final HealthCheckConfig health = b.get("health_check") == null
                    ? null
                    : healthChecks.bind(b.get("health_check"), b.keyNode("health_check"), b.child("health_check"));
            if (address == null || port == null || weight == null) {
                ok = false;
                continue;
            }
            final String identity = Addresses.withPort(address, port);
            final Node first = identities.putIfAbsent(identity, addressNode);
            if (first != null) {
                sink.at(
                        addressNode,
                        itemPath + ": backend " + identity + " is listed twice (first at line " + Values.line(first)
                                + ")");
                ok = false;
                continue;
            }
            out.add(new BackendDefinition(address, port, weight, state, health));
            final boolean weightWritten = b.get("weight") != null;
            final Node at = weightWritten ? b.get("weight") : addressNode;
            positions.add(new ConfigWarning.Site(
                    Values.line(at),
                    at.getStartMark().map(mk -> mk.getColumn() + 1).orElse(1),
                    b.child(weightWritten ? "weight" : "address")));
        }
        return ok;
    }

    /** GRE to a backend leaves from our address of its family towards the gateway of that family. */
    private void familyRequirements(final Map<Boolean, Node> firstOfFamily, final Map<Boolean, String> paths) {
        if (ourAddresses == null || gatewayAddresses == null) {
            return;
        }
        for (final boolean v4 : new boolean[] {true, false}) {
            final Node at = firstOfFamily.get(v4);
            if (at == null) {
                continue;
            }
            final boolean haveAddress = v4 ? ourAddresses.ipv4() != null : ourAddresses.ipv6() != null;
            final boolean haveGateway = v4 ? gatewayAddresses.ipv4() != null : gatewayAddresses.ipv6() != null;
            if (!haveAddress || !haveGateway) {
                final String fam = v4 ? "ipv4" : "ipv6";
                sink.at(
                        at,
                        paths.get(v4) + ": an " + (v4 ? "IPv4" : "IPv6") + " backend needs instance.addresses."
                                + fam + " and instance.gateways." + fam + " (the GRE outer header is "
                                + (v4 ? "IPv4" : "IPv6")
                                + ")");
            }
        }
    }
}
