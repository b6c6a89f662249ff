package io.levitate.core.config;

import java.time.Duration;

/** The defaults and ranges of the {@code bgp:} section, each with its reason; {@code docs/CONFIG.md} quotes them. */
public final class BgpDefaults {
    private BgpDefaults() {}

    /** RFC 4271's suggested hold time. */
    public static final Duration HOLD_TIME = Duration.ofSeconds(90);
    /** RFC 4271: a non-zero hold time is at least 3 s; it travels in 16 bits of seconds. */
    public static final Duration MIN_HOLD_TIME = Duration.ofSeconds(3);

    public static final Duration MAX_HOLD_TIME = Duration.ofSeconds(65535);
    public static final Duration CONNECT_RETRY = Duration.ofSeconds(1);
    public static final Duration MIN_CONNECT_RETRY = Duration.ofMillis(100);
    /** The backoff cap: an initial value above it would never be used. */
    public static final Duration MAX_CONNECT_RETRY = Duration.ofSeconds(120);

    public static final Duration GRACEFUL_SHUTDOWN_WAIT = Duration.ofSeconds(5);
    public static final Duration MAX_GRACEFUL_SHUTDOWN_WAIT = Duration.ofMinutes(10);
    /** Rise time before a (re-)announcement: long enough to ride out a health check flapping once. */
    public static final Duration ANNOUNCE_DELAY = Duration.ofSeconds(2);

    public static final Duration MAX_ANNOUNCE_DELAY = Duration.ofMinutes(10);
    /** The announcer's endpoint; the forwarder's metrics have 9100. */
    public static final String METRICS_LISTEN = "127.0.0.1:9101";
    /** RFC 4724: the restart time is a 12-bit field of seconds. */
    public static final int MAX_GRACEFUL_RESTART_TIME = 4095;
    /** RFC 4271 section 8.2.1: the port a BGP speaker listens on. */
    public static final int PORT = 179;
    /** Linux's TCP_MD5SIG_MAXKEYLEN. */
    public static final int MAX_MD5_PASSWORD_BYTES = 80;
}
