package io.levitate.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * A service's name, VIP, port, protocol and announce as both processes bind them (the forwarder's
 * ConfigErrorsTest and the announcer's ConfigLoaderTest cover them through their readers). The
 * entries are read as the announcer reads them, through a partial view: other keys are not this
 * binder's.
 */
class ServiceAddressBinderTest {
    /** The entries bound, or the errors as FILE:LINE:COL lines. */
    private static Object bind(final String yaml) {
        final ErrorSink sink = new ErrorSink("t.yaml");
        final Node root = YamlSource.compose(yaml, sink, "empty");
        final MappingView top = root == null ? null : MappingView.of(sink, root, null, "", List.of("services"));
        final List<Node> items = top == null ? List.of() : Values.list(sink, top.get("services"), "services");
        final ServiceAddressBinder binder = new ServiceAddressBinder(sink);
        final List<ServiceAddressBinder.ServiceAddress> out = new ArrayList<>();
        for (int i = 0; items != null && i < items.size(); i++) {
            final MappingView s = MappingView.partial(sink, items.get(i), null, "services[" + i + "]");
            if (s != null) {
                out.add(binder.bind(s));
            }
        }
        return sink.isEmpty()
                ? out
                : sink.sorted().stream().map(ConfigError::toString).toList();
    }

    @Test
    void bindsTheKeysWithTheirDefaultsAndSkipsTheRest() {
        @SuppressWarnings("unchecked")
        final List<ServiceAddressBinder.ServiceAddress> s = (List<ServiceAddressBinder.ServiceAddress>) bind("""
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.11}]
              - name: dns6
                vip: "2001:db8::53"
                port: any
                protocol: udp
                announce: false
                anything: the forwarder's schema decides
            """);
        assertEquals(2, s.size());
        assertTrue(s.get(0).complete());
        assertEquals(InetAddress.ofLiteral("198.18.0.10"), s.get(0).vip());
        assertEquals(80, s.get(0).port());
        assertEquals(6, s.get(0).protocol());
        assertTrue(s.get(0).announce(), "announce defaults to true");
        assertEquals(0, s.get(1).port(), "any");
        assertEquals(17, s.get(1).protocol());
        assertFalse(s.get(1).announce());
        assertEquals("udp", ServiceAddressBinder.protocolWord(17));
        assertEquals("tcp", ServiceAddressBinder.protocolWord(6));
    }

    @Test
    void everyMistakeAtItsKeyOrValue() {
        assertEquals(
                List.of(
                        "t.yaml:2:11: services[0].name: '../x' must be 1..64 characters of A-Z a-z 0-9 _ . -",
                        "t.yaml:3:10: services[0].vip: 127.0.0.1 is a loopback address (127.0.0.0/8); no packet to it arrives from "
                                + "the network",
                        "t.yaml:4:11: services[0].port: must be 1..65535 or \"any\", got '65536'",
                        "t.yaml:5:15: services[0].protocol: must be tcp or udp, got 'sctp'",
                        "t.yaml:6:15: services[0].announce: expected true or false, got 'yes'",
                        "t.yaml:7:5: services[1]: missing required key 'vip'",
                        "t.yaml:7:5: services[1]: missing required key 'port'",
                        "t.yaml:7:5: services[1]: missing required key 'protocol'",
                        "t.yaml:8:10: services[2].vip: 0.0.0.1 is in 0.0.0.0/8, \"this network\" (RFC 1122), never a destination",
                        "t.yaml:11:5: services[2].port: duplicate key (first at line 10)"),
                bind("""
            services:
              - name: ../x
                vip: 127.0.0.1
                port: 65536
                protocol: sctp
                announce: yes
              - name: empty
              - vip: 0.0.0.1
                name: z
                port: 1
                port: 2
                protocol: tcp
            """));
    }

    @Test
    void namesAndMatchesAreUnique() {
        assertEquals(
                List.of(
                        "t.yaml:6:11: services[1].name: duplicate service name 'a' (first at line 2)",
                        "t.yaml:11:10: services[2]: same vip, port and protocol ([2001:db8::1]:any/udp) as service 'a' (line 3)"),
                bind("""
            services:
              - name: a
                vip: "2001:db8::1"
                port: any
                protocol: udp
              - name: a
                vip: "2001:db8::1"
                port: any
                protocol: tcp
              - name: c
                vip: "2001:db8::1"
                port: any
                protocol: udp
              - name: d
                vip: "2001:db8::1"
                port: 53
                protocol: udp
            """),
                "the same VIP with another protocol, or a specific port beside any, is another service");
    }
}
