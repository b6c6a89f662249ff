package io.levitate.forwarder.config;

import java.nio.file.Path;

/**
 * The control socket ({@code levitate reload}, {@code stat}, {@code tables}).
 *
 * @param socket absolute path of the Unix socket
 */
public record ControlConfig(Path socket) {}
