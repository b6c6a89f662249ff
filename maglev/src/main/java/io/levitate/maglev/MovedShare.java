package io.levitate.maglev;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The share of new flows whose backend changes when a service's table is replaced, however the
 * change came about.
 *
 * <p>When both tables hash flows the same way (same seed, same hash fields) a flow keeps its hash
 * and only the table decides, so {@link TableDiff}'s exact figure is the answer. When the flow hash
 * changes (another seed, or {@code 5-tuple} to {@code source-ip}) the tables may even be identical
 * while nearly every flow lands elsewhere; no comparison of tables can see that, so the share is
 * measured on a sample: {@link #SAMPLE_FLOWS} random flows to the new service's VIP and port, each
 * hashed and looked up through the old and the new table. The random flows are drawn from a fixed
 * seed, so the same two configurations always give the same figure.
 *
 * <p>The sampling error is the half-width of the normal 95 % interval, 1.96 &radic;(p(1 &minus; p)/n):
 * at n = 1,000,000 at most &plusmn;0.098 percentage points (p = 0.5), much less near 0 or 1.
 *
 * @param share   the fraction of new flows that move, in [0, 1]
 * @param error   the 95 % sampling error of {@code share}; 0 when exact
 * @param samples the number of flows sampled; 0 when exact
 */
public record MovedShare(double share, double error, int samples) {

    /** Flows sampled when the hash changes: about 0.1 s of hashing, an error within &plusmn;0.1 %. */
    public static final int SAMPLE_FLOWS = 1_000_000;

    /** Seed of the sampled flows (any fixed value: the figure must not change between runs). */
    private static final long SAMPLE_SEED = 0x4C564D4753414D50L;

    /** True when the share is exact (from the tables), not sampled. */
    public boolean exact() {
        return samples == 0;
    }

    /** Exact when the flow hash is unchanged, else sampled over {@link #SAMPLE_FLOWS} flows. */
    public static MovedShare between(ServiceTable before, ServiceTable after) {
        if (before.seed() == after.seed()
                && before.config().hashFields() == after.config().hashFields()) {
            return new MovedShare(TableDiff.between(before, after).movedShare(), 0, 0);
        }
        return sampled(before, after, SAMPLE_FLOWS);
    }

    /**
     * The share measured on {@code flows} random flows (uniform source address and port; the new
     * service's VIP, protocol and port, or a uniform port for an any-port service), each through
     * both tables' own flow hash and lookup; backends are matched by identity.
     */
    public static MovedShare sampled(ServiceTable before, ServiceTable after, int flows) {
        if (flows <= 0) {
            throw new IllegalArgumentException("flows must be positive: " + flows);
        }
        // Old backend number -> new number of the same identity, -2 when gone; an empty lookup
        // (NO_BACKEND = -1) on both sides counts as staying.
        final int[] oldToNew = new int[before.backendCount()];
        for (int i = 0; i < oldToNew.length; i++) {
            final int n = after.indexOf(before.backend(i));
            oldToNew[i] = n >= 0 ? n : -2;
        }
        final ServiceConfig service = after.config();
        final int proto = service.protocol();
        final int servicePort = service.port();
        final SplittableRandom random = new SplittableRandom(SAMPLE_SEED);
        long moved = 0;
        if (service.vip() instanceof Inet4Address) {
            final int dst = ByteBuffer.wrap(service.vip().getAddress()).getInt();
            for (int f = 0; f < flows; f++) {
                final int src = random.nextInt();
                final int srcPort = random.nextInt(0x10000);
                final int dstPort = servicePort == ServiceConfig.ANY_PORT ? random.nextInt(0x10000) : servicePort;
                final int a = before.lookupV4(src, dst, srcPort, dstPort, proto, false);
                final int b = after.lookupV4(src, dst, srcPort, dstPort, proto, false);
                moved += (a < 0 ? a : oldToNew[a]) == b ? 0 : 1;
            }
        } else {
            final ByteBuffer vip = ByteBuffer.wrap(service.vip().getAddress());
            final long dstHi = vip.getLong();
            final long dstLo = vip.getLong();
            for (int f = 0; f < flows; f++) {
                final long srcHi = random.nextLong();
                final long srcLo = random.nextLong();
                final int srcPort = random.nextInt(0x10000);
                final int dstPort = servicePort == ServiceConfig.ANY_PORT ? random.nextInt(0x10000) : servicePort;
                final int a = before.lookupV6(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, proto, false);
                final int b = after.lookupV6(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, proto, false);
                moved += (a < 0 ? a : oldToNew[a]) == b ? 0 : 1;
            }
        }
        final double p = (double) moved / flows;
        return new MovedShare(p, 1.96 * Math.sqrt(p * (1 - p) / flows), flows);
    }
}
