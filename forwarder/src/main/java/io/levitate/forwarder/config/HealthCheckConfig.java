package io.levitate.forwarder.config;

import java.time.Duration;
import java.util.List;

/**
 * How a backend's health is probed.
 *
 * @param type         {@code tcp} (connect), {@code http} (GET path, expect a status), {@code https}
 *                     (TLS handshake, then as http), {@code dns} (a UDP query answered with its id and
 *                     the expected RCODE) or {@code exec} (an operator's command exits 0)
 * @param port         port to probe, or 0 for the backend's port (exec: always 0)
 * @param path         HTTP path (http and https only), else null
 * @param expectStatus expected HTTP status (http and https only), else 0
 * @param interval     time between probes
 * @param timeout      time a probe may take, at most the interval
 * @param rise         consecutive successes that make a down backend active
 * @param fall         consecutive failures that make an active backend down
 * @param tls          https only: server name and certificate verification, else null
 * @param dns          dns only: the query and the expected RCODE, else null
 * @param command      exec only: the argv run without a shell, else null
 * @param via          how the probe reaches the backend ({@code health_check.via}): {@link Via}
 */
public record HealthCheckConfig(
        Type type,
        int port,
        String path,
        int expectStatus,
        Duration interval,
        Duration timeout,
        int rise,
        int fall,
        Tls tls,
        Dns dns,
        List<String> command,
        Via via) {
    /**
     * The way a probe travels. {@code path} names the HTTP path already, hence {@code via}.
     */
    public enum Via {
        /** Not given: {@link #TUNNEL} when the instance has a {@code health_prefix} and the type can, else {@link #DIRECT}. */
        DEFAULT,
        /** To the backend's own address and the check's port, from the host's address. */
        DIRECT,
        /**
         * Like client traffic: to the VIP and the check's port, from the backend's address in {@code
         * instance.health_prefix}, GRE-encapsulated to the backend by the worker; the answer comes
         * back DSR to that address. It fails when the backend does not decapsulate or lacks the VIP.
         */
        TUNNEL
    }

    /** Probe kinds. */
    public enum Type {
        TCP,
        HTTP,
        HTTPS,
        DNS,
        EXEC
    }

    /** How an https check treats the backend's certificate. */
    public enum TlsVerify {
        /** Any certificate (the handshake itself is the check). */
        NONE,
        /** A chain to {@code ca_file}, naming the SNI host (or, without SNI, the backend's address). */
        CA
    }

    /**
     * @param sni    server name sent in the ClientHello, or null for none
     * @param verify certificate verification
     * @param caFile absolute path of the PEM trust anchors (with {@link TlsVerify#CA}), else null
     */
    public record Tls(String sni, TlsVerify verify, String caFile) {}

    /** DNS query types a dns check may send. */
    public static final int QUERY_A = 1;

    public static final int QUERY_AAAA = 28;

    /**
     * @param queryName   the name asked for (without a trailing dot)
     * @param queryType   {@link #QUERY_A} or {@link #QUERY_AAAA}
     * @param expectRcode the RCODE (0..15) an answer must carry for the backend to pass
     */
    public record Dns(String queryName, int queryType, int expectRcode) {}

    public HealthCheckConfig {
        command = command == null ? null : List.copyOf(command);
        via = via == null ? Via.DEFAULT : via;
    }

    /** A check that travels the default way ({@link Via#DEFAULT}). */
    public HealthCheckConfig(
            final Type type,
            final int port,
            final String path,
            final int expectStatus,
            final Duration interval,
            final Duration timeout,
            final int rise,
            final int fall,
            final Tls tls,
            final Dns dns,
            final List<String> command) {
        this(type, port, path, expectStatus, interval, timeout, rise, fall, tls, dns, command, Via.DEFAULT);
    }

    /** Whether this check's probes can travel through the tunnel (not exec: it runs a command). */
    public boolean tunnelable() {
        return type != Type.EXEC;
    }

    /** A tcp or http check (no type-specific parts). */
    public HealthCheckConfig(
            final Type type,
            final int port,
            final String path,
            final int expectStatus,
            final Duration interval,
            final Duration timeout,
            final int rise,
            final int fall) {
        this(type, port, path, expectStatus, interval, timeout, rise, fall, null, null, null, Via.DEFAULT);
    }
}
