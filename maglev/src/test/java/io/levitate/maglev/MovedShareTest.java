package io.levitate.maglev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MovedShareTest {

    private static ServiceTable table(ServiceConfig config, long seed) {
        return ServiceTable.build(config, seed);
    }

    @Test
    void aTableOnlyChangeIsExactAndTheSampleAgreesWithIt() {
        ServiceConfig ten = ServiceConfig.of("192.0.2.1", 80, 6, Fixtures.backends(10));
        List<Backend> nine = new ArrayList<>(Fixtures.backends(10));
        nine.remove(4);
        ServiceTable before = table(ten, Fixtures.SEED);
        ServiceTable after = table(ten.withBackends(nine), Fixtures.SEED);
        MovedShare exact = MovedShare.between(before, after);
        assertTrue(exact.exact());
        assertEquals(TableDiff.between(before, after).movedShare(), exact.share());
        MovedShare sampled = MovedShare.sampled(before, after, 1_000_000);
        assertEquals(1_000_000, sampled.samples());
        // Two methods, one answer: the sample lands within its own 95 % interval of the exact
        // figure (2.5 of them, so a fixed-seed sample does not sit on the edge by chance).
        assertEquals(exact.share(), sampled.share(), 2.5 * sampled.error());
    }

    /**
     * A changed flow hash: old and new hash of a flow are independent, so it stays with probability
     * sum_i p_i q_i over the backends' shares in each table. IPv6 and an any-port service, so the
     * sampler's other branch is measured as well.
     */
    @Test
    void aHashChangeIsSampledAndMatchesTheIndependentShares() {
        List<Backend> v6 = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            v6.add(Backend.of("2001:db8::" + i, 0, i));
        }
        ServiceConfig config = new ServiceConfig(
                java.net.InetAddress.ofLiteral("2001:db8::100"),
                ServiceConfig.ANY_PORT,
                17,
                0,
                HashFields.FIVE_TUPLE,
                v6);
        ServiceTable before = table(config, Fixtures.SEED);
        ServiceTable after = table(config.withHashFields(HashFields.SOURCE_IP), Fixtures.SEED);
        MovedShare moved = MovedShare.between(before, after);
        assertEquals(MovedShare.SAMPLE_FLOWS, moved.samples());
        double same = 0;
        for (int i = 0; i < before.backendCount(); i++) {
            same += (double) before.slotCount(i)
                    / before.size()
                    * after.slotCount(after.indexOf(before.backend(i)))
                    / after.size();
        }
        assertEquals(1 - same, moved.share(), 2.5 * moved.error());
        assertTrue(moved.error() > 0 && moved.error() < 0.001, "error " + moved.error());
        // The tables themselves are identical: only the hash moved the flows.
        assertEquals(0, TableDiff.movedSlots(before, after));
    }
}
