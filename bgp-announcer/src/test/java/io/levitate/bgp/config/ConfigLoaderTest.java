package io.levitate.bgp.config;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.PeerConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    /** The example of docs/CONFIG.md, forwarder keys included (the announcer ignores them). */
    static final String EXAMPLE = """
        instance:
          name: lb1
          counters_dir: /dev/shm/levitate
          ports:
            - device: "net_af_packet0,iface=veth-lb1"
              mtu: 1500
          workers: 1
          addresses:
            ipv4: 10.0.1.2
        hash_seed: 0x6c657669746174
        conntrack:
          capacity: 1048576
        services:
          - name: web
            vip: 198.18.0.10
            port: 80
            protocol: tcp
            announce: true
            backends:
              - address: 10.0.2.11
          - name: dns6
            vip: "2001:db8::53"
            port: any
            protocol: udp
          - name: hidden
            vip: 198.18.0.99
            port: 443
            protocol: tcp
            announce: false
        metrics:
          listen: 127.0.0.1:9100
        bgp:
          local_as: 4200000001
          router_id: 10.0.1.2
          hold_time: 9s
          connect_retry: 1s
          graceful_shutdown_wait: 5s
          med: 100
          communities: ["65001:100"]
          large_communities: ["65001:1:2"]
          peers:
            - address: 10.0.1.1
              remote_as: 65000
              port: 179
              local_address: 10.0.1.2
              next_hop: 10.0.1.2
              md5_password: "s3cret"
              passive: false
              hold_time: 3s
            - address: "fd00:1::1"
              remote_as: 65000
        """;

    private static AnnouncerConfig parse(final String yaml) throws ConfigException {
        return ConfigLoader.parse(Path.of("test.yaml"), yaml);
    }

    @Test
    void readsTheSchemaExample() throws Exception {
        final AnnouncerConfig c = parse(EXAMPLE);
        assertEquals("lb1", c.instanceName());
        assertEquals(Path.of("/dev/shm/levitate/lb1/counters.dat"), c.countersFile());
        assertEquals(4_200_000_001L, c.speaker().localAs());
        assertEquals(0x0A000102, c.speaker().routerId());
        assertEquals(9, c.speaker().holdTimeSeconds());
        assertEquals(1_000, c.speaker().connectRetryMillis());
        assertEquals(5_000, c.speaker().gracefulShutdownMillis());
        assertEquals(100, c.speaker().med());
        assertArrayEquals(new int[] {(65001 << 16) | 100}, c.speaker().communities());
        assertArrayEquals(new int[] {65001, 1, 2}, c.speaker().largeCommunities());
        final PeerConfig p = c.speaker().peers().get(0);
        assertEquals(InetAddress.ofLiteral("10.0.1.1"), p.address());
        assertEquals("s3cret", p.md5Password());
        assertEquals(3, p.holdTimeSeconds());
        assertEquals(179, c.speaker().peers().get(1).port());
        assertEquals(
                new java.net.InetSocketAddress(InetAddress.ofLiteral("::"), 179),
                c.speaker().listen(),
                "the second peer has no local address: every address listens");
        assertEquals(3, c.services().size());
        assertEquals(0, c.services().get(1).port(), "any");
        assertEquals(17, c.services().get(1).protocol());
        assertFalse(c.services().get(2).announce());
        assertEquals(9101, c.metricsListen().getPort());
    }

    @Test
    void errorsNameFileLineColumnAndReason() {
        // {text, the key or value the error must point at, reason}: the one error, as levitate
        // check words it (core's binders), unknown keys at the key.
        final String[][] cases = {
            {
                EXAMPLE.replace("local_as: 4200000001", "local_as: 4294967296"),
                "4294967296",
                "bgp.local_as: must be 1..4294967295, got 4294967296"
            },
            {
                EXAMPLE.replace("router_id: 10.0.1.2", "router_id: fd00::1"),
                "fd00::1",
                "bgp.router_id: 'fd00::1' is IPv6; this key needs an IPv4 address"
            },
            {
                EXAMPLE.replace("hold_time: 9s", "hold_time: 2s"),
                "2s",
                "bgp.hold_time: must be 0 or 3s..65535s in whole seconds (RFC 4271), got 2s"
            },
            {
                EXAMPLE.replace("md5_password: \"s3cret\"", "md5_pasword: \"s3cret\""),
                "md5_pasword",
                "bgp.peers[0].md5_pasword: unknown key (did you mean 'md5_password'?)"
            },
            {
                EXAMPLE.replace("communities: [\"65001:100\"]", "communities: [\"65001:70000\"]"),
                "\"65001:70000\"",
                "bgp.communities[0]: '65001:70000' is not a community A:B with A and B 0..65535"
            },
            {
                EXAMPLE.replace("vip: 198.18.0.10", "vip: web.example"),
                "web.example",
                "services[0].vip: 'web.example' is not an IP address (IPv4 a.b.c.d or IPv6; host names are not resolved)"
            },
            {
                EXAMPLE.replace("protocol: udp", "protocol: sctp"),
                "sctp",
                "services[1].protocol: must be tcp or udp, got 'sctp'"
            },
        };
        for (final String[] c : cases) {
            final ConfigException e = assertThrows(ConfigException.class, () -> parse(c[0]), c[2]);
            final int at = c[0].indexOf(c[1]);
            final int line =
                    (int) c[0].substring(0, at).chars().filter(ch -> ch == '\n').count() + 1;
            final int column = at - c[0].lastIndexOf('\n', at - 1);
            assertEquals("test.yaml:" + line + ":" + column + ": " + c[2], e.getMessage());
            assertEquals(1, e.errors().size(), e.getMessage());
        }
        final String[][] others = {
            {
                EXAMPLE.replace(
                        "    - address: \"fd00:1::1\"\n      remote_as: 65000\n", "    - address: \"fd00:1::1\"\n"),
                "bgp.peers[1]: missing required key 'remote_as'"
            },
            {"bgp: [1, 2", "test.yaml:1:11:"},
            {
                EXAMPLE.replace("connect_retry: 1s", "connect_retry: 50ms"),
                "bgp.connect_retry: must be 100ms..2m, got 50ms"
            },
            {
                EXAMPLE.replace("graceful_shutdown_wait: 5s", "graceful_shutdown_wait: 5"),
                "bgp.graceful_shutdown_wait: expected a duration such as 300s, 500ms, 5m or 1h, got '5'"
            },
            {
                EXAMPLE.replace("address: 10.0.1.1", "address: \"::ffff:10.0.1.1\""),
                "bgp.peers[0].address: '::ffff:10.0.1.1' is an IPv4-mapped IPv6 address; write the IPv4 address"
            },
            {
                EXAMPLE.replace("address: 10.0.1.1", "address: 224.0.0.5"),
                "bgp.peers[0].address: 224.0.0.5 is not a unicast address"
            },
            {"instance:\n  name: lb1\n", "test.yaml:1:1: missing required key 'bgp'"},
        };
        for (final String[] c : others) {
            final ConfigException e = assertThrows(ConfigException.class, () -> parse(c[0]), c[1]);
            assertTrue(e.getMessage().startsWith("test.yaml") && e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /** Every mistake at once, in file order, one line each, as levitate check lists them. */
    @Test
    void everyErrorIsListedInFileOrder() {
        final String text = EXAMPLE.replace("port: 80\n", "port: 0\n")
                .replace("hold_time: 9s", "hold_time: 2s")
                .replace("passive: false", "passive: maybe");
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        assertEquals(
                java.util.List.of(
                        "test.yaml:16:11: services[0].port: must be 1..65535 or \"any\", got '0'",
                        "test.yaml:35:14: bgp.hold_time: must be 0 or 3s..65535s in whole seconds (RFC 4271), got 2s",
                        "test.yaml:48:16: bgp.peers[0].passive: expected true or false, got 'maybe'"),
                e.errors().stream().map(Object::toString).toList());
        assertEquals(String.join("\n", e.errors().stream().map(Object::toString).toList()), e.getMessage());
    }

    /**
     * A service's name, VIP, port, protocol and announce are bound by core's ServiceAddressBinder,
     * the forwarder's rule: what levitate check refuses of them, the announcer refuses with the same
     * words; the forwarder's keys of a service are not the announcer's to check.
     */
    @Test
    void servicesAreBoundByTheForwardersRules() throws Exception {
        final String[][] cases = {
            {
                EXAMPLE.replace("vip: 198.18.0.10", "vip: 127.0.0.53"),
                "test.yaml:15:10: services[0].vip: 127.0.0.53 is a loopback address (127.0.0.0/8); no packet to it "
                        + "arrives from the network"
            },
            {
                EXAMPLE.replace("vip: 198.18.0.10", "vip: 0.1.2.3"),
                "test.yaml:15:10: services[0].vip: 0.1.2.3 is in 0.0.0.0/8, \"this network\" (RFC 1122), never a destination"
            },
            {
                EXAMPLE.replace("    port: 443\n    protocol: tcp\n", "    port: 443\n"),
                "test.yaml:25:5: services[2]: missing required key 'protocol'"
            },
            {
                EXAMPLE.replace("name: hidden", "name: web"),
                "test.yaml:25:11: services[2].name: duplicate service name 'web' (first at line 14)"
            },
            {
                EXAMPLE.replace("vip: 198.18.0.99\n    port: 443", "vip: 198.18.0.10\n    port: 80"),
                "test.yaml:26:10: services[2]: same vip, port and protocol (198.18.0.10:80/tcp) as service 'web' (line 15)"
            },
            {
                EXAMPLE.replace("announce: false", "announce: no"),
                "test.yaml:29:15: services[2].announce: expected true or false, got 'no'"
            },
        };
        for (final String[] c : cases) {
            final ConfigException e = assertThrows(ConfigException.class, () -> parse(c[0]), c[1]);
            assertEquals(c[1], e.getMessage());
        }
        assertEquals(
                3,
                parse(EXAMPLE.replace("    announce: true\n", "    announce: true\n    table_size: 65537\n"))
                        .services()
                        .size(),
                "a forwarder key of a service is levitate check's to check");
    }

    /**
     * Only regular files, and never more than the limit read: /dev/zero reports size 0 and never
     * ends, a FIFO blocks open(2) until a writer comes. Before: both hung (and /dev/zero filled the heap).
     */
    @Test
    void refusesDevicesFifosAndOversizedFilesWithoutHanging(@org.junit.jupiter.api.io.TempDir final Path dir)
            throws Exception {
        final ConfigException device = assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(20),
                () -> assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of("/dev/zero"))));
        assertEquals("cannot read /dev/zero: not a regular file (a character device)", device.getMessage());

        final Path fifo = dir.resolve("levitate.yaml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final ConfigException pipe = assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(20),
                () -> assertThrows(ConfigException.class, () -> ConfigLoader.load(fifo)));
        assertEquals("cannot read " + fifo + ": not a regular file (a FIFO)", pipe.getMessage());

        final Path big = dir.resolve("big.yaml");
        java.nio.file.Files.writeString(big, "# " + "x".repeat(ConfigLoader.MAX_FILE_BYTES));
        final ConfigException large = assertThrows(ConfigException.class, () -> ConfigLoader.load(big));
        assertEquals(
                big + ":1:1: the file is larger than " + ConfigLoader.MAX_FILE_BYTES + " bytes, the limit",
                large.getMessage());
    }

    @Test
    void passivePeerOpensAListener() throws Exception {
        final AnnouncerConfig c = parse(EXAMPLE.replace("passive: false", "passive: true"));
        assertEquals(179, c.speaker().listen().getPort());
    }

    /**
     * Peers may connect to us without being passive, so a router's retries bring a session back
     * as soon as our address answers (before, no listener without a passive peer): port 179 of
     * the peers' one local address, or of every address; {@code listen: off} for none, which
     * passive peers cannot do without.
     */
    @Test
    void peersMayConnectToOurLocalAddressUnlessListenIsOff() throws Exception {
        final String onePeer = EXAMPLE.substring(0, EXAMPLE.indexOf("    - address: \"fd00:1::1\""));
        assertEquals(
                new java.net.InetSocketAddress(InetAddress.ofLiteral("10.0.1.2"), 179),
                parse(onePeer).speaker().listen());
        final String both =
                onePeer + "    - address: 10.0.1.3\n      remote_as: 65000\n      local_address: 10.0.1.2\n";
        assertEquals(
                new java.net.InetSocketAddress(InetAddress.ofLiteral("10.0.1.2"), 179),
                parse(both).speaker().listen());
        final String off = onePeer.replace("  peers:", "  listen: \"off\"\n  peers:");
        assertNull(parse(off).speaker().listen());
        final ConfigException passive =
                assertThrows(ConfigException.class, () -> parse(off.replace("passive: false", "passive: true")));
        assertTrue(
                passive.getMessage().contains("bgp.listen: off leaves the passive peers no way to connect"),
                passive.getMessage());
        assertEquals(
                new java.net.InetSocketAddress(InetAddress.ofLiteral("10.0.1.9"), 1179),
                parse(onePeer.replace("  peers:", "  listen: 10.0.1.9:1179\n  peers:"))
                        .speaker()
                        .listen());
    }

    @Test
    void randomGarbageNeverEscapesAsAnythingButConfigException() {
        final java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        final String alphabet = "ab:- \n\t[]{}\"'#&*!|>%@`0123456789.";
        for (int i = 0; i < 1_000; i++) {
            final char[] chars = EXAMPLE.toCharArray();
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                chars[r.nextInt(chars.length)] = alphabet.charAt(r.nextInt(alphabet.length()));
            }
            try {
                parse(new String(chars));
            } catch (final ConfigException e) {
                assertTrue(e.getMessage().startsWith("test.yaml"), e.getMessage());
            }
        }
    }

    /** bgp.peers[].bfd: true (the defaults), false, or {min_tx, min_rx, multiplier}; errors at the value, unknown keys at the key. */
    @Test
    void bfdPerPeer() throws Exception {
        final String withBfd = EXAMPLE.replace(
                        "      hold_time: 3s\n",
                        "      hold_time: 3s\n      bfd: {min_tx: 100ms, min_rx: 1s, multiplier: 5}\n")
                .replace(
                        "    - address: \"fd00:1::1\"\n      remote_as: 65000\n",
                        "    - address: \"fd00:1::1\"\n      remote_as: 65000\n      bfd: true\n");
        final AnnouncerConfig c = parse(withBfd);
        assertEquals(
                new io.levitate.bgp.bfd.BfdConfig(100_000, 1_000_000, 5),
                c.speaker().peers().get(0).bfd());
        assertEquals(
                io.levitate.bgp.bfd.BfdConfig.DEFAULT,
                c.speaker().peers().get(1).bfd());
        assertEquals(new io.levitate.bgp.bfd.BfdConfig(300_000, 300_000, 3), io.levitate.bgp.bfd.BfdConfig.DEFAULT);
        assertNull(parse(EXAMPLE).speaker().peers().get(0).bfd(), "no key, no BFD");
        assertNull(parse(withBfd.replace("bfd: true", "bfd: false"))
                .speaker()
                .peers()
                .get(1)
                .bfd());
        assertEquals(
                new io.levitate.bgp.bfd.BfdConfig(300_000, 50_000, 3),
                parse(withBfd.replace("bfd: true", "bfd: {min_rx: 50ms}"))
                        .speaker()
                        .peers()
                        .get(1)
                        .bfd(),
                "unset keys default");
        // {replacement of 'bfd: true', the key or value the error must point at, reason}
        final String[][] cases = {
            {"bfd: {min_tx: 5ms}", "5ms", "bgp.peers[1].bfd.min_tx: must be 10ms..1m, got 5ms"},
            {"bfd: {min_rx: 61s}", "61s", "bgp.peers[1].bfd.min_rx: must be 10ms..1m, got 61s"},
            {
                "bfd: {min_tx: 300}",
                "300",
                "bgp.peers[1].bfd.min_tx: expected a duration such as 300s, 500ms, 5m or 1h, got '300'"
            },
            {"bfd: {multiplier: 0}", "0}", "bgp.peers[1].bfd.multiplier: must be 1..255, got 0"},
            {"bfd: {multiplier: 256}", "256", "bgp.peers[1].bfd.multiplier: must be 1..255, got 256"},
            {"bfd: {min_txx: 1s}", "min_txx", "bgp.peers[1].bfd.min_txx: unknown key (did you mean 'min_tx'?)"},
            {"bfd: yes", "yes", "bgp.peers[1].bfd: expected true or false, got 'yes'"},
        };
        for (final String[] k : cases) {
            final String text = withBfd.replace("bfd: true", k[0]);
            final ConfigException e = assertThrows(ConfigException.class, () -> parse(text), k[2]);
            final int at = text.indexOf(k[0]) + k[0].indexOf(k[1]);
            final int line =
                    (int) text.substring(0, at).chars().filter(ch -> ch == '\n').count() + 1;
            final int column = at - text.lastIndexOf('\n', at - 1);
            assertEquals("test.yaml:" + line + ":" + column + ": " + k[2], e.getMessage());
        }
    }
}
