package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.packet.testing.Netns;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health probes through the tunnel with a real forwarder on a bare-metal-style port (as {@link
 * ExceptionPathIT}: a veth read by net_af_packet, the kernel behind the exception TAP lvx0): the
 * kernel sends from two addresses of {@code instance.health_prefix} to the VIP; on the wire each
 * leaves GRE-encapsulated to its own backend, unchanged inside; an answer from the VIP to a probe
 * address, arriving on the wire, reaches the kernel's socket. tshark reads the capture.
 */
class TunnelProbeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String PROBE = """
        import socket, sys
        for src in sys.argv[1:]:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((src, 0))
            s.sendto(b'probe', ('198.18.0.53', 53))
        """;
    private static final String LISTENER = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('10.0.1.128', 5353))
        print('ready', flush=True)
        s.settimeout(30)
        data, peer = s.recvfrom(2048)
        print(data.decode() + ' from ' + peer[0], flush=True)
        """;
    private static final String SENDER = """
        import socket, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[2], 0))
        s.send(bytes.fromhex(sys.argv[1]))
        """;
    private static final String PYTHON =
            Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    @TempDir
    Path dir;

    private static String mac(final byte[] m) {
        return HexFormat.ofDelimiter(":").formatHex(m);
    }

    private Map<String, Long> stat() throws Exception {
        return LevitateProcess.stat("probes", dir.resolve("counters"), TIMEOUT);
    }

    @Test
    void probesFromTheHealthPrefixAreTunnelledToTheirBackendAndAnswersReachTheKernel() throws Exception {
        try (Netns netns = new Netns("lvhtn" + ProcessHandle.current().pid() % 100000)) {
            run(netns);
        }
    }

    private void run(final Netns netns) throws Exception {
        netns.sh("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        netns.sh("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
        netns.sh(
                "ip",
                "link",
                "add",
                "nic",
                "address",
                mac(TestFrames.PORT_MAC),
                "type",
                "veth",
                "peer",
                "name",
                "wire");
        netns.sh("ip", "link", "set", "nic", "up");
        netns.sh("ip", "link", "set", "wire", "up");
        final Path nft = dir.resolve("nic.nft");
        Files.writeString(nft, """
            table netdev dpdk {
              chain ingress {
                type filter hook ingress device "nic" priority 0; policy drop;
              }
            }
            """);
        netns.sh("nft", "-f", nft.toString());
        // The host owns the whole prefix (a local route), before the forwarder's first probe.
        netns.sh("ip", "route", "add", "local", "10.0.1.128/28", "dev", "lo");
        final Path config = dir.resolve("probes.yaml");
        Files.writeString(config, """
            instance:
              name: probes
              counters_dir: %s
              ports:
                - device: "net_af_packet0,iface=nic"
              hugepages: "no"
              memory_mb: 256
              mbufs: 4095
              exception_path: tap
              health_prefix: 10.0.1.128/28
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 9
            conntrack: {capacity: 4096}
            control: {socket: %s}
            services:
              - name: dns
                vip: 198.18.0.53
                port: 53
                protocol: udp
                backends: [{address: 10.0.2.11}, {address: 10.0.2.12}]
            """.formatted(dir.resolve("counters"), dir.resolve("ctl.sock")));
        try (LevitateProcess levitate =
                LevitateProcess.startInNamespace(netns.name(), "run", "--config", config.toString())) {
            levitate.awaitLine(l -> l.startsWith("levitate: forwarding"), TIMEOUT);
            netns.sh("ip", "addr", "add", "10.0.1.2/24", "dev", "lvx0");
            netns.sh("ip", "link", "set", "lvx0", "up");
            netns.sh("ip", "route", "add", "default", "via", "10.0.1.1", "dev", "lvx0");
            netns.sh("ip", "neigh", "replace", "10.0.1.1", "lladdr", mac(TestFrames.GATEWAY_MAC), "dev", "lvx0");
            // The data plane learns the gateway's MAC from its ARP reply, as in ExceptionPathIT.
            final Path sender = dir.resolve("send.py");
            Files.writeString(sender, SENDER);
            netns.sh(
                    PYTHON,
                    sender.toString(),
                    HexFormat.of()
                            .formatHex(TestFrames.arp(
                                    2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2")),
                    "wire");

            final Path listenerScript = dir.resolve("listen.py");
            Files.writeString(listenerScript, LISTENER);
            final Process listener = netns.start(new ProcessBuilder(netns.in(PYTHON, listenerScript.toString())));
            final BufferedReader heard =
                    new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", heard.readLine());

            final Path capture = dir.resolve("wire.pcap");
            final Process tshark =
                    netns.start(new ProcessBuilder(netns.in("tshark", "-n", "-i", "wire", "-w", capture.toString()))
                            .redirectErrorStream(true)
                            .redirectOutput(dir.resolve("tshark.log").toFile()));
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.readString(dir.resolve("tshark.log")).contains("Capturing on")) {
                assertTrue(System.nanoTime() < deadline, "tshark capturing");
                Thread.sleep(50);
            }
            // Backend ids 0 and 1 (the file's order): the prefix's addresses 0 and 1.
            final Path probe = dir.resolve("probe.py");
            Files.writeString(probe, PROBE);
            netns.sh(PYTHON, probe.toString(), "10.0.1.128", "10.0.1.129");
            // The backend's answer, DSR from the VIP to a probe address, arrives on the wire.
            netns.sh(
                    PYTHON,
                    sender.toString(),
                    HexFormat.of().formatHex(TestFrames.l4("198.18.0.53", "10.0.1.128", 17, 53, 5353, 0)),
                    "wire");
            assertEquals("levitate from 198.18.0.53", heard.readLine(), "the answer reached the kernel's socket");

            Map<String, Long> c = stat();
            while (c.getOrDefault("worker 0: health probes tunnelled", 0L) < 2) {
                assertTrue(System.nanoTime() < deadline, "probes tunnelled: " + c);
                Thread.sleep(50);
                c = stat();
            }
            assertEquals(2, c.get("worker 0: health probes tunnelled"), c.toString());
            assertEquals(0, c.get("worker 0: drop health_no_backend"), c.toString());
            assertEquals(0, c.get("service dns: packets"), "probes are no client traffic: " + c);
            assertEquals(0, c.get("worker 0: conntrack inserts"), "nor flows: " + c);
            tshark.destroy();
            tshark.waitFor(10, TimeUnit.SECONDS);
            final List<String[]> gre = TsharkFields.read(capture, "gre", "a", "ip.src", "ip.dst", "udp.dstport");
            final Set<String> seen = new TreeSet<>();
            for (final String[] row : gre) {
                seen.add(row[0] + " -> " + row[1] + " port " + row[2]);
            }
            final int backendOfFirst = seen.contains("10.0.1.2,10.0.1.128 -> 10.0.2.11,198.18.0.53 port 53") ? 11 : 12;
            final int backendOfSecond = 23 - backendOfFirst;
            assertEquals(
                    Set.of(
                            "10.0.1.2,10.0.1.128 -> 10.0.2." + backendOfFirst + ",198.18.0.53 port 53",
                            "10.0.1.2,10.0.1.129 -> 10.0.2." + backendOfSecond + ",198.18.0.53 port 53"),
                    seen,
                    "each probe tunnelled to its own backend, inner packet from its probe address to the VIP");
            System.out.println("TunnelProbeIT: " + seen + "; the answer reached the kernel");
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
        }
    }
}
