package io.levitate.forwarder.config;

import static io.levitate.forwarder.config.ConfigTesting.assertErrors;
import static io.levitate.forwarder.config.ConfigTesting.errors;
import static io.levitate.forwarder.config.ConfigTesting.minimal;
import static io.levitate.forwarder.config.ConfigTesting.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.config.BgpConfig;
import io.levitate.core.config.ConfigError;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule: the exact {@code FILE:LINE:COL: reason} of each error. Positions refer to the
 * minimal fixture's lines (see {@link ConfigTesting#minimal()}).
 */
class ConfigErrorsTest {
    private static final String GATEWAY_V4 = "  gateways:\n    ipv4: 10.0.1.1\n";
    private static final String WEB_BACKENDS = "      - address: 10.0.2.11\n      - address: 10.0.2.12\n";

    // ---------------------------------------------------------------- YAML and structure

    @Test
    void emptyFile() {
        assertErrors("", "t.yaml:1:1: the file is empty; expected a mapping with instance, hash_seed and services");
        assertErrors(
                "# only a comment\n",
                "t.yaml:1:1: the file is empty; expected a mapping with instance, hash_seed and services");
    }

    @Test
    void yamlSyntaxErrorHasItsPosition() {
        assertErrors(
                minimalWith("    port: 80\n", "    port: [80\n"),
                "t.yaml:14:13: YAML syntax: while parsing a flow sequence: expected ',' or ']', but got :");
    }

    @Test
    void truncatedFile() {
        assertErrors(
                "instance:\n  name: \"lb1",
                "t.yaml:2:13: YAML syntax: while scanning a quoted scalar: found unexpected end of stream");
    }

    @Test
    void documentMustBeAMapping() {
        assertErrors("- a\n- b\n", "t.yaml:1:1: expected a mapping (key: value lines), got a list");
    }

    @Test
    void onlyOneDocument() {
        assertErrors(
                minimal() + "---\nhash_seed: 1\n",
                "t.yaml:18:1: YAML syntax: expected a single document in the stream: but found another document");
    }

    @Test
    void unknownKeyWithSuggestion() {
        assertErrors(
                minimalWith("  name: lb1", "  nmae: lb1"),
                "t.yaml:1:1: instance: missing required key 'name'",
                "t.yaml:2:3: instance.nmae: unknown key (did you mean 'name'?)");
    }

    @Test
    void unknownKeyWithoutNearMiss() {
        assertErrors(
                minimal() + "colour: blue\n",
                "t.yaml:18:1: colour: unknown key; expected one of instance, hash_seed, conntrack, services, metrics, "
                        + "control, bgp");
    }

    @Test
    void unknownKeyDeepInsideWithSuggestion() {
        assertErrors(
                minimalWith("      - address: 10.0.2.12\n", "      - address: 10.0.2.12\n        wieght: 5\n"),
                "t.yaml:18:9: services[0].backends[1].wieght: unknown key (did you mean 'weight'?)");
    }

    @Test
    void duplicateKey() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  name: lb2\n"),
                "t.yaml:3:3: instance.name: duplicate key (first at line 2)");
    }

    @Test
    void missingRequiredTopLevelKey() {
        assertErrors(minimalWith("hash_seed: 42\n", ""), "t.yaml:1:1: missing required key 'hash_seed'");
    }

    @Test
    void wrongTypes() {
        assertErrors(
                minimalWith("hash_seed: 42\nservices:", "hash_seed: [42]\nservices:"),
                "t.yaml:9:12: hash_seed: expected a number (a uint64, decimal or 0x hex), got a list");
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  workers: \"2\"\n"),
                "t.yaml:3:12: instance.workers: expected a number (1..128), got the quoted text '2'; remove the quotes");
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    announce: yes\n"),
                "t.yaml:15:15: services[0].announce: expected true or false, got 'yes'");
        assertErrors(
                minimalWith("  name: lb1\n", "  name:\n"), "t.yaml:2:8: instance.name: expected text, got nothing");
    }

    @Test
    void sectionOfTheWrongShape() {
        final String yaml = "instance: [1, 2]\nhash_seed: 1\nservices: {}\n";
        assertErrors(
                yaml,
                "t.yaml:1:11: instance: expected a mapping (key: value lines), got a list",
                "t.yaml:3:11: services: expected a list, got a mapping");
    }

    // ---------------------------------------------------------------- instance

    @Test
    void instanceNameCharacters() {
        assertErrors(
                minimalWith("  name: lb1", "  name: lb/1"),
                "t.yaml:2:9: instance.name: 'lb/1' must be 1..64 characters of A-Z a-z 0-9 _ . -");
    }

    @Test
    void countersDirMustBeAbsolute() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  counters_dir: shm/levitate\n"),
                "t.yaml:3:17: instance.counters_dir: 'shm/levitate' is not an absolute path");
    }

    @Test
    void portsNonEmpty() {
        assertErrors(
                minimalWith("  ports:\n    - device: net_null0\n", "  ports: []\n"),
                "t.yaml:3:10: instance.ports: at least one port is required (a PCI address or a vdev string)");
    }

    @Test
    void portDeviceMustParse() {
        assertErrors(
                minimalWith("device: net_null0", "device: \"net null0\""),
                "t.yaml:4:15: instance.ports[0].device: 'net null0' is neither a PCI address (0000:03:00.0) nor a vdev "
                        + "string (net_pcap0,rx_pcap=FILE)");
    }

    @Test
    void portDevicesDistinct() {
        assertErrors(
                minimalWith("    - device: net_null0\n", "    - device: net_null0\n    - device: net_null0,x=1\n"),
                "t.yaml:5:15: instance.ports[1].device: device net_null0 is listed twice (first at line 4)");
    }

    @Test
    void mtuRange() {
        assertErrors(
                minimalWith("    - device: net_null0\n", "    - device: net_null0\n      mtu: 67\n"),
                "t.yaml:5:12: instance.ports[0].mtu: must be 68..9600, got 67");
        assertErrors(
                minimalWith("    - device: net_null0\n", "    - device: net_null0\n      mtu: 9601\n"),
                "t.yaml:5:12: instance.ports[0].mtu: must be 68..9600, got 9601");
    }

    @Test
    void workersAtLeastOne() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  workers: 0\n"),
                "t.yaml:3:12: instance.workers: must be 1..128, got 0");
    }

    @Test
    void coresOnePerWorker() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  workers: 2\n  cores: [1]\n"),
                "t.yaml:4:10: instance.cores: lists 1 CPUs for 2 workers; give one per worker");
    }

    @Test
    void coresDistinct() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  workers: 2\n  cores: [3, 3]\n"),
                "t.yaml:4:14: instance.cores[1]: CPU 3 is listed twice (first at line 4); each worker needs a CPU of its own");
    }

    @Test
    void hugepagesWords() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  hugepages: true\n"),
                "t.yaml:3:14: instance.hugepages: must be auto, yes or no, got 'true'");
    }

    @Test
    void mbufsRange() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  mbufs: 100\n"),
                "t.yaml:3:10: instance.mbufs: must be 1023..268435455, got 100");
    }

    @Test
    void addressesNeedOneFamily() {
        assertErrors(
                minimalWith("  addresses:\n    ipv4: 10.0.1.2\n", "  addresses: {}\n"),
                "t.yaml:5:3: instance.addresses: give ipv4, ipv6 or both");
    }

    @Test
    void badIpv4() {
        assertErrors(
                minimalWith("ipv4: 10.0.1.2", "ipv4: 10.0.1.256"),
                "t.yaml:6:11: instance.addresses.ipv4: '10.0.1.256' is not an IPv4 address (a.b.c.d, decimal, no leading zeros)");
        assertErrors(
                minimalWith("ipv4: 10.0.1.2", "ipv4: 010.0.1.2"),
                "t.yaml:6:11: instance.addresses.ipv4: '010.0.1.2' is not an IPv4 address (a.b.c.d, decimal, no leading zeros)");
        assertErrors(
                minimalWith("ipv4: 10.0.1.2", "ipv4: fd00::2"),
                "t.yaml:6:11: instance.addresses.ipv4: 'fd00::2' is IPv6; this key needs an IPv4 address");
    }

    @Test
    void badIpv6() {
        assertErrors(
                minimalWith("    ipv4: 10.0.1.2\n", "    ipv4: 10.0.1.2\n    ipv6: fd00::1::2\n"),
                "t.yaml:7:11: instance.addresses.ipv6: 'fd00::1::2' is not an IPv6 address");
        assertErrors(
                minimalWith("    ipv4: 10.0.1.2\n", "    ipv4: 10.0.1.2\n    ipv6: \"fe80::1%eth0\"\n"),
                "t.yaml:7:11: instance.addresses.ipv6: 'fe80::1%eth0' is not an IPv6 address");
    }

    @Test
    void ourAddressMustBeUnicast() {
        assertErrors(
                minimalWith("ipv4: 10.0.1.2", "ipv4: 0.0.0.0"),
                "t.yaml:6:11: instance.addresses.ipv4: 0.0.0.0 is not a unicast address");
    }

    @Test
    void gatewayNeedsOurAddressOfItsFamily() {
        assertErrors(
                minimalWith("    ipv4: 10.0.1.1\n", "    ipv4: 10.0.1.1\n    ipv6: fd00:1::1\n"),
                "t.yaml:9:11: instance.gateways.ipv6: no instance.addresses.ipv6 to reach it from");
    }

    @Test
    void gatewayIsNotOurAddress() {
        assertErrors(
                minimalWith("ipv4: 10.0.1.1", "ipv4: 10.0.1.2"),
                "t.yaml:8:11: instance.gateways.ipv4: is our own address (instance.addresses.ipv4)");
    }

    @Test
    void greSourcePrefix() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  gre_source_prefix: 10.0.9.1/24\n"),
                "t.yaml:3:22: instance.gre_source_prefix: '10.0.9.1/24' has host bits set (did you mean 10.0.9.0/24?)");
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  gre_source_prefix: 10.0.9.0/33\n"),
                "t.yaml:3:22: instance.gre_source_prefix: '10.0.9.0/33' is not a prefix such as 10.0.9.0/24 or fd00:9::/64");
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  gre_source_prefix: fd00:9::/64\n"),
                "t.yaml:3:22: instance.gre_source_prefix: an IPv6 prefix needs instance.addresses.ipv6 (GRE packets of "
                        + "that family leave from our address of that family)");
    }

    @Test
    void healthPrefix() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  health_prefix: fd00:9::/120\n"),
                "t.yaml:3:18: instance.health_prefix: must be an IPv4 prefix (checks through the tunnel are IPv4 "
                        + "only; IPv6 services are checked directly)");
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  health_prefix: 10.0.0.0/8\n"),
                "t.yaml:3:18: instance.health_prefix: a prefix length of 16 to 30, got /8");
        assertEquals(
                "10.0.1.128/28",
                ConfigTesting.valid(minimalWith("  name: lb1\n", "  name: lb1\n  health_prefix: 10.0.1.128/28\n"))
                        .instance()
                        .healthPrefix()
                        .toString());
    }

    @Test
    void healthCheckVia() {
        // Refused, not quietly checked directly: the operator would trust a pass it cannot mean.
        assertErrors(
                minimalWith(
                        "    protocol: tcp\n",
                        "    protocol: tcp\n    health_check:\n      type: tcp\n      via: tunnel\n"),
                "t.yaml:17:12: services[0].health_check.via: tunnel needs instance.health_prefix (the probes' source "
                        + "addresses, which must route back to this machine; OPERATIONS.md, Health checks through the "
                        + "tunnel)");
        assertErrors(
                minimalWith(
                        "    protocol: tcp\n",
                        "    protocol: tcp\n    health_check:\n      type: exec\n      command: [/bin/true]\n"
                                + "      via: direct\n"),
                "t.yaml:18:7: services[0].health_check.via: applies to tcp, http, https and dns checks only (type is "
                        + "exec)");
        assertErrors(
                minimalWith(
                        "    protocol: tcp\n",
                        "    protocol: tcp\n    health_check:\n      type: tcp\n      via: gre\n"),
                "t.yaml:17:12: services[0].health_check.via: must be direct or tunnel, got 'gre'");
        final LevitateConfig tunnelled = ConfigTesting.valid(minimalWith(
                        "    protocol: tcp\n",
                        "    protocol: tcp\n    health_check:\n      type: tcp\n      via: tunnel\n")
                .replace("  name: lb1\n", "  name: lb1\n  health_prefix: 10.0.1.128/28\n"));
        assertEquals(
                HealthCheckConfig.Via.TUNNEL,
                tunnelled.services().get(0).healthCheck().via());
    }

    @Test
    void idleMode() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  idle: sleepy\n"),
                "t.yaml:3:9: instance.idle: must be busy-spin or backoff, got 'sleepy'");
    }

    @Test
    void stopGrace() {
        assertEquals(
                java.time.Duration.ofSeconds(2),
                ConfigTesting.valid(minimal()).instance().stopGrace());
        assertEquals(
                java.time.Duration.ofMillis(500),
                ConfigTesting.valid(minimalWith("  name: lb1\n", "  name: lb1\n  stop_grace: 500ms\n"))
                        .instance()
                        .stopGrace());
        assertEquals(
                java.time.Duration.ZERO,
                ConfigTesting.valid(minimalWith("  name: lb1\n", "  name: lb1\n  stop_grace: 0s\n"))
                        .instance()
                        .stopGrace());
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  stop_grace: 21s\n"),
                "t.yaml:3:15: instance.stop_grace: must be 0s..20s, got 21s");
    }

    @Test
    void exceptionPath() {
        assertEquals(
                "lvx",
                ConfigTesting.valid(minimalWith("  name: lb1\n", "  name: lb1\n  exception_path: tap\n"))
                        .instance()
                        .exceptionTap());
        assertEquals(
                "exc",
                ConfigTesting.valid(minimalWith(
                                "  name: lb1\n", "  name: lb1\n  exception_path: tap\n  exception_interface: exc\n"))
                        .instance()
                        .exceptionTap());
        assertEquals(
                null,
                ConfigTesting.valid(minimalWith("  name: lb1\n", "  name: lb1\n  exception_path: drop\n"))
                        .instance()
                        .exceptionTap());
        assertEquals(
                ConfigDefaults.EXCEPTION_RATE,
                ConfigTesting.valid(minimal()).instance().exceptionRate());
        assertEquals(
                500,
                ConfigTesting.valid(minimalWith("  name: lb1\n", "  name: lb1\n  exception_rate: 500\n"))
                        .instance()
                        .exceptionRate());
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  exception_rate: 0\n"),
                "t.yaml:3:19: instance.exception_rate: must be 1..10000000, got 0");
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  exception_path: kernel\n"),
                "t.yaml:3:19: instance.exception_path: must be drop or tap, got 'kernel'");
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  exception_interface: exc\n"),
                "t.yaml:3:24: instance.exception_interface: needs instance.exception_path: tap");
        assertErrors(
                minimalWith(
                        "  name: lb1\n",
                        "  name: lb1\n  exception_path: tap\n  exception_interface: a-very-long-name\n"),
                "t.yaml:4:24: instance.exception_interface: 'a-very-long-name' is not an interface name prefix "
                        + "(1-12 of A-Z a-z 0-9 _ -; the port index is appended)");
    }

    @Test
    void neighboursLearnByDefaultOrArePinned() {
        assertEquals(
                NeighbourSettings.LEARN,
                ConfigTesting.valid(minimal()).instance().neighbours());
        assertEquals(
                NeighbourSettings.LEARN,
                ConfigTesting.valid(minimalWith("  name: lb1\n", "  name: lb1\n  neighbours: learn\n"))
                        .instance()
                        .neighbours());
        assertEquals(
                new NeighbourSettings(NeighbourSettings.NeighbourMode.STATIC, 0x0200_5E10_00A1L, 0),
                ConfigTesting.valid(minimalWith(
                                GATEWAY_V4, GATEWAY_V4 + "    ipv4_mac: 02:00:5E:10:00:a1\n  neighbours: static\n"))
                        .instance()
                        .neighbours());
    }

    @Test
    void neighboursModeIsLearnOrStatic() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  neighbours: pinned\n"),
                "t.yaml:3:15: instance.neighbours: must be learn or static, got 'pinned'");
    }

    @Test
    void staticNeighboursNeedEveryGatewaysMac() {
        assertErrors(
                minimalWith("  name: lb1\n", "  name: lb1\n  neighbours: static\n"),
                "t.yaml:9:11: instance.gateways.ipv4: instance.neighbours is static, so this gateway needs its MAC in "
                        + "instance.gateways.ipv4_mac");
        // Both families: the IPv6 gateway's MAC is missing.
        assertErrors(
                minimalWith(
                        "    ipv4: 10.0.1.2\n  gateways:\n    ipv4: 10.0.1.1\n",
                        "    ipv4: 10.0.1.2\n    ipv6: \"fd00:1::2\"\n  gateways:\n    ipv4: 10.0.1.1\n    ipv4_mac: \"02:00:00:00:00:01\"\n"
                                + "    ipv6: \"fd00:1::1\"\n  neighbours: static\n"),
                "t.yaml:11:11: instance.gateways.ipv6: instance.neighbours is static, so this gateway needs its MAC in "
                        + "instance.gateways.ipv6_mac");
    }

    @Test
    void pinnedMacMustBeAUnicastMac() {
        for (final String mac :
                new String[] {"ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "33:33:00:00:00:01", "00:00:00:00:00:00"}) {
            assertErrors(
                    minimalWith(
                            GATEWAY_V4,
                            GATEWAY_V4 + "    ipv4_mac: \"" + mac.toUpperCase(java.util.Locale.ROOT)
                                    + "\"\n  neighbours: static\n"),
                    "t.yaml:9:15: instance.gateways.ipv4_mac: " + mac
                            + " is not a unicast MAC (a gateway's MAC is neither "
                            + "zero nor a multicast or broadcast address)");
        }
        assertErrors(
                minimalWith(GATEWAY_V4, GATEWAY_V4 + "    ipv4_mac: 02:00:00:00:00\n  neighbours: static\n"),
                "t.yaml:9:15: instance.gateways.ipv4_mac: '02:00:00:00:00' is not a MAC address such as 02:00:5e:10:00:01");
        assertErrors(
                minimalWith(GATEWAY_V4, GATEWAY_V4 + "    ipv4_mac: 0200.0000.0001\n  neighbours: static\n"),
                "t.yaml:9:15: instance.gateways.ipv4_mac: '0200.0000.0001' is not a MAC address such as 02:00:5e:10:00:01");
    }

    @Test
    void pinnedMacNeedsStaticNeighboursAndItsGateway() {
        assertErrors(
                minimalWith(GATEWAY_V4, GATEWAY_V4 + "    ipv4_mac: 02:00:00:00:00:01\n"),
                "t.yaml:9:15: instance.gateways.ipv4_mac: needs instance.neighbours: static (learnt MACs are not pinned)");
        assertErrors(
                minimalWith(
                        GATEWAY_V4,
                        GATEWAY_V4 + "    ipv4_mac: 02:00:00:00:00:01\n    ipv6_mac: 02:00:00:00:00:02\n"
                                + "  neighbours: static\n"),
                "t.yaml:10:15: instance.gateways.ipv6_mac: no instance.gateways.ipv6 whose MAC this would be");
        assertErrors(
                minimalWith(
                        GATEWAY_V4,
                        GATEWAY_V4 + "    ipv4_mac: 02:00:00:00:00:01\n    mac: 02:00:00:00:00:01\n"
                                + "  neighbours: static\n"),
                "t.yaml:10:5: instance.gateways.mac: unknown key; expected one of ipv4, ipv6, ipv4_mac, ipv6_mac");
    }

    // ---------------------------------------------------------------- hash seed, conntrack

    @Test
    void hashSeedRange() {
        assertErrors(
                minimalWith("hash_seed: 42", "hash_seed: 18446744073709551616"),
                "t.yaml:9:12: hash_seed: must be 0..18446744073709551615 (or 0x0..0xffffffffffffffff), got "
                        + "18446744073709551616");
        assertErrors(
                minimalWith("hash_seed: 42", "hash_seed: -1"),
                "t.yaml:9:12: hash_seed: must be 0..18446744073709551615 (or 0x0..0xffffffffffffffff), got -1");
        assertErrors(
                minimalWith("hash_seed: 42", "hash_seed: 0x1ffffffffffffffff"),
                "t.yaml:9:12: hash_seed: expected a number (a uint64, decimal or 0x hex), got '0x1ffffffffffffffff'");
    }

    @Test
    void hugeNumbersAreRangeErrors() {
        assertErrors(
                minimalWith("    port: 80", "    port: 80\n    quota: 99999999999999999999999999999999"),
                "t.yaml:14:12: services[0].quota: must be 1..67108864, got 99999999999999999999999999999999");
    }

    @Test
    void conntrackCapacityRange() {
        assertErrors(
                minimal() + "conntrack:\n  capacity: 1000\n",
                "t.yaml:19:13: conntrack.capacity: must be 1024..67108864, got 1000");
    }

    @Test
    void durationsPositiveAndWellFormed() {
        assertErrors(
                minimal() + "conntrack:\n  timeouts:\n    udp: 0s\n    tcp_syn: 5 s\n    tcp_closing: 10\n"
                        + "    tcp_established: 25h\n",
                "t.yaml:20:10: conntrack.timeouts.udp: must be 100ms..24h, got 0s",
                "t.yaml:21:14: conntrack.timeouts.tcp_syn: expected a duration such as 300s, 500ms, 5m or 1h, got '5 s'",
                "t.yaml:22:18: conntrack.timeouts.tcp_closing: expected a duration such as 300s, 500ms, 5m or 1h, got '10'",
                "t.yaml:23:22: conntrack.timeouts.tcp_established: must be 100ms..24h, got 25h");
    }

    // ---------------------------------------------------------------- services

    @Test
    void serviceNameCharacters() {
        assertErrors(
                minimalWith("  - name: web", "  - name: \"web site\""),
                "t.yaml:11:11: services[0].name: 'web site' must be 1..64 characters of A-Z a-z 0-9 _ . -");
    }

    @Test
    void duplicateServiceNames() {
        assertErrors(
                minimal() + "  - name: web\n    vip: 198.18.0.11\n    port: 80\n    protocol: tcp\n    backends:\n"
                        + WEB_BACKENDS,
                "t.yaml:18:11: services[1].name: duplicate service name 'web' (first at line 11)");
    }

    @Test
    void duplicateVipPortProtocol() {
        assertErrors(
                minimal() + "  - name: web2\n    vip: 198.18.0.10\n    port: 80\n    protocol: tcp\n    backends:\n"
                        + WEB_BACKENDS,
                "t.yaml:19:10: services[1]: same vip, port and protocol (198.18.0.10:80/tcp) as service 'web' (line 12)");
    }

    @Test
    void duplicateAnyPortService() {
        final String any = minimalWith("    port: 80", "    port: any");
        assertErrors(
                any + "  - name: web2\n    vip: 198.18.0.10\n    port: any\n    protocol: tcp\n    backends:\n"
                        + WEB_BACKENDS,
                "t.yaml:19:10: services[1]: same vip, port and protocol (198.18.0.10:any/tcp) as service 'web' (line 12)");
    }

    @Test
    void severalUdpServicesOfOneVipMustSayWhichTakesFragments() {
        final String udp = minimalWith("    protocol: tcp", "    protocol: udp");
        final String second = "  - name: web2\n    vip: 198.18.0.10\n    port: any\n    protocol: udp\n";
        assertErrors(
                udp + second + "    backends:\n" + WEB_BACKENDS,
                "t.yaml:19:10: services[1]: services 'web' (line 12) and 'web2' share 198.18.0.10/udp, whose fragments "
                        + "carry no port: mark the one that takes them with fragments: true (or set fragments: false on each "
                        + "to drop them)");
        // Resolved by a mark, or by refusing fragments on every one; TCP services need no mark.
        assertEquals(List.of(), errors(udp + second + "    fragments: true\n    backends:\n" + WEB_BACKENDS));
        assertEquals(
                List.of(),
                errors(minimalWith("    protocol: tcp", "    protocol: udp\n    fragments: false") + second
                        + "    fragments: false\n    backends:\n" + WEB_BACKENDS));
        assertEquals(List.of(), errors(minimal() + second.replace("udp", "tcp") + "    backends:\n" + WEB_BACKENDS));
    }

    @Test
    void onlyOneServicePerVipAndProtocolTakesFragments() {
        assertErrors(
                minimalWith("    protocol: tcp", "    protocol: tcp\n    fragments: true")
                        + "  - name: web2\n    vip: 198.18.0.10\n    port: 443\n    protocol: tcp\n    fragments: true\n"
                        + "    backends:\n" + WEB_BACKENDS,
                "t.yaml:23:16: services[1].fragments: service 'web' (line 15) already takes the fragments of "
                        + "198.18.0.10/tcp; only one service per VIP and protocol can");
        assertErrors(
                minimalWith("    protocol: tcp", "    protocol: tcp\n    fragments: maybe"),
                "t.yaml:15:16: services[0].fragments: expected true or false, got 'maybe'");
    }

    @Test
    void vipSyntax() {
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: lb.example.com"),
                "t.yaml:12:10: services[0].vip: 'lb.example.com' is not an IP address (IPv4 a.b.c.d or IPv6; host names "
                        + "are not resolved)");
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: \"::ffff:198.18.0.10\""),
                "t.yaml:12:10: services[0].vip: '::ffff:198.18.0.10' is an IPv4-mapped IPv6 address; write the IPv4 address");
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: 224.0.0.1"),
                "t.yaml:12:10: services[0].vip: 224.0.0.1 is not a unicast address");
    }

    @Test
    void vipIsNeitherOurAddressNorTheGateway() {
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: 10.0.1.2"),
                "t.yaml:12:10: services[0].vip: 10.0.1.2 is our own address (instance.addresses.ipv4); a VIP must be an "
                        + "address of its own");
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: 10.0.1.1"),
                "t.yaml:12:10: services[0].vip: 10.0.1.1 is the gateway (instance.gateways.ipv4); a VIP must be an "
                        + "address of its own");
        assertErrors(
                minimalWith("    ipv4: 10.0.1.2\n", "    ipv4: 10.0.1.2\n    ipv6: fd00:1::2\n")
                        .replace("    ipv4: 10.0.1.1\n", "    ipv4: 10.0.1.1\n    ipv6: fd00:1::1\n")
                        .replace("vip: 198.18.0.10", "vip: \"fd00:1:0::1\"")
                        .replace("    backends:\n", "    mixed_families: true\n    backends:\n"),
                "t.yaml:14:10: services[0].vip: fd00:1::1 is the gateway (instance.gateways.ipv6); a VIP must be an "
                        + "address of its own");
    }

    @Test
    void vipIsNotLoopbackThisNetworkOrMulticast() {
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: 127.0.0.53"),
                "t.yaml:12:10: services[0].vip: 127.0.0.53 is a loopback address (127.0.0.0/8); no packet to it arrives "
                        + "from the network");
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: \"::1\"")
                        .replace("    backends:\n", "    mixed_families: true\n    backends:\n"),
                "t.yaml:12:10: services[0].vip: ::1 is the loopback address; no packet to it arrives from the network");
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: 0.1.2.3"),
                "t.yaml:12:10: services[0].vip: 0.1.2.3 is in 0.0.0.0/8, \"this network\" (RFC 1122), never a "
                        + "destination");
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: 239.1.2.3"),
                "t.yaml:12:10: services[0].vip: 239.1.2.3 is not a unicast address");
        assertErrors(
                minimalWith("vip: 198.18.0.10", "vip: \"ff05::1\"")
                        .replace("    backends:\n", "    mixed_families: true\n    backends:\n"),
                "t.yaml:12:10: services[0].vip: ff05::1 is not a unicast address");
    }

    @Test
    void backendIsNotAVip() {
        assertErrors(
                minimalWith("address: 10.0.2.12", "address: 198.18.0.10"),
                "t.yaml:17:18: services[0].backends[1].address: 198.18.0.10 is a VIP (services[0].vip, line 12); "
                        + "tunnelled to it, a packet would come back here");
        // Another service's VIP, even one listed after it.
        assertErrors(
                minimal().replace("address: 10.0.2.12", "address: 198.18.0.11")
                        + "  - name: dns\n    vip: 198.18.0.11\n    port: 53\n    protocol: udp\n"
                        + "    backends: [{address: 10.0.3.1}]\n",
                "t.yaml:17:18: services[0].backends[1].address: 198.18.0.11 is a VIP (services[1].vip, line 19); "
                        + "tunnelled to it, a packet would come back here");
    }

    @Test
    void explicitYamlTagsAreRefused() {
        assertErrors(
                minimalWith("    port: 80", "    port: !!str 80"),
                "t.yaml:13:11: YAML tag !!str: tags are not accepted; the schema gives every key its type (quote text, "
                        + "write numbers plainly)");
        assertErrors(
                minimalWith("  name: lb1", "  name: !!binary bGIx").replace("hash_seed: 42", "hash_seed: !custom 42"),
                "t.yaml:2:9: YAML tag !!binary: tags are not accepted; the schema gives every key its type (quote text, "
                        + "write numbers plainly)",
                "t.yaml:9:12: YAML tag !custom: tags are not accepted; the schema gives every key its type (quote text, "
                        + "write numbers plainly)");
        assertErrors(
                minimalWith("    backends:\n", "    backends: !!seq\n"),
                "t.yaml:15:15: YAML tag !!seq: tags are not accepted; the schema gives every key its type (quote text, "
                        + "write numbers plainly)");
        assertErrors(
                minimalWith("  name: lb1", "  name: ! lb1"),
                "t.yaml:2:9: YAML tag !: tags are not accepted; the schema gives every key its type (quote text, "
                        + "write numbers plainly)");
    }

    @Test
    void servicePort() {
        assertErrors(
                minimalWith("    port: 80", "    port: 0"),
                "t.yaml:13:11: services[0].port: must be 1..65535 or \"any\", got '0'");
        assertErrors(
                minimalWith("    port: 80", "    port: 65536"),
                "t.yaml:13:11: services[0].port: must be 1..65535 or \"any\", got '65536'");
        assertErrors(
                minimalWith("    port: 80", "    port: all"),
                "t.yaml:13:11: services[0].port: must be 1..65535 or \"any\", got 'all'");
    }

    @Test
    void protocolWords() {
        assertErrors(
                minimalWith("protocol: tcp", "protocol: sctp"),
                "t.yaml:14:15: services[0].protocol: must be tcp or udp, got 'sctp'");
    }

    @Test
    void hashWords() {
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    hash: 3-tuple\n"),
                "t.yaml:15:11: services[0].hash: must be 5-tuple or source-ip, got '3-tuple'");
    }

    @Test
    void tableSizeMustBePrime() {
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    table_size: 65536\n"),
                "t.yaml:15:17: services[0].table_size: 65536 is not prime (Maglev needs a prime size; nearest: 65521 or 65537)");
    }

    @Test
    void tableSizeWithinMaglevBounds() {
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    table_size: 16777259\n"),
                "t.yaml:15:17: services[0].table_size: must be a prime in 2..16777213, got 16777259");
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    table_size: 1\n"),
                "t.yaml:15:17: services[0].table_size: must be a prime in 2..16777213, got 1");
    }

    @Test
    void tableSizeAtLeastTheBackends() {
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    table_size: 2\n")
                        .replace(WEB_BACKENDS, WEB_BACKENDS + "      - address: 10.0.2.13\n"),
                "t.yaml:15:17: services[0].table_size: 2 is smaller than the 3 backends (aim for at least 100 per backend)");
    }

    @Test
    void quotaWithinCapacity() {
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    quota: 5000\n")
                        + "conntrack:\n  capacity: 4096\n",
                "t.yaml:15:12: services[0].quota: 5000 exceeds conntrack.capacity 4096 (the quota is per worker, like the capacity)");
    }

    @Test
    void atLeastOneBackend() {
        assertErrors(
                minimalWith("    backends:\n" + WEB_BACKENDS, "    backends: []\n"),
                "t.yaml:15:15: services[0].backends: at least one backend is required");
        assertErrors(
                minimalWith("    backends:\n" + WEB_BACKENDS, ""),
                "t.yaml:11:5: services[0]: missing required key 'backends'");
    }

    @Test
    void duplicateBackends() {
        assertErrors(
                minimalWith("10.0.2.12", "10.0.2.11"),
                "t.yaml:17:18: services[0].backends[1]: backend 10.0.2.11:80 is listed twice (first at line 16)");
        assertErrors(
                minimalWith(
                        "      - address: 10.0.2.12\n",
                        "      - address: 10.0.2.12\n      - address: 10.0.2.11\n        port: 80\n"),
                "t.yaml:18:18: services[0].backends[2]: backend 10.0.2.11:80 is listed twice (first at line 16)");
    }

    @Test
    void weightRange() {
        assertErrors(
                minimalWith("      - address: 10.0.2.12\n", "      - address: 10.0.2.12\n        weight: 65536\n"),
                "t.yaml:18:17: services[0].backends[1].weight: must be 0..65535, got 65536");
        assertErrors(
                minimalWith("      - address: 10.0.2.12\n", "      - address: 10.0.2.12\n        weight: -1\n"),
                "t.yaml:18:17: services[0].backends[1].weight: must be 0..65535, got -1");
    }

    @Test
    void backendPortRange() {
        assertErrors(
                minimalWith("      - address: 10.0.2.12\n", "      - address: 10.0.2.12\n        port: 0\n"),
                "t.yaml:18:15: services[0].backends[1].port: must be 1..65535, got 0");
    }

    @Test
    void backendStateWords() {
        assertErrors(
                minimalWith("      - address: 10.0.2.12\n", "      - address: 10.0.2.12\n        state: draining\n"),
                "t.yaml:18:16: services[0].backends[1].state: must be active, drain or down, got 'draining'");
    }

    @Test
    void mixedFamiliesNotAllowedByDefault() {
        assertErrors(
                minimalWith("address: 10.0.2.12", "address: fd00:2::12"),
                "t.yaml:17:18: services[0].backends[1].address: IPv6 backend in an IPv4 service; set mixed_families: true "
                        + "to allow it (the GRE outer header follows the backend's family)",
                "t.yaml:17:18: services[0].backends[1].address: an IPv6 backend needs instance.addresses.ipv6 and "
                        + "instance.gateways.ipv6 (the GRE outer header is IPv6)");
    }

    @Test
    void backendFamilyNeedsOurAddressAndGateway() {
        assertErrors(
                minimalWith("address: 10.0.2.12", "address: fd00:2::12")
                        .replace("    backends:\n", "    mixed_families: true\n    backends:\n"),
                "t.yaml:18:18: services[0].backends[1].address: an IPv6 backend needs instance.addresses.ipv6 and "
                        + "instance.gateways.ipv6 (the GRE outer header is IPv6)");
    }

    @Test
    void healthCheckRules() {
        final String check =
                "    health_check:\n      type: tcp\n      path: /x\n      interval: 1s\n      timeout: 2s\n"
                        + "      rise: 0\n";
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n" + check),
                "t.yaml:17:7: services[0].health_check.path: applies to http and https checks only (type is tcp)",
                "t.yaml:19:16: services[0].health_check.timeout: 2s is longer than the interval 1s",
                "t.yaml:20:13: services[0].health_check.rise: must be 1..100, got 0");
        assertErrors(
                minimalWith(
                        "    protocol: tcp\n",
                        "    protocol: tcp\n    health_check:\n      type: http\n"
                                + "      path: healthz\n      expect_status: 700\n"),
                "t.yaml:17:13: services[0].health_check.path: must start with / and hold no spaces or control characters",
                "t.yaml:18:22: services[0].health_check.expect_status: must be 100..599, got 700");
        assertErrors(
                minimalWith("    protocol: tcp\n", "    protocol: tcp\n    health_check:\n      port: 80\n"),
                "t.yaml:15:5: services[0].health_check: missing required key 'type'");
    }

    // ---------------------------------------------------------------- metrics, control

    @Test
    void metricsListen() {
        assertErrors(
                minimal() + "metrics:\n  listen: localhost:9100\n",
                "t.yaml:19:11: metrics.listen: 'localhost:9100' is not ADDRESS:PORT with an IP address (127.0.0.1:9100, "
                        + "[::1]:9100; host names are not resolved)");
        assertErrors(
                minimal() + "metrics:\n  listen: \"[::1]:0\"\n",
                "t.yaml:19:11: metrics.listen: '[::1]:0' is not ADDRESS:PORT with an IP address (127.0.0.1:9100, "
                        + "[::1]:9100; host names are not resolved)");
        assertEquals(
                9101,
                ConfigTesting.valid(minimal() + "metrics:\n  listen: \"[::1]:9101\"\n")
                        .metrics()
                        .listen()
                        .getPort());
    }

    @Test
    void controlSocket() {
        assertErrors(
                minimal() + "control:\n  socket: run/levitate.sock\n",
                "t.yaml:19:11: control.socket: 'run/levitate.sock' is not an absolute path");
        assertErrors(
                minimal() + "control:\n  socket: /" + "x".repeat(107) + "\n",
                "t.yaml:19:11: control.socket: longer than 107 bytes, the limit of a Unix socket path");
    }

    // ---------------------------------------------------------------- bgp

    private static final String BGP = "bgp:\n  local_as: 65001\n  router_id: 10.0.1.2\n  peers:\n"
            + "    - address: 10.0.1.1\n      remote_as: 65000\n";

    @Test
    void bgpMinimalIsValid() {
        final BgpConfig bgp = ConfigTesting.valid(minimal() + BGP).bgp();
        assertEquals(90, bgp.holdTime().toSeconds());
        assertEquals(-1, bgp.med());
        assertEquals(179, bgp.peers().get(0).port());
    }

    @Test
    void announcerEndpointsMayBeOff() {
        ConfigTesting.valid(minimal() + BGP + "  metrics_listen: \"off\"\n  listen: \"off\"\n");
        assertErrors(
                minimal() + BGP + "  metrics_listen: of\n",
                "t.yaml:24:19: bgp.metrics_listen: 'of' is not ADDRESS:PORT with an IP address");
    }

    @Test
    void bgpAsNumbers() {
        assertErrors(
                minimal() + BGP.replace("local_as: 65001", "local_as: 0"),
                "t.yaml:19:13: bgp.local_as: must be 1..4294967295, got 0");
        assertErrors(
                minimal() + BGP.replace("remote_as: 65000", "remote_as: 4294967296"),
                "t.yaml:23:18: bgp.peers[0].remote_as: must be 1..4294967295, got 4294967296");
    }

    @Test
    void bgpRouterIdIsIpv4() {
        assertErrors(
                minimal() + BGP.replace("router_id: 10.0.1.2", "router_id: fd00::2"),
                "t.yaml:20:14: bgp.router_id: 'fd00::2' is IPv6; this key needs an IPv4 address");
    }

    @Test
    void bgpHoldTime() {
        assertErrors(
                minimal() + BGP + "  hold_time: 2s\n",
                "t.yaml:24:14: bgp.hold_time: must be 0 or 3s..65535s in whole seconds (RFC 4271), got 2s");
        assertErrors(
                minimal() + BGP + "  hold_time: 3500ms\n",
                "t.yaml:24:14: bgp.hold_time: must be 0 or 3s..65535s in whole seconds (RFC 4271), got 3500ms");
        assertEquals(
                0,
                ConfigTesting.valid(minimal() + BGP + "  hold_time: 0s\n")
                        .bgp()
                        .holdTime()
                        .toSeconds());
    }

    @Test
    void bgpCommunities() {
        assertErrors(
                minimal() + BGP + "  communities: [\"65001:100\", \"65536:1\", \"1:2:3\"]\n",
                "t.yaml:24:30: bgp.communities[1]: '65536:1' is not a community A:B with A and B 0..65535",
                "t.yaml:24:41: bgp.communities[2]: '1:2:3' is not a community A:B with A and B 0..65535");
        assertErrors(
                minimal() + BGP + "  large_communities: [\"4294967296:1:2\"]\n",
                "t.yaml:24:23: bgp.large_communities[0]: '4294967296:1:2' is not a large community A:B:C with each part "
                        + "0..4294967295");
    }

    @Test
    void bgpPeerBfd() {
        ConfigTesting.valid(minimal() + BGP + "      bfd: true\n");
        ConfigTesting.valid(minimal() + BGP + "      bfd: {min_tx: 100ms, min_rx: 1s, multiplier: 5}\n");
        assertErrors(
                minimal() + BGP + "      bfd: {min_tx: 5ms, multiplier: 0, min_txx: 1s}\n",
                "t.yaml:24:21: bgp.peers[0].bfd.min_tx: must be 10ms..1m, got 5ms",
                "t.yaml:24:38: bgp.peers[0].bfd.multiplier: must be 1..255, got 0",
                "t.yaml:24:41: bgp.peers[0].bfd.min_txx: unknown key (did you mean 'min_tx'?)");
        assertErrors(
                minimal() + BGP + "      bfd: yes\n",
                "t.yaml:24:12: bgp.peers[0].bfd: expected true or false, got 'yes'");
    }

    @Test
    void bgpMd5PasswordLength() {
        assertErrors(
                minimal() + BGP + "      md5_password: \"" + "k".repeat(81) + "\"\n",
                "t.yaml:24:21: bgp.peers[0].md5_password: must be 1..80 bytes (RFC 2385, Linux TCP_MD5SIG), got 81");
    }

    @Test
    void bgpPeersRequiredAndComplete() {
        assertErrors(
                minimal() + "bgp:\n  local_as: 65001\n  router_id: 10.0.1.2\n  peers: []\n",
                "t.yaml:21:10: bgp.peers: at least one peer is required");
        assertErrors(
                minimal() + BGP.replace("      remote_as: 65000\n", ""),
                "t.yaml:22:7: bgp.peers[0]: missing required key 'remote_as'");
    }

    @Test
    void bgpPeerLocalAddressFamily() {
        assertErrors(
                minimal() + BGP + "      local_address: fd00:1::2\n",
                "t.yaml:24:22: bgp.peers[0].local_address: IPv6 source for an IPv4 peer; use an address of the peer's family");
    }

    // ---------------------------------------------------------------- many errors, limits

    @Test
    void everyErrorIsReportedInFileOrder() {
        final String yaml = minimalWith("  name: lb1", "  name: lb1\n  workers: 0")
                        .replace("    port: 80", "    port: 0")
                        .replace("address: 10.0.2.12", "address: 10.0.2.300")
                + "colour: blue\n";
        final List<String> errors = errors(yaml);
        assertEquals(
                List.of(
                        "t.yaml:3:12: instance.workers: must be 1..128, got 0",
                        "t.yaml:14:11: services[0].port: must be 1..65535 or \"any\", got '0'",
                        "t.yaml:18:18: services[0].backends[1].address: '10.0.2.300' is not an IP address (IPv4 a.b.c.d or IPv6; "
                                + "host names are not resolved)",
                        "t.yaml:19:1: colour: unknown key; expected one of instance, hash_seed, conntrack, services, metrics, "
                                + "control, bgp"),
                errors);
    }

    @Test
    void aliasBombIsRefusedBeforeExpanding() {
        final StringBuilder bomb = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            bomb.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                bomb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            bomb.append("]\n");
        }
        bomb.append("instance: *a9\n");
        // a5 would expand to 1111111 nodes (10^9 at a9): refused at its 10th alias, before any is expanded.
        assertErrors(
                bomb.toString(),
                "t.yaml:6:55: aliases expand the document to more than 1000000 nodes; refusing a possible alias bomb");
    }

    @Test
    void recursiveAliasIsRefused() {
        assertErrors(
                "instance: &i {name: *i}\n",
                "t.yaml:1:21: alias *i is inside the node it refers to; recursive structures are not allowed");
    }

    @Test
    void aliasesThatShareASectionAreFine() {
        final String yaml = minimalWith("    backends:\n", "    health_check: &check {type: tcp}\n    backends:\n")
                + "  - name: web2\n    vip: 198.18.0.11\n    port: 80\n    protocol: tcp\n    health_check: *check\n"
                + "    backends: *b\n";
        final String anchored =
                yaml.replaceFirst("    backends:\n      - address", "    backends: &b\n      - address");
        final LevitateConfig c = ConfigTesting.valid(anchored);
        assertEquals(c.services().get(0).backends(), c.services().get(1).backends());
        assertEquals(c.services().get(0).healthCheck(), c.services().get(1).healthCheck());
    }

    @Test
    void deepNestingIsRefused() {
        final String yaml = "instance: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n";
        assertErrors(yaml, "t.yaml:1:74: nested more than 64 levels deep; the schema needs far fewer");
    }

    @Test
    void controlCharactersAndBadUtf8() {
        assertErrors("instance: \"\u0001\"\n", "t.yaml:1:12: character U+0001 is not allowed in YAML");
        final byte[] bytes = "hash_seed: \u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        final ConfigResult r = ConfigReader.parse(bytes, "t.yaml");
        assertEquals(
                List.of("t.yaml:1:12: not UTF-8 text: byte 0xe9 at offset 11"),
                r.errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void tooManyErrorsAreSummarised() {
        final StringBuilder yaml = new StringBuilder(minimal());
        for (int i = 0; i < 1500; i++) {
            yaml.append("k").append(i).append(": 1\n");
        }
        final List<String> errors = errors(yaml.toString());
        assertEquals(1001, errors.size());
        assertTrue(
                errors.get(1000).endsWith("... and 500 more errors (only the first 1000 are listed)"),
                errors.get(1000));
    }

    // ---------------------------------------------------------------- runtime limits

    /** The minimal file's first nine lines, then {@code services:} and one service per line (line 11 + i). */
    private static String servicesPerLine(final int services, final int backendsEach) {
        final StringBuilder yaml =
                new StringBuilder(minimal().substring(0, minimal().indexOf("services:")));
        yaml.append("services:\n");
        for (int i = 0; i < services; i++) {
            yaml.append("  - {name: s")
                    .append(i)
                    .append(", vip: 198.18.0.10, port: ")
                    .append(1 + i)
                    .append(", protocol: tcp, backends: [");
            for (int k = 0; k < backendsEach; k++) {
                yaml.append(k == 0 ? "" : ", ")
                        .append("{address: ")
                        .append(address(i * backendsEach + k + 1))
                        .append('}');
            }
            yaml.append("]}\n");
        }
        return yaml.toString();
    }

    /** A distinct address for each number: 10.n/65536.n/256%256.n%256. */
    private static String address(final int n) {
        return "10." + (n >>> 16 & 0xFF) + "." + (n >>> 8 & 0xFF) + "." + (n & 0xFF);
    }

    @Test
    void atMost1024Services() {
        // What check accepts, a reload applies: the forwarder has 1024 service ids.
        assertEquals(List.of(), errors(servicesPerLine(1024, 1)));
        assertErrors(
                servicesPerLine(1026, 1),
                "t.yaml:1035:5: services[1024]: more than 1024 services; a forwarder runs at most 1024",
                "t.yaml:1036:5: services[1025]: more than 1024 services; a forwarder runs at most 1024");
    }

    @Test
    void atMost4096BackendsInAllServicesTogether() {
        assertEquals(List.of(), errors(servicesPerLine(4, 1024)));
        // Service 4's backends 0..3 are the 4097th..4100th: the first of them is reported, once.
        final String yaml = servicesPerLine(5, 820);
        final String line = yaml.lines().toList().get(14);
        final int column = line.indexOf("{address: " + address(4 * 820 + 816 + 1) + "}") + 1;
        assertErrors(
                yaml,
                "t.yaml:15:" + column + ": services[4].backends[816]: backend 4097 of the file; "
                        + "a forwarder runs at most 4096 backends in all services together");
    }
}
