package io.levitate.bgp.it;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.fsm.BgpSpeaker;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our speaker against FRR 8 (zebra + bgpd as user frr): session, attributes v4 and v6, 4-byte ASN, MD5, withdraw. */
class FrrInteropIT {
    private static Lab lab;
    private static Path run;
    private static final InetAddress VIP4 = Lab.parse("198.18.2.10");
    private static final InetAddress VIP6 = Lab.parse("2001:db8:12::10");

    @BeforeAll
    static void start() throws IOException {
        lab = new Lab();
        // FRR drops to user frr: its run directory (and the path to it) must be reachable by frr.
        Files.setPosixFilePermissions(lab.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        run = Files.createDirectory(lab.dir.resolve("frr"));
        final StringBuilder conf = new StringBuilder("""
            frr defaults traditional
            log file %s/bgpd.log
            router bgp 65000
             bgp router-id %s
             no bgp ebgp-requires-policy
             no bgp network import-check
             timers bgp 1 3
            """.formatted(run, lab.v4(1)));
        final String[][] peers = {
            {lab.v4(2), "65001", null}, {lab.v4(3), "4200000001", null}, {lab.v4(4), "65002", "frr-key"}
        };
        for (final String[] p : peers) {
            conf.append(" neighbor ")
                    .append(p[0])
                    .append(" remote-as ")
                    .append(p[1])
                    .append('\n');
            conf.append(" neighbor ").append(p[0]).append(" timers connect 1\n");
            if (p[2] != null) {
                conf.append(" neighbor ")
                        .append(p[0])
                        .append(" password ")
                        .append(p[2])
                        .append('\n');
            }
        }
        conf.append(" address-family ipv6 unicast\n");
        for (final String[] p : peers) {
            conf.append("  neighbor ").append(p[0]).append(" activate\n");
        }
        conf.append(" exit-address-family\n");
        Files.writeString(run.resolve("bgpd.conf"), conf);
        Files.writeString(run.resolve("zebra.conf"), "");
        Shell.ok("chown", "-R", "frr:frr", run.toString());
        final String r = run.toString();
        Shell.ok(lab.inNs(
                "/usr/lib/frr/zebra",
                "-d",
                "-u",
                "frr",
                "-g",
                "frr",
                "-z",
                r + "/zserv.api",
                "--vty_socket",
                r,
                "-i",
                r + "/zebra.pid",
                "-f",
                r + "/zebra.conf"));
        Shell.ok(lab.inNs(
                "/usr/lib/frr/bgpd",
                "-d",
                "-u",
                "frr",
                "-g",
                "frr",
                "-z",
                r + "/zserv.api",
                "--vty_socket",
                r,
                "-i",
                r + "/bgpd.pid",
                "-f",
                r + "/bgpd.conf"));
        Poll.until(
                Duration.ofSeconds(10),
                () -> vtysh("show bgp summary json").contains("65000"),
                () -> vtysh("show bgp summary"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (run != null) {
            for (final String pidFile : List.of("bgpd.pid", "zebra.pid")) {
                final Path p = run.resolve(pidFile);
                if (Files.exists(p)) {
                    Shell.run("kill", Files.readString(p).trim());
                }
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static String vtysh(final String command) {
        return Shell.run(lab.inNs("vtysh", "--vty_socket", run.toString(), "-c", command))
                .out();
    }

    @Test
    void routesWithAttributesV4V6ThenWithdraw() {
        try (BgpSpeaker s = Speakers.start(Speakers.config(65001, 2, List.of(Speakers.peer(lab, 65000, 2, null))))) {
            s.setRoutes(Speakers.routes(VIP4, VIP6));
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> vtysh("show bgp ipv4 unicast json").contains("198.18.2.10/32")
                            && vtysh("show bgp ipv6 unicast json").contains("2001:db8:12::10/128"),
                    () -> vtysh("show bgp summary") + Speakers.status(s));
            final String v4 = vtysh("show bgp ipv4 unicast 198.18.2.10/32 json");
            assertTrue(v4.contains("\"origin\":\"IGP\""), v4);
            assertTrue(v4.contains("\"string\":\"65001\""), "AS path: " + v4);
            assertTrue(v4.contains("\"ip\":\"" + lab.v4(2) + "\""), "next hop: " + v4);
            assertTrue(v4.contains("\"string\":\"65001:100\""), "community: " + v4);
            assertTrue(v4.contains("\"string\":\"65001:1:2\""), "large community: " + v4);
            assertTrue(v4.contains("\"metric\":100"), "MED: " + v4);
            final String v6 = vtysh("show bgp ipv6 unicast 2001:db8:12::10/128 json");
            assertTrue(v6.contains("\"ip\":\"" + lab.v6(2) + "\""), "MP_REACH next hop: " + v6);
            assertTrue(v6.contains("\"origin\":\"IGP\""), v6);

            s.setRoutes(Speakers.routes());
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> !vtysh("show bgp ipv4 unicast json").contains("198.18.2.10")
                            && !vtysh("show bgp ipv6 unicast json").contains("2001:db8:12::10"),
                    () -> vtysh("show bgp ipv4 unicast"));
            assertEquals(0, Speakers.status(s).flaps());
        }
    }

    @Test
    void fourByteAsn() {
        try (BgpSpeaker s =
                Speakers.start(Speakers.config(4_200_000_001L, 3, List.of(Speakers.peer(lab, 65000, 3, null))))) {
            s.setRoutes(Speakers.routes(Lab.parse("198.18.2.11")));
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> vtysh("show bgp ipv4 unicast 198.18.2.11/32 json").contains("\"string\":\"4200000001\""),
                    () -> vtysh("show bgp summary") + vtysh("show bgp ipv4 unicast"));
        }
    }

    @Test
    void md5() {
        try (BgpSpeaker s =
                Speakers.start(Speakers.config(65002, 4, List.of(Speakers.peer(lab, 65000, 4, "frr-key"))))) {
            s.setRoutes(Speakers.routes(Lab.parse("198.18.2.14")));
            Poll.until(
                    Duration.ofSeconds(20),
                    () -> vtysh("show bgp ipv4 unicast json").contains("198.18.2.14/32"),
                    () -> vtysh("show bgp summary") + Speakers.status(s));
        }
    }
}
