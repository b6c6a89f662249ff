package io.levitate.bgp.it;

import static org.junit.jupiter.api.Assertions.*;

import io.levitate.bgp.fsm.BgpSpeaker;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our speaker against GoBGP 3: session, attributes v4 and v6, 4-byte ASN, MD5, withdraw. */
class GoBgpInteropIT {
    private static Lab lab;
    private static Daemon gobgpd;
    private static final int API_PORT = 50051;
    private static final InetAddress VIP4 = Lab.parse("198.18.1.10");
    private static final InetAddress VIP6 = Lab.parse("2001:db8:11::10");

    @BeforeAll
    static void start() throws IOException {
        lab = new Lab();
        final StringBuilder conf = new StringBuilder("""
            [global.config]
              as = 65000
              router-id = "%s"
              local-address-list = ["%s"]
            """.formatted(lab.v4(1), lab.v4(1)));
        neighbor(conf, lab.v4(2), 65001, null);
        neighbor(conf, lab.v4(3), 4_200_000_001L, null);
        neighbor(conf, lab.v4(4), 65002, "g0bgp-key");
        Files.writeString(lab.dir.resolve("gobgpd.toml"), conf);
        gobgpd = new Daemon(
                lab,
                "gobgpd",
                "gobgpd",
                "-f",
                lab.dir.resolve("gobgpd.toml").toString(),
                "-t",
                "toml",
                "--api-hosts",
                "127.0.0.1:" + API_PORT,
                "--pprof-disable",
                "-p");
        Poll.until(
                Duration.ofSeconds(10),
                () -> Shell.run(lab.inNs("gobgp", "-p", "" + API_PORT, "global"))
                                .exit()
                        == 0,
                () -> gobgpd.log());
    }

    private static void neighbor(final StringBuilder conf, final String address, final long as, final String password) {
        conf.append("""
            [[neighbors]]
              [neighbors.config]
                neighbor-address = "%s"
                peer-as = %d
                %s
              [neighbors.timers.config]
                hold-time = 3
                keepalive-interval = 1
                connect-retry = 1
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv4-unicast"
              [[neighbors.afi-safis]]
                [neighbors.afi-safis.config]
                  afi-safi-name = "ipv6-unicast"
            """.formatted(address, as, password == null ? "" : "auth-password = \"" + password + "\""));
    }

    @AfterAll
    static void stop() {
        if (gobgpd != null) {
            gobgpd.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static String rib(final String family) {
        return Shell.run(lab.inNs("gobgp", "-p", "" + API_PORT, "global", "rib", "-a", family, "-j"))
                .out();
    }

    private static String neighbors() {
        return Shell.run(lab.inNs("gobgp", "-p", "" + API_PORT, "neighbor")).out();
    }

    @Test
    void routesWithAttributesV4V6ThenWithdraw() {
        try (BgpSpeaker s = Speakers.start(Speakers.config(65001, 2, List.of(Speakers.peer(lab, 65000, 2, null))))) {
            s.setRoutes(Speakers.routes(VIP4, VIP6));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> rib("ipv4").contains("198.18.1.10/32") && rib("ipv6").contains("2001:db8:11::10/128"),
                    () -> neighbors() + rib("ipv4") + rib("ipv6"));
            final String v4 = rib("ipv4");
            assertTrue(v4.contains("{\"type\":1,\"value\":0}"), "ORIGIN IGP: " + v4);
            assertTrue(v4.contains("\"asns\":[65001]"), "AS_PATH: " + v4);
            assertTrue(v4.contains("\"nexthop\":\"" + lab.v4(2) + "\""), "NEXT_HOP: " + v4);
            assertTrue(v4.contains("\"communities\":[" + ((65001L << 16) | 100) + "]"), "COMMUNITIES: " + v4);
            assertTrue(v4.contains("\"ASN\":65001,\"LocalData1\":1,\"LocalData2\":2"), "LARGE_COMMUNITY: " + v4);
            assertTrue(v4.contains("\"metric\":100"), "MED: " + v4);
            final String v6 = rib("ipv6");
            assertTrue(v6.contains("\"nexthop\":\"" + lab.v6(2) + "\""), "MP_REACH next hop: " + v6);
            assertTrue(v6.contains("\"asns\":[65001]"), v6);

            s.setRoutes(Speakers.routes());
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> !rib("ipv4").contains("198.18.1.10") && !rib("ipv6").contains("2001:db8:11::10"),
                    () -> rib("ipv4") + rib("ipv6"));
            assertEquals(0, Speakers.status(s).flaps());
        }
    }

    @Test
    void fourByteAsn() {
        try (BgpSpeaker s =
                Speakers.start(Speakers.config(4_200_000_001L, 3, List.of(Speakers.peer(lab, 65000, 3, null))))) {
            s.setRoutes(Speakers.routes(Lab.parse("198.18.1.11")));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> rib("ipv4").contains("\"asns\":[4200000001]"),
                    () -> neighbors() + rib("ipv4"));
        }
    }

    @Test
    void md5() {
        try (BgpSpeaker s =
                Speakers.start(Speakers.config(65002, 4, List.of(Speakers.peer(lab, 65000, 4, "g0bgp-key"))))) {
            s.setRoutes(Speakers.routes(Lab.parse("198.18.1.14")));
            Poll.until(
                    Duration.ofSeconds(15),
                    () -> rib("ipv4").contains("198.18.1.14/32"),
                    () -> neighbors() + Speakers.status(s));
        }
    }
}
