package io.levitate.maglev;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * A backend of one service as configured: address and port (its identity), weight and state.
 *
 * <p>Identity is the <em>canonical bytes</em> {@code address (4 or 16 bytes, network order) ||
 * port (2 bytes, big-endian)}. The backend's permutation, its place in a table and its share of a
 * digest all derive from these bytes and nothing else, so the same configuration yields the same
 * table in every process. Port 0 is allowed and means "as the client sent it" (the forwarder
 * tunnels the packet unchanged).
 *
 * @param address backend address (IPv4 or IPv6); an IPv4-mapped IPv6 literal is IPv4
 * @param port    0..65535
 * @param weight  0..{@link #MAX_WEIGHT}; 0 means no new flows (drain)
 * @param state   health and operator state
 */
public record Backend(InetAddress address, int port, int weight, BackendState state) {

    /**
     * Largest weight. Population runs in rounds in which a backend of the largest weight always
     * takes a turn, so its cost grows with maxWeight / minWeight; this bound keeps the worst case
     * (one backend of weight 1 next to one of {@code MAX_WEIGHT}) to seconds, not hours.
     */
    public static final int MAX_WEIGHT = 100_000;

    public Backend {
        if (address == null) {
            throw new IllegalArgumentException("backend address is required");
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("backend port out of range 0..65535: " + port);
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("backend weight out of range 0.." + MAX_WEIGHT + ": " + weight);
        }
        if (state == null) {
            throw new IllegalArgumentException("backend state is required");
        }
    }

    /** An active backend from an address literal (never resolved through DNS). */
    public static Backend of(String addressLiteral, int port, int weight) {
        return new Backend(InetAddress.ofLiteral(addressLiteral), port, weight, BackendState.ACTIVE);
    }

    /** The same backend in another state (health or drain changes keep its identity). */
    public Backend withState(BackendState newState) {
        return new Backend(address, port, weight, newState);
    }

    /** The same backend with another weight. */
    public Backend withWeight(int newWeight) {
        return new Backend(address, port, newWeight, state);
    }

    /** True when this backend owns table slots: active and weight above zero. */
    public boolean eligible() {
        return state == BackendState.ACTIVE && weight > 0;
    }

    /** The canonical identity bytes: address then big-endian port (6 or 18 bytes). */
    public byte[] canonicalBytes() {
        byte[] a = address.getAddress();
        byte[] out = Arrays.copyOf(a, a.length + 2);
        out[a.length] = (byte) (port >>> 8);
        out[a.length + 1] = (byte) port;
        return out;
    }

    /** True if both have the same identity (address and port), whatever weight and state. */
    public boolean sameIdentity(Backend other) {
        // InetAddress equality is by address bytes (IPv4 and IPv6 alike), without allocating.
        return port == other.port && address.equals(other.address);
    }

    /** {@code 10.0.0.1:80} or {@code [2001:db8::1]:80}. */
    public String identity() {
        return io.levitate.packet.Addresses.withPort(address, port);
    }
}
