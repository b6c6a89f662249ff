package io.levitate.forwarder.capture;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * A parsed {@code capture} request: the filter and the limits. The request line's words after
 * {@code capture} are {@code key=value} pairs (and the flag {@code drops}):
 *
 * <ul>
 *   <li>{@code vip=ADDR[/LEN]}, {@code client=ADDR[/LEN]}: destination and source as received;
 *   <li>{@code proto=tcp|udp|icmp|icmpv6|N}, {@code port=N[-M]} (either port);
 *   <li>{@code service=NAME}, {@code backend=ID|ADDR};
 *   <li>{@code drops} (all drops), {@code reason=NAME[,NAME...]} (drops with those reasons);
 *   <li>{@code point=rx|tx|drop|both|all} or a comma list ({@code both}: rx and tx; default all);
 *   <li>{@code count=N}, {@code duration=SECONDS}, {@code rate=FRAMES_PER_SECOND}, {@code snaplen=BYTES}.
 * </ul>
 *
 * @param count      frames to write, then stop (0: no limit)
 * @param durationMs stop after this long (0: no limit)
 * @param rate       frames written per second at most; the rest are counted as over the rate (0: no limit)
 */
public record CaptureRequest(CaptureFilter filter, long count, long durationMs, long rate, int snaplen) {
    public static final int DEFAULT_SNAPLEN = 256;
    public static final int MAX_SNAPLEN = 9216;

    /**
     * @param words      the request's words after {@code capture}, space separated
     * @param serviceIds a service's id by name, or -1 when there is no such service
     * @param backendIds a backend's id by its address or id text, or -1
     * @throws IllegalArgumentException naming the word that is wrong
     */
    public static CaptureRequest parse(
            final String words, final ToIntFunction<String> serviceIds, final ToIntFunction<String> backendIds) {
        final CaptureFilter.Builder f = CaptureFilter.builder();
        long count = 0;
        long durationMs = 0;
        long rate = 0;
        int snaplen = DEFAULT_SNAPLEN;
        for (final String word : words.strip().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (word.equals("drops")) {
                f.dropsOnly(true);
                continue;
            }
            final int eq = word.indexOf('=');
            if (eq <= 0 || eq == word.length() - 1) {
                throw new IllegalArgumentException("'" + word + "' is not KEY=VALUE (or the flag drops)");
            }
            final String key = word.substring(0, eq).toLowerCase(Locale.ROOT);
            final String value = word.substring(eq + 1);
            switch (key) {
                case "vip" -> prefix(value, key, f, true);
                case "client" -> prefix(value, key, f, false);
                case "proto" -> f.protocol(protocol(value));
                case "port" -> {
                    final int dash = value.indexOf('-');
                    final int lo = number(dash < 0 ? value : value.substring(0, dash), key, 0, 65535);
                    final int hi = dash < 0 ? lo : number(value.substring(dash + 1), key, lo, 65535);
                    f.ports(lo, hi);
                }
                case "service" -> {
                    final int id = serviceIds.applyAsInt(value);
                    if (id < 0) {
                        throw new IllegalArgumentException("service=" + value + ": no such service");
                    }
                    f.service(id);
                }
                case "backend" -> {
                    final int id = backendIds.applyAsInt(value);
                    if (id < 0) {
                        throw new IllegalArgumentException("backend=" + value + ": no such backend");
                    }
                    f.backend(id);
                }
                case "reason" -> {
                    for (final String name : value.split(",")) {
                        final int id = ReasonNames.id(name);
                        if (id < 0) {
                            throw new IllegalArgumentException(
                                    "reason=" + name + ": no such drop reason (the names levitate stat shows)");
                        }
                        f.reason(id);
                    }
                    f.dropsOnly(true);
                }
                case "point" -> f.points(points(value));
                case "count" -> count = number(value, key, 1, Integer.MAX_VALUE);
                case "duration" -> durationMs = 1000L * number(value, key, 1, 86_400);
                case "rate" -> rate = number(value, key, 1, 10_000_000);
                case "snaplen" -> snaplen = number(value, key, 64, MAX_SNAPLEN);
                default ->
                    throw new IllegalArgumentException("unknown capture key '" + key
                            + "' (known: vip client proto port service backend reason drops point count duration"
                            + " rate snaplen)");
            }
        }
        return new CaptureRequest(f.build(), count, durationMs, rate, snaplen);
    }

    private static int points(final String value) {
        int points = 0;
        for (final String p : value.toLowerCase(Locale.ROOT).split(",")) {
            points |= switch (p) {
                case "rx" -> CaptureFilter.RX;
                case "tx" -> CaptureFilter.TX;
                case "drop" -> CaptureFilter.DROP;
                case "both" -> CaptureFilter.RX | CaptureFilter.TX;
                case "all" -> CaptureFilter.RX | CaptureFilter.TX | CaptureFilter.DROP;
                default -> throw new IllegalArgumentException("point=" + p + ": not rx, tx, drop, both (rx,tx) or all");
            };
        }
        return points;
    }

    private static int protocol(final String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "icmpv6" -> 58;
            case "sctp" -> 132;
            case "gre" -> 47;
            default -> number(value, "proto", 0, 255);
        };
    }

    private static void prefix(final String value, final String key, final CaptureFilter.Builder f, final boolean vip) {
        final int slash = value.indexOf('/');
        final String text = slash < 0 ? value : value.substring(0, slash);
        // Literal addresses only: a name would be a DNS lookup on the control thread.
        if (text.isEmpty() || !(Character.digit(text.charAt(0), 16) >= 0 || text.charAt(0) == ':')) {
            throw new IllegalArgumentException(key + "=" + value + ": not an IP address");
        }
        final InetAddress address;
        try {
            address = InetAddress.getByName(text);
        } catch (final UnknownHostException ex) {
            throw new IllegalArgumentException(key + "=" + value + ": not an IP address");
        }
        final byte[] b = address.getAddress();
        final boolean v4 = address instanceof Inet4Address;
        final int max = v4 ? 32 : 128;
        final int length = slash < 0 ? max : number(value.substring(slash + 1), key + " prefix length", 0, max);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < b.length; i++) {
            if (v4 || i >= 8) {
                lo = (lo << 8) | (b[i] & 0xFF);
            } else {
                hi = (hi << 8) | (b[i] & 0xFF);
            }
        }
        if (vip) {
            f.vip(v4 ? 4 : 6, hi, lo, length);
        } else {
            f.client(v4 ? 4 : 6, hi, lo, length);
        }
    }

    private static int number(final String text, final String key, final int min, final int max) {
        final long n;
        try {
            n = Long.parseLong(text);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException(key + "=" + text + ": not a number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + "=" + text + ": must be " + min + ".." + max);
        }
        return (int) n;
    }
}
