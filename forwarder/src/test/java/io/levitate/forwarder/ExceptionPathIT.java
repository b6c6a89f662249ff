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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exception path ({@code instance.exception_path: tap}) as a bare-metal machine uses it: the
 * forwarder owns the "NIC" (a veth read through net_af_packet, which the namespace's kernel is
 * told to ignore); the kernel has our address on the forwarder's TAP, lvx0. Frames are injected
 * on the veth's far end and everything leaving on the wire is captured there and read by tshark.
 * <ul>
 *   <li>traffic that is ours to handle stays in the data plane: the VIP flow is tunnelled, the
 *       ARP request for our address answered, malformed frames dropped and counted;</li>
 *   <li>well-formed traffic for the host reaches the kernel: a UDP datagram for our address
 *       arrives at a kernel socket on lvx0, the gateway's ARP reply is learnt and handed on;</li>
 *   <li>what the kernel sends leaves on the wire with the port's MAC.</li>
 * </ul>
 */
class ExceptionPathIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String SENDER = """
        import socket, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[2], 0))
        for line in open(sys.argv[1]):
            s.send(bytes.fromhex(line.strip()))
        """;
    private static final String LISTENER = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('10.0.1.2', 5555))
        print('ready', flush=True)
        s.settimeout(30)
        print(s.recv(2048).decode(), flush=True)
        """;
    private static final String KERNEL_SEND = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('10.0.1.2', 0))
        s.sendto(b'from-the-kernel', ('10.0.1.1', 7777))
        """;
    private static final String PYTHON =
            Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    @TempDir
    Path dir;

    private static String mac(final byte[] m) {
        return HexFormat.ofDelimiter(":").formatHex(m);
    }

    private Map<String, Long> stat() throws Exception {
        return LevitateProcess.stat("exc", dir.resolve("counters"), TIMEOUT);
    }

    private static void until(
            final Duration timeout, final java.util.concurrent.Callable<Boolean> condition, final String what)
            throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            assertTrue(System.nanoTime() < deadline, "not within " + timeout + ": " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void ourTrafficStaysInTheDataPlaneTheRestReachesTheKernelAndTheKernelReachesTheWire() throws Exception {
        try (Netns netns = new Netns("lvexc" + ProcessHandle.current().pid() % 100000)) {
            run(netns);
        }
    }

    private void run(final Netns netns) throws Exception {
        // No IPv6 anywhere here, so nothing but the test's frames crosses the wire.
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
        // The "NIC" is DPDK's: the kernel ignores what arrives on it (af_packet sees it first).
        final Path nft = dir.resolve("nic.nft");
        Files.writeString(nft, """
            table netdev dpdk {
              chain ingress {
                type filter hook ingress device "nic" priority 0; policy drop;
              }
            }
            """);
        netns.sh("nft", "-f", nft.toString());

        final Path config = dir.resolve("exc.yaml");
        Files.writeString(config, """
            instance:
              name: exc
              counters_dir: %s
              ports:
                - device: "net_af_packet0,iface=nic"
                  mtu: 1400
              hugepages: "no"
              memory_mb: 256
              mbufs: 4095
              exception_path: tap
              addresses: {ipv4: 10.0.1.2}
              gateways: {ipv4: 10.0.1.1}
            hash_seed: 9
            conntrack: {capacity: 4096}
            control: {socket: %s}
            services:
              - name: web
                vip: 198.18.0.10
                port: 80
                protocol: tcp
                backends: [{address: 10.0.2.11}]
            """.formatted(dir.resolve("counters"), dir.resolve("ctl.sock")));
        try (LevitateProcess levitate =
                LevitateProcess.startInNamespace(netns.name(), "run", "--config", config.toString())) {
            levitate.awaitLine(l -> l.startsWith("levitate: forwarding"), TIMEOUT);
            assertTrue(
                    levitate.stdout().stream()
                            .anyMatch(l -> l.startsWith("levitate: exception path for port 0: kernel interface lvx0")),
                    levitate.stdout().toString());
            final String link = netns.sh("ip", "link", "show", "lvx0");
            assertTrue(link.contains(mac(TestFrames.PORT_MAC)), "the TAP carries the port's MAC: " + link);
            assertTrue(link.contains("mtu 1400 "), "and its MTU: " + link);
            netns.sh("ip", "addr", "add", "10.0.1.2/24", "dev", "lvx0");
            netns.sh("ip", "link", "set", "lvx0", "up");
            netns.sh("ip", "neigh", "replace", "10.0.1.1", "lladdr", mac(TestFrames.GATEWAY_MAC), "dev", "lvx0");

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
            until(
                    Duration.ofSeconds(20),
                    () -> Files.readString(dir.resolve("tshark.log")).contains("Capturing on"),
                    "tshark capturing");

            final List<byte[]> frames = new ArrayList<>();
            // ours: the gateway introduces itself (learnt, then handed to the kernel as well) ...
            frames.add(TestFrames.arp(2, TestFrames.GATEWAY_MAC, "10.0.1.1", TestFrames.PORT_MAC, "10.0.1.2"));
            // ... asks for our address (answered by the data plane) ...
            frames.add(TestFrames.arp(1, TestFrames.GATEWAY_MAC, "10.0.1.1", new byte[6], "10.0.1.2"));
            // ... a VIP flow (tunnelled), a malformed IPv4 header and a runt (dropped, counted).
            frames.add(TestFrames.l4("10.9.0.1", "198.18.0.10", 6, 40000, 80, 0x02));
            final byte[] badIhl = TestFrames.l4("10.9.0.1", "10.0.1.2", 17, 40001, 5555, 0);
            badIhl[14] = 0x43;
            frames.add(badIhl);
            frames.add(java.util.Arrays.copyOf(TestFrames.l4("10.9.0.1", "10.0.1.2", 17, 40002, 5555, 0), 20));
            // not ours, nor the host's: IP to another address stays a counted drop.
            frames.add(TestFrames.l4("10.9.0.1", "10.0.1.77", 17, 40004, 5555, 0));
            // not ours: a datagram for the kernel.
            final byte[] datagram = TestFrames.l4("10.9.0.1", "10.0.1.2", 17, 40003, 5555, 0);
            frames.add(datagram);
            final Path list = dir.resolve("frames.txt");
            final List<String> hex = new ArrayList<>();
            frames.forEach(f -> hex.add(HexFormat.of().formatHex(f)));
            Files.write(list, hex);
            final Path sender = dir.resolve("send.py");
            Files.writeString(sender, SENDER);
            netns.sh(PYTHON, sender.toString(), list.toString(), "wire");

            assertEquals("levitate", heard.readLine(), "the kernel's socket on lvx0 got the datagram");
            final Path kernelSend = dir.resolve("kernel-send.py");
            Files.writeString(kernelSend, KERNEL_SEND);
            netns.sh(PYTHON, kernelSend.toString());

            until(
                    TIMEOUT,
                    () -> {
                        final Map<String, Long> c = stat();
                        return c.getOrDefault("worker 0: exception path from kernel", 0L) >= 1
                                && c.getOrDefault("worker 0: drop truncated_ip", 0L) == 1;
                    },
                    "the counters to show the kernel's datagram and the runt");
            final Map<String, Long> c = stat();
            assertEquals(
                    2,
                    c.get("worker 0: exception path to kernel"),
                    "the gateway's ARP reply and the datagram, nothing else: " + c);
            assertEquals(1, c.get("worker 0: drop bad_ihl"), c.toString());
            assertEquals(1, c.get("worker 0: drop no_service"), "the datagram for 10.0.1.77: " + c);
            assertEquals(0, c.get("worker 0: drop kernel_rate_limited"), c.toString());
            assertEquals(1, c.get("worker 0: drop truncated_ip"), c.toString());
            assertEquals(1, c.get("service web: packets"), c.toString());
            assertEquals(0, c.get("worker 0: drop kernel_full"), c.toString());
            final long fromKernel = c.get("worker 0: exception path from kernel");

            tshark.destroy();
            tshark.waitFor(10, TimeUnit.SECONDS);
            final List<String[]> gre = TsharkFields.read(capture, "gre", "a", "ip.dst", "tcp.dstport");
            assertEquals(1, gre.size(), "one tunnel packet");
            assertEquals("10.0.2.11,198.18.0.10", gre.get(0)[0], "tunnelled to the backend, inner packet to the VIP");
            assertEquals("80", gre.get(0)[1]);
            final List<String[]> arpReplies = TsharkFields.read(
                    capture,
                    "arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.1.2",
                    "f",
                    "arp.src.hw_mac",
                    "arp.dst.proto_ipv4");
            assertEquals(
                    1, arpReplies.size(), "the data plane answered the ARP request once (the kernel never saw it)");
            assertEquals(mac(TestFrames.PORT_MAC), arpReplies.get(0)[0]);
            final List<String[]> fromKernelOnWire =
                    TsharkFields.read(capture, "udp.dstport == 7777", "f", "eth.src", "eth.dst", "ip.src", "data.data");
            assertEquals(1, fromKernelOnWire.size(), "the kernel's datagram left on the wire");
            assertEquals(mac(TestFrames.PORT_MAC), fromKernelOnWire.get(0)[0]);
            assertEquals(mac(TestFrames.GATEWAY_MAC), fromKernelOnWire.get(0)[1]);
            assertEquals("10.0.1.2", fromKernelOnWire.get(0)[2]);
            assertEquals(
                    HexFormat.of().formatHex("from-the-kernel".getBytes(StandardCharsets.US_ASCII)),
                    fromKernelOnWire.get(0)[3]);
            System.out.printf(
                    "ExceptionPathIT: 2 frames to the kernel (gateway ARP reply, datagram), %d from it; "
                            + "VIP tunnelled, ARP answered by the data plane, bad_ihl and runt dropped%n",
                    fromKernel);
            levitate.terminate();
            assertEquals(0, levitate.awaitExit(TIMEOUT), String.join("\n", levitate.stderr()));
        }
    }
}
