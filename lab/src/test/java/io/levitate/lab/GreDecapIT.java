package io.levitate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.levitate.packet.testing.Netns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/lab/gre-decap.c on its own: a host namespace runs it with the VIP on lo and a UDP
 * listener on the VIP; a sender namespace sends hand-built GRE packets over a veth (the kernel
 * adds the outer IPv4/IPv6 header). Good packets of every accepted shape (plain, keyed and
 * sequenced per RFC 2890, checksummed, IPv6 outer) reach the listener; each malformed one (RFC
 * 1701 routing bits included, which RFC 2784 receivers must discard) is
 * dropped under its own reason in the decapsulator's counters.
 */
class GreDecapIT {
    private static final String VIP4 = "198.18.0.10";
    private static final String VIP6 = "2001:db8:100::10";
    private static final String CLIENT4 = "10.100.0.2";
    private static final String CLIENT6 = "fd00:100::2";
    private static final String PYTHON =
            Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    /** Sends each hex line of a file as one raw GRE packet (IP protocol 47) to the given address. */
    private static final String SENDER = """
        import socket, sys
        for line in open(sys.argv[1]):
            family, dst, payload = line.split()
            s = socket.socket(socket.AF_INET6 if family == '6' else socket.AF_INET, socket.SOCK_RAW, 47)
            s.sendto(bytes.fromhex(payload), (dst, 0))
            s.close()
        """;
    /** Prints every datagram received on the VIPs' port 9999 until it has N or 10 s pass. */
    private static final String LISTENER = """
        import select, socket, sys, time
        n = int(sys.argv[1])
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('198.18.0.10', 9999))
        b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); b.bind(('2001:db8:100::10', 9999))
        print('ready', flush=True)
        got, end = 0, time.time() + 10
        while got < n and time.time() < end:
            r, _, _ = select.select([a, b], [], [], 0.2)
            for s in r:
                print(s.recv(2048).decode(), flush=True)
                got += 1
        """;

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ packet building

    private static int sum(final byte[] b, final int from, final int to, final int start) {
        int s = start;
        for (int i = from; i < to; i += 2) {
            s += (b[i] & 0xff) << 8 | (i + 1 < to ? b[i + 1] & 0xff : 0);
        }
        return s;
    }

    private static int fold(int s) {
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return ~s & 0xffff;
    }

    private static byte[] bytes(final String address) throws Exception {
        return java.net.InetAddress.getByName(address).getAddress();
    }

    /** An IPv4 UDP datagram (UDP checksum 0: optional over IPv4). */
    private static byte[] udp4(final String src, final String dst, final String text) throws Exception {
        final byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        final byte[] p = new byte[28 + data.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = 17;
        System.arraycopy(bytes(src), 0, p, 12, 4);
        System.arraycopy(bytes(dst), 0, p, 16, 4);
        final int c = fold(sum(p, 0, 20, 0));
        p[10] = (byte) (c >> 8);
        p[11] = (byte) c;
        p[20] = 0x30;
        p[21] = 0x39;
        p[22] = 0x27;
        p[23] = 0x0f; // port 9999
        p[24] = (byte) ((8 + data.length) >> 8);
        p[25] = (byte) (8 + data.length);
        System.arraycopy(data, 0, p, 28, data.length);
        return p;
    }

    /** An IPv6 UDP datagram (UDP checksum mandatory over IPv6, RFC 8200 8.1). */
    private static byte[] udp6(final String src, final String dst, final String text) throws Exception {
        final byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        final int udpLength = 8 + data.length;
        final byte[] p = new byte[40 + udpLength];
        p[0] = 0x60;
        p[4] = (byte) (udpLength >> 8);
        p[5] = (byte) udpLength;
        p[6] = 17;
        p[7] = 64;
        System.arraycopy(bytes(src), 0, p, 8, 16);
        System.arraycopy(bytes(dst), 0, p, 24, 16);
        p[40] = 0x30;
        p[41] = 0x39;
        p[42] = 0x27;
        p[43] = 0x0f;
        p[44] = (byte) (udpLength >> 8);
        p[45] = (byte) udpLength;
        System.arraycopy(data, 0, p, 48, data.length);
        int s = sum(p, 8, 40, 0) + udpLength + 17;
        s = sum(p, 40, p.length, s);
        final int c = fold(s);
        p[46] = (byte) (c >> 8);
        p[47] = (byte) c;
        return p;
    }

    /** GRE header (flags and version in the first 16 bits) and optional words, then the payload. */
    private static byte[] gre(
            final int flagsAndVersion,
            final int protocol,
            final boolean checksum,
            final boolean key,
            final boolean sequence,
            final byte[] payload) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(flagsAndVersion >> 8);
        out.write(flagsAndVersion);
        out.write(protocol >> 8);
        out.write(protocol);
        final int checksumAt = out.size();
        if (checksum) {
            out.writeBytes(new byte[4]);
        }
        if (key) {
            out.writeBytes(new byte[] {0, 0, 0x12, 0x34});
        }
        if (sequence) {
            out.writeBytes(new byte[] {0, 0, 0, 7});
        }
        out.writeBytes(payload);
        final byte[] g = out.toByteArray();
        if (checksum) {
            final int c = fold(sum(g, 0, g.length, 0));
            g[checksumAt] = (byte) (c >> 8);
            g[checksumAt + 1] = (byte) c;
        }
        return g;
    }

    private static final int C = 0x8000;
    private static final int R = 0x4000;
    private static final int K = 0x2000;
    private static final int S = 0x1000;

    @Test
    void decapsulatesEveryValidShapeAndCountsEachMalformedOneByReason() throws Exception {
        final String prefix = "lvg" + ProcessHandle.current().pid() % 1000;
        try (Netns host = new Netns(prefix + "-host");
                Netns sender = new Netns(prefix + "-sender")) {
            run(host, sender);
        }
    }

    private void run(final Netns host, final Netns sender) throws Exception {
        // Namespaces: sender (10.0.3.1, fd00:3::1) -- host (10.0.3.11, fd00:3::11; VIPs on lo).
        Netns.run(
                "ip",
                "link",
                "add",
                "gs",
                "netns",
                sender.name(),
                "type",
                "veth",
                "peer",
                "name",
                "gh",
                "netns",
                host.name());
        sender.sh("ip", "link", "set", "gs", "up");
        host.sh("ip", "link", "set", "gh", "up");
        sender.sh("ip", "addr", "add", "10.0.3.1/24", "dev", "gs");
        sender.sh("ip", "-6", "addr", "add", "fd00:3::1/64", "dev", "gs", "nodad");
        host.sh("ip", "addr", "add", "10.0.3.11/24", "dev", "gh");
        host.sh("ip", "-6", "addr", "add", "fd00:3::11/64", "dev", "gh", "nodad");
        host.sh("ip", "addr", "add", VIP4 + "/32", "dev", "lo");
        host.sh("ip", "-6", "addr", "add", VIP6 + "/128", "dev", "lo", "nodad");
        for (final String k : new String[] {"all", "default"}) {
            host.sh("sysctl", "-q", "-w", "net.ipv4.conf." + k + ".rp_filter=0");
        }
        final Path binary = dir.resolve("gre-decap");
        Netns.run(
                "gcc",
                "-O2",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-o",
                binary.toString(),
                Lab.ROOT.resolve("scripts/lab/gre-decap.c").toString());
        final Path stats = dir.resolve("stats");
        final Process decap =
                host.start(new ProcessBuilder(host.in(binary.toString(), "--tun", "gre0", "--stats", stats.toString()))
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("decap.log").toFile()));
        Lab.until(Duration.ofSeconds(5), () -> Files.exists(stats), () -> "gre-decap did not start");
        host.sh("sysctl", "-q", "-w", "net.ipv4.conf.gre0.rp_filter=0");
        host.sh("ip", "link", "set", "gre0", "up");

        final Path listenerScript = dir.resolve("listen.py");
        Files.writeString(listenerScript, LISTENER);
        final Process listener = host.start(new ProcessBuilder(host.in(PYTHON, listenerScript.toString(), "5")));
        final var lines = new java.io.BufferedReader(
                new java.io.InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", lines.readLine());

        final HexFormat hex = HexFormat.of();
        final List<String> packets = new ArrayList<>();
        final byte[] inner6 = udp6(CLIENT6, VIP6, "v6-over-v4");
        // accepted
        packets.add("4 10.0.3.11 " + hex.formatHex(gre(0, 0x0800, false, false, false, udp4(CLIENT4, VIP4, "plain"))));
        packets.add("4 10.0.3.11 "
                + hex.formatHex(gre(K | S, 0x0800, false, true, true, udp4(CLIENT4, VIP4, "keyed-sequenced"))));
        packets.add(
                "4 10.0.3.11 " + hex.formatHex(gre(C, 0x0800, true, false, false, udp4(CLIENT4, VIP4, "checksummed"))));
        packets.add("4 10.0.3.11 " + hex.formatHex(gre(0, 0x86dd, false, false, false, inner6)));
        packets.add(
                "6 fd00:3::11 " + hex.formatHex(gre(K, 0x86dd, false, true, false, udp6(CLIENT6, VIP6, "v6-outer"))));
        // dropped, one per reason
        final byte[] badSum = gre(C, 0x0800, true, false, false, udp4(CLIENT4, VIP4, "bad-checksum"));
        badSum[4] ^= 0x01;
        packets.add("4 10.0.3.11 " + hex.formatHex(badSum));
        packets.add("4 10.0.3.11 " + hex.formatHex(gre(1, 0x880b, false, false, false, udp4(CLIENT4, VIP4, "pptp"))));
        packets.add(
                "4 10.0.3.11 " + hex.formatHex(gre(R, 0x0800, false, false, false, udp4(CLIENT4, VIP4, "routing"))));
        packets.add("4 10.0.3.11 "
                + hex.formatHex(gre(0x0800, 0x0800, false, false, false, udp4(CLIENT4, VIP4, "strict-route"))));
        packets.add(
                "4 10.0.3.11 " + hex.formatHex(gre(0, 0x6558, false, false, false, udp4(CLIENT4, VIP4, "ethernet"))));
        packets.add("4 10.0.3.11 " + hex.formatHex(gre(0, 0x0800, false, false, false, inner6)));
        packets.add("4 10.0.3.11 " + hex.formatHex(new byte[] {0, 0}));
        packets.add("4 10.0.3.11 " + hex.formatHex(gre(K | S, 0x0800, false, false, false, new byte[2])));
        final Path list = dir.resolve("packets.txt");
        Files.write(list, packets);
        final Path senderScript = dir.resolve("send.py");
        Files.writeString(senderScript, SENDER);
        sender.sh(PYTHON, senderScript.toString(), list.toString());

        final Set<String> delivered = new TreeSet<>();
        for (int i = 0; i < 5; i++) {
            final String line = lines.readLine();
            if (line == null) {
                break;
            }
            delivered.add(line);
        }
        assertEquals(
                new TreeSet<>(Set.of("plain", "keyed-sequenced", "checksummed", "v6-over-v4", "v6-outer")), delivered);

        final String expected =
                "gre-decap: received=13 decapsulated=5 short_outer=0 short_gre=2 bad_version=1 routing=2 "
                        + "bad_checksum=1 unknown_protocol=1 bad_inner=1 tun_write=0";
        Lab.until(
                Duration.ofSeconds(5),
                () -> {
                    sh2("kill", "-USR1", Long.toString(decap.pid()));
                    return expected.equals(read(stats));
                },
                () -> "counters: " + read(stats));
        decap.destroy();
        assertEquals(true, decap.waitFor(5, TimeUnit.SECONDS), "gre-decap stops on SIGTERM");
        assertEquals(0, decap.exitValue());
        System.out.println("LAB gre-decap: " + read(stats));
    }

    private static void sh2(final String... command) {
        try {
            new ProcessBuilder(command).start().waitFor();
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(final Path file) {
        try {
            return Files.exists(file) ? Files.readString(file).trim() : "";
        } catch (final IOException e) {
            return e.toString();
        }
    }
}
