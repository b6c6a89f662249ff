package io.levitate.forwarder.config;

import static io.levitate.forwarder.config.ConfigTesting.assertErrors;
import static io.levitate.forwarder.config.ConfigTesting.minimalWith;
import static io.levitate.forwarder.config.ConfigTesting.valid;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The https, dns and exec kinds of health_check: what they read, their defaults, their errors. */
class HealthCheckConfigTest {
    /** The minimal file with a service health check whose keys (from line 16 on) are {@code body}. */
    private static String check(final String body) {
        return minimalWith("    protocol: tcp\n", "    protocol: tcp\n    health_check:\n" + body);
    }

    private static HealthCheckConfig parsed(final String body) {
        return valid(check(body)).services().getFirst().healthCheck();
    }

    @Test
    void https() {
        assertEquals(
                new HealthCheckConfig(
                        HealthCheckConfig.Type.HTTPS,
                        8443,
                        "/",
                        200,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(1),
                        2,
                        3,
                        new HealthCheckConfig.Tls(null, HealthCheckConfig.TlsVerify.NONE, null),
                        null,
                        null),
                parsed("      type: https\n      port: 8443\n"));
        assertEquals(
                new HealthCheckConfig.Tls("www.example.com", HealthCheckConfig.TlsVerify.CA, "/etc/levitate/ca.pem"),
                parsed(
                                "      type: https\n      sni: www.example.com\n      tls_verify: ca\n"
                                        + "      ca_file: /etc/levitate/ca.pem\n      path: /healthz\n      expect_status: 204\n")
                        .tls());
    }

    @Test
    void httpsErrors() {
        assertErrors(
                check("      type: https\n      sni: 10.0.0.1\n      tls_verify: strict\n"),
                "t.yaml:17:12: services[0].health_check.sni: must be a host name (letters, digits, '-' labels; not an address,"
                        + " no trailing dot), got '10.0.0.1'",
                "t.yaml:18:19: services[0].health_check.tls_verify: must be none or ca, got 'strict'");
        assertErrors(
                check("      type: https\n      tls_verify: ca\n"),
                "t.yaml:15:5: services[0].health_check: missing required key 'ca_file'");
        assertErrors(
                check("      type: https\n      tls_verify: ca\n      ca_file: ca.pem\n"),
                "t.yaml:18:16: services[0].health_check.ca_file: must be an absolute path, got 'ca.pem'");
        assertErrors(
                check("      type: https\n      ca_file: /etc/ca.pem\n"),
                "t.yaml:17:7: services[0].health_check.ca_file: applies with tls_verify: ca only (tls_verify is none)");
        assertErrors(
                check("      type: http\n      sni: www.example.com\n      tls_verify: none\n"),
                "t.yaml:17:7: services[0].health_check.sni: applies to https checks only (type is http)",
                "t.yaml:18:7: services[0].health_check.tls_verify: applies to https checks only (type is http)");
    }

    @Test
    void dns() {
        assertEquals(
                new HealthCheckConfig(
                        HealthCheckConfig.Type.DNS,
                        0,
                        null,
                        0,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(1),
                        2,
                        3,
                        null,
                        new HealthCheckConfig.Dns("health.example.com", HealthCheckConfig.QUERY_A, 0),
                        null),
                parsed("      type: dns\n      query_name: health.example.com.\n"));
        assertEquals(
                new HealthCheckConfig.Dns("_probe.example", HealthCheckConfig.QUERY_AAAA, 3),
                parsed(
                                "      type: dns\n      query_name: _probe.example\n      query_type: AAAA\n      expect_rcode: NXDOMAIN\n")
                        .dns());
    }

    @Test
    void dnsErrors() {
        assertErrors(
                check("      type: dns\n"), "t.yaml:15:5: services[0].health_check: missing required key 'query_name'");
        assertErrors(
                check("      type: dns\n      query_name: a..b\n      query_type: MX\n      expect_rcode: 3\n"),
                "t.yaml:17:19: services[0].health_check.query_name: must be a DNS name (labels of 1..63 letters, digits, '-' or"
                        + " '_', at most 253 characters), got 'a..b'",
                "t.yaml:18:19: services[0].health_check.query_type: must be A or AAAA, got 'MX'",
                "t.yaml:19:21: services[0].health_check.expect_rcode: must be NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP or"
                        + " REFUSED, got '3'");
        assertErrors(
                check("      type: tcp\n      query_name: a.example\n      command: [x]\n"),
                "t.yaml:17:7: services[0].health_check.query_name: applies to dns checks only (type is tcp)",
                "t.yaml:18:7: services[0].health_check.command: applies to exec checks only (type is tcp)");
    }

    @Test
    void exec() {
        final HealthCheckConfig c = parsed(
                "      type: exec\n      command: [/usr/local/bin/check, --quick, \"\"]\n" + "      timeout: 500ms\n");
        assertEquals(List.of("/usr/local/bin/check", "--quick", ""), c.command());
        assertEquals(Duration.ofMillis(500), c.timeout());
        assertEquals(0, c.port());
    }

    @Test
    void execErrors() {
        assertErrors(
                check("      type: exec\n"), "t.yaml:15:5: services[0].health_check: missing required key 'command'");
        assertErrors(
                check("      type: exec\n      command: /usr/local/bin/check --quick\n"),
                "t.yaml:17:16: services[0].health_check.command: must be a list of strings, the program and its arguments (no"
                        + " shell), e.g. [/usr/local/bin/check-backend, --quick], got '/usr/local/bin/check --quick'");
        assertErrors(
                check("      type: exec\n      command: []\n"),
                "t.yaml:17:16: services[0].health_check.command: must name a program, got an empty list");
        assertErrors(
                check("      type: exec\n      command: [\"\", {a: 1}]\n      port: 80\n      path: /\n"),
                "t.yaml:17:17: services[0].health_check.command[0]: must name the program, got an empty string",
                "t.yaml:17:21: services[0].health_check.command[1]: expected text, got a mapping",
                "t.yaml:18:7: services[0].health_check.port: applies to tcp, http, https and dns checks only (type is exec)",
                "t.yaml:19:7: services[0].health_check.path: applies to http and https checks only (type is exec)");
        assertErrors(
                check("      type: icmp\n"),
                "t.yaml:16:13: services[0].health_check.type: must be tcp, http, https, dns or exec, got 'icmp'");
    }
}
