package io.levitate.bgp.it;

import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.fsm.BgpSpeaker;
import java.net.InetAddress;
import java.util.List;

/** Builds speakers for interop tests: short timers, the lab's addresses. */
public final class Speakers {
    private Speakers() {}

    public static PeerConfig peer(final Lab lab, final long remoteAs, final int localHost, final String md5) {
        return new PeerConfig(
                lab.addr4(1), remoteAs, 179, lab.addr4(localHost), null, lab.addr6(localHost), md5, false, -1);
    }

    public static SpeakerConfig config(final long localAs, final int routerIdHost, final List<PeerConfig> peers) {
        return new SpeakerConfig(
                localAs,
                (10 << 24) | routerIdHost,
                3,
                200,
                1500,
                100,
                new int[] {(65001 << 16) | 100},
                new int[] {65001, 1, 2},
                -1,
                null,
                peers);
    }

    public static BgpSpeaker start(final SpeakerConfig config) {
        return new BgpSpeaker(config).start();
    }

    public static PeerStatus status(final BgpSpeaker s) {
        return s.status().get(0);
    }

    public static boolean established(final BgpSpeaker s) {
        return !s.status().isEmpty() && s.status().get(0).established();
    }

    public static java.util.Map<InetAddress, Boolean> routes(final InetAddress... vips) {
        final java.util.Map<InetAddress, Boolean> m = new java.util.LinkedHashMap<>();
        for (final InetAddress v : vips) {
            m.put(v, Boolean.FALSE);
        }
        return m;
    }

    /**
     * Checks {@code invariant} every 20 ms (Poll's period) for the whole of {@code window}; fails
     * at the first violation. The window is what the test observes, not a wait for something.
     */
    public static void watch(
            final java.time.Duration window,
            final java.util.function.BooleanSupplier invariant,
            final java.util.function.Supplier<String> state) {
        final long end = System.nanoTime() + window.toNanos();
        Poll.until(
                window.plusSeconds(5),
                () -> {
                    if (!invariant.getAsBoolean()) {
                        throw new AssertionError("invariant broken: " + state.get());
                    }
                    return System.nanoTime() >= end;
                },
                state);
    }
}
