package io.levitate.forwarder.config;

import java.net.InetSocketAddress;

/**
 * The Prometheus text endpoint.
 *
 * @param listen address and port to listen on (an IP literal: never resolved)
 */
public record MetricsConfig(InetSocketAddress listen) {}
