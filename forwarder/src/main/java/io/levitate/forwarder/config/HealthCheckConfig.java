package io.levitate.forwarder.config;

import java.time.Duration;

/**
 * How a backend's health is probed.
 *
 * @param type         {@code tcp} (connect) or {@code http} (GET path, expect a status)
 * @param port         port to probe, or 0 for the backend's port
 * @param path         HTTP path (http only), else null
 * @param expectStatus expected HTTP status (http only), else 0
 * @param interval     time between probes
 * @param timeout      time a probe may take, at most the interval
 * @param rise         consecutive successes that make a down backend active
 * @param fall         consecutive failures that make an active backend down
 */
public record HealthCheckConfig(
        Type type, int port, String path, int expectStatus, Duration interval, Duration timeout, int rise, int fall) {
    /** Probe kinds. */
    public enum Type {
        TCP,
        HTTP
    }
}
