package io.levitate.forwarder.config;

import static io.levitate.forwarder.config.ConfigTesting.minimal;
import static io.levitate.forwarder.config.ConfigTesting.minimalWith;
import static io.levitate.forwarder.config.ConfigTesting.resource;
import static io.levitate.forwarder.config.ConfigTesting.valid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.config.Addresses;
import io.levitate.core.config.BgpConfig;
import io.levitate.core.config.BgpPeerConfig;
import io.levitate.forwarder.MemoryMode;
import io.levitate.maglev.BackendState;
import io.levitate.maglev.HashFields;
import io.levitate.maglev.ServiceConfig;
import io.levitate.maglev.ServiceTable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model built from valid files: every key's value, every default, and the maglev mapping. */
class ConfigReaderTest {
    /** A service's schema holds the keys core binds for both processes (the announcer reads only those). */
    @Test
    void serviceSchemaHoldsCoresServiceAddressKeys() {
        assertTrue(
                ServiceBinder.SERVICE_KEYS.containsAll(io.levitate.core.config.ServiceAddressBinder.KEYS),
                ServiceBinder.SERVICE_KEYS.toString());
    }

    @Test
    void everyKeyOfTheValidFixture() {
        final LevitateConfig c = valid(resource("valid.yaml"));
        final InstanceConfig i = c.instance();
        assertEquals("lb1", i.name());
        assertEquals(Path.of("/dev/shm/levitate"), i.countersDir());
        assertEquals(2, i.ports().size());
        assertTrue(i.ports().get(0).device().pci());
        assertEquals("0000:03:00.0", i.ports().get(0).device().deviceName());
        assertEquals(9000, i.ports().get(0).mtu());
        assertEquals("0000:04:00.1", i.ports().get(1).device().deviceName());
        assertEquals(1500, i.ports().get(1).mtu());
        assertEquals(2, i.workers());
        assertEquals(List.of(1, 2), i.cores());
        assertEquals(0, i.mainCore());
        assertEquals(MemoryMode.AUTO, i.hugepages());
        assertEquals(1024, i.memoryMb());
        assertEquals(16383, i.mbufs());
        assertEquals(InetAddress.ofLiteral("10.0.1.2"), i.addresses().ipv4());
        assertEquals(InetAddress.ofLiteral("fd00:1::2"), i.addresses().ipv6());
        assertEquals(InetAddress.ofLiteral("10.0.1.1"), i.gateways().ipv4());
        assertEquals(InetAddress.ofLiteral("fd00:1::1"), i.gateways().ipv6());
        assertEquals("10.0.9.0/24", i.greSourcePrefix().toString());
        assertEquals(0x6c657669746174L, c.hashSeed());

        assertEquals(
                new ConntrackSettings(
                        1048576,
                        Duration.ofSeconds(300),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(30),
                        2_000_000),
                c.conntrack());

        assertEquals(3, c.services().size());
        final ServiceDefinition web = c.service("web");
        assertEquals(InetAddress.ofLiteral("198.18.0.10"), web.vip());
        assertEquals(80, web.port());
        assertEquals(Protocol.TCP, web.protocol());
        assertEquals(65537, web.tableSize());
        assertEquals(HashFields.FIVE_TUPLE, web.hashFields());
        assertEquals(200000, web.quota());
        assertTrue(web.announce());
        assertEquals(
                new HealthCheckConfig(
                        HealthCheckConfig.Type.HTTP,
                        80,
                        "/healthz",
                        200,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(1),
                        2,
                        3),
                web.healthCheck());
        assertEquals(
                List.of(
                        new BackendDefinition(InetAddress.ofLiteral("10.0.2.11"), 80, 100, BackendState.ACTIVE, null),
                        new BackendDefinition(InetAddress.ofLiteral("10.0.2.12"), 80, 100, BackendState.ACTIVE, null),
                        new BackendDefinition(InetAddress.ofLiteral("10.0.2.13"), 80, 50, BackendState.DRAINING, null)),
                web.backends());

        final ServiceDefinition v6 = c.service("web-v6");
        assertEquals(
                new HealthCheckConfig(
                        HealthCheckConfig.Type.TCP, 0, null, 0, Duration.ofSeconds(1), Duration.ofMillis(500), 2, 3),
                v6.healthCheck());
        assertEquals(BackendState.DOWN, v6.backends().get(1).state());
        assertEquals("[2001:db8:100::10]:443/tcp", v6.match());

        final ServiceDefinition dns = c.service("dns");
        assertEquals(0, dns.port());
        assertEquals(Protocol.UDP, dns.protocol());
        assertEquals(HashFields.SOURCE_IP, dns.hashFields());
        assertFalse(dns.announce());
        assertEquals(0, dns.tableSize());
        assertEquals(0, dns.backends().get(0).port(), "an 'any' service's backends keep the client's port");
        assertEquals(web.healthCheck(), dns.backends().get(0).healthCheck(), "the alias shares the web check");
        assertEquals("198.18.0.53:any/udp", dns.match());

        assertEquals(
                new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9100),
                c.metrics().listen());
        assertEquals(Path.of("/run/levitate/control.sock"), c.control().socket());

        final BgpConfig bgp = c.bgp();
        assertEquals(65001, bgp.localAs());
        assertEquals(InetAddress.ofLiteral("10.0.1.2"), bgp.routerId());
        assertEquals(Duration.ofSeconds(9), bgp.holdTime());
        assertEquals(Duration.ofSeconds(1), bgp.connectRetry());
        assertEquals(Duration.ofSeconds(5), bgp.gracefulShutdownWait());
        assertEquals(100, bgp.med());
        assertEquals(List.of("65001:100"), bgp.communities());
        assertEquals(List.of("65001:1:2"), bgp.largeCommunities());
        assertEquals(2, bgp.peers().size());
        final BgpPeerConfig p = bgp.peers().get(0);
        assertEquals(InetAddress.ofLiteral("10.0.1.1"), p.address());
        assertEquals(65000, p.remoteAs());
        assertEquals(179, p.port());
        assertEquals("s3cret", p.md5Password());
        assertEquals(Duration.ofSeconds(3), p.holdTime());
        assertFalse(p.toString().contains("s3cret"), "the key stays out of logs");
        assertEquals(InetAddress.ofLiteral("fd00:1::2"), bgp.peers().get(1).nextHopV6());
        assertNull(bgp.peers().get(1).holdTime());
    }

    @Test
    void defaultsOfTheMinimalFile() {
        final LevitateConfig c = valid(minimal());
        final InstanceConfig i = c.instance();
        assertEquals(Path.of(ConfigDefaults.COUNTERS_DIR), i.countersDir());
        assertEquals(1500, i.ports().get(0).mtu());
        assertEquals(1, i.workers());
        assertEquals(List.of(), i.cores());
        assertEquals(0, i.mainCore());
        assertEquals(MemoryMode.AUTO, i.hugepages());
        assertEquals(1024, i.memoryMb());
        assertEquals(0, i.mbufs());
        assertNull(i.addresses().ipv6());
        assertNull(i.greSourcePrefix());
        assertEquals(IdleMode.BUSY_SPIN, i.idle());
        assertNull(i.exceptionTap());
        assertEquals(
                new ConntrackSettings(
                        1 << 20,
                        Duration.ofSeconds(300),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(30),
                        0),
                c.conntrack());
        final ServiceDefinition web = c.services().get(0);
        assertEquals(0, web.tableSize());
        assertEquals(HashFields.FIVE_TUPLE, web.hashFields());
        assertEquals(0, web.quota());
        assertTrue(web.announce());
        assertFalse(web.mixedFamilies());
        assertNull(web.healthCheck());
        assertEquals(80, web.backends().get(0).port(), "the service port by default");
        assertEquals(100, web.backends().get(0).weight());
        assertEquals(BackendState.ACTIVE, web.backends().get(0).state());
        assertEquals(
                new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9100),
                c.metrics().listen());
        assertEquals(Path.of("/run/levitate/control.sock"), c.control().socket());
        assertNull(c.bgp());
    }

    @Test
    void theDocumentedExampleIsValid() throws Exception {
        final Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/levitate.example.yaml");
        final ConfigResult r = ConfigReader.read(example);
        assertEquals(List.of(), r.errors());
        assertEquals(3, r.config().services().size());
    }

    @Test
    void theSchemaInConfigMdIsValid() throws Exception {
        final String doc = Files.readString(
                Path.of(System.getProperty("user.dir")).getParent().resolve("docs/CONFIG.md"));
        final int start = doc.indexOf("```yaml\n") + "```yaml\n".length();
        final String schema = doc.substring(start, doc.indexOf("```", start));
        final ConfigResult r = ConfigReader.parse(schema, "CONFIG.md");
        assertEquals(List.of(), r.errors());
        assertEquals(
                HealthCheckConfig.Type.HTTP,
                r.config().service("web").healthCheck().type());
    }

    @Test
    void servicesBecomeMaglevConfigsAndTables() {
        final LevitateConfig c = valid(resource("valid.yaml"));
        final ServiceConfig web = c.service("web").toServiceConfig();
        assertEquals(InetAddress.ofLiteral("198.18.0.10"), web.vip());
        assertEquals(80, web.port());
        assertEquals(6, web.protocol());
        assertEquals(65537, web.tableSize());
        assertEquals(3, web.backends().size());
        assertEquals(BackendState.DRAINING, web.backends().get(2).state());
        assertEquals(17, c.service("dns").toServiceConfig().protocol());
        assertEquals(ServiceConfig.ANY_PORT, c.service("dns").toServiceConfig().port());

        final Map<String, ServiceTable> tables = c.buildTables();
        assertEquals(List.of("web", "web-v6", "dns"), List.copyOf(tables.keySet()));
        final ServiceTable t = tables.get("web");
        assertEquals(65537, t.size());
        assertEquals(c.hashSeed(), t.seed());
        // The draining backend owns no slots; the two active ones of equal weight share the table.
        assertEquals(0, t.slotCount(t.indexOf(web.backends().get(2))));
        assertEquals(65537, t.slotCount(0) + t.slotCount(1));
        assertEquals(ServiceTable.build(web, c.hashSeed()).digest(), t.digest(), "the same config, the same table");
    }

    @Test
    void backendPortsDefaultToTheServicePortAndMayDiffer() {
        final LevitateConfig c = valid(minimalWith(
                "      - address: 10.0.2.12\n",
                "      - address: 10.0.2.12\n      - address: 10.0.2.11\n        port: 8080\n"));
        final List<BackendDefinition> b = c.services().get(0).backends();
        assertEquals(
                List.of("10.0.2.11:80", "10.0.2.12:80", "10.0.2.11:8080"),
                b.stream().map(BackendDefinition::identity).toList());
    }

    @Test
    void conntrackSettingsMapToTheConntrackModule() {
        final LevitateConfig c = valid(resource("valid.yaml"));
        final io.levitate.conntrack.ConntrackConfig ct = c.conntrack().toConntrackConfig(7);
        assertEquals(1048576, ct.capacity());
        assertEquals(300_000, ct.tcpEstablishedMs());
        assertEquals(10_000, ct.tcpClosingMs());
        assertEquals(5_000, ct.tcpSynOnlyMs());
        assertEquals(30_000, ct.udpMs());
        assertEquals(2_000_000, ct.floodRatePerSecond());
        assertEquals(7, ct.hashSeed());
    }

    @Test
    void hashSeedDecimalAndHexCoverUint64() {
        assertEquals(
                -1L,
                valid(minimalWith("hash_seed: 42", "hash_seed: 0xFFFFFFFFFFFFFFFF"))
                        .hashSeed());
        assertEquals(
                -1L,
                valid(minimalWith("hash_seed: 42", "hash_seed: 18446744073709551615"))
                        .hashSeed());
        assertEquals(0L, valid(minimalWith("hash_seed: 42", "hash_seed: 0")).hashSeed());
    }

    @Test
    void anyPortAndASpecificPortOfOneVipCoexist() {
        final String yaml = minimal() + """
              - name: web-any
                vip: 198.18.0.10
                port: any
                protocol: tcp
                backends:
                  - address: 10.0.2.21
              - name: web-udp
                vip: 198.18.0.10
                port: 80
                protocol: udp
                backends:
                  - address: 10.0.2.21
            """;
        final LevitateConfig c = valid(yaml);
        assertEquals(0, c.service("web-any").port());
        assertEquals(0, c.service("web-any").backends().get(0).port());
        assertEquals(Protocol.UDP, c.service("web-udp").protocol());
    }

    @Test
    void ipv6BackendsOfAnIpv4ServiceWithMixedFamilies() {
        final String yaml = minimalWith("""
              addresses:
                ipv4: 10.0.1.2
              gateways:
                ipv4: 10.0.1.1
            """, """
              addresses:
                ipv4: 10.0.1.2
                ipv6: fd00:1::2
              gateways:
                ipv4: 10.0.1.1
                ipv6: fd00:1::1
            """)
                .replace("    backends:\n", "    mixed_families: true\n    backends:\n      - address: fd00:2::11\n");
        final LevitateConfig c = valid(yaml);
        assertEquals(3, c.services().get(0).backends().size());
        assertEquals(3, c.buildTables().get("web").backendCount());
    }

    @Test
    void addressesFormatAsRfc5952() {
        assertEquals("2001:db8::1", Addresses.format(InetAddress.ofLiteral("2001:0db8:0:0:0:0:0:1")));
        assertEquals("::", Addresses.format(InetAddress.ofLiteral("::")));
        assertEquals("2001:db8:0:1:1:1:1:1", Addresses.format(InetAddress.ofLiteral("2001:db8:0:1:1:1:1:1")));
        assertEquals("2001:0:0:1::1", Addresses.format(InetAddress.ofLiteral("2001:0:0:1:0:0:0:1")));
        assertEquals("[fd00::1]:80", Addresses.withPort(InetAddress.ofLiteral("fd00::1"), 80));
        assertNull(Addresses.parseIpv4("1.2.3"));
        assertNull(Addresses.parseIpv4("01.2.3.4"));
        assertNull(Addresses.parseIpv4("1.2.3.4 "));
        assertNull(Addresses.parseIpv6("fe80::1%eth0"));
        assertNull(Addresses.parseIpv6("[::1]"));
    }
}
