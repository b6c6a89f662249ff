package io.levitate.bgp.sidecar;

import static io.levitate.bgp.sidecar.VipPolicy.Verdict.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class VipPolicyTest {
    @Test
    void risesAfterDelayWithdrawsAtOnce() {
        final VipPolicy p = new VipPolicy(1_000, 5_000);
        assertEquals(WITHDRAW, p.step(0, true, false, ""));
        assertEquals(WITHDRAW, p.step(999, true, false, ""));
        assertEquals(ANNOUNCE, p.step(1_000, true, false, ""));
        assertEquals(WITHDRAW, p.step(1_050, false, false, ""), "down: no delay");
        assertEquals(1, p.flaps());
    }

    @Test
    void flappingDoublesTheRiseDelayAndStabilityResetsIt() {
        final VipPolicy p = new VipPolicy(1_000, 5_000);
        long t = 0;
        p.step(t, true, false, "");
        assertEquals(ANNOUNCE, p.step(t += 1_000, true, false, ""));
        p.step(t += 100, false, false, ""); // flap 1
        assertEquals(2_000, p.currentRiseMillis());
        p.step(t += 10, true, false, "");
        assertEquals(WITHDRAW, p.step(t += 1_500, true, false, ""));
        assertEquals(ANNOUNCE, p.step(t += 500, true, false, ""));
        p.step(t += 100, false, false, ""); // flap 2
        assertEquals(4_000, p.currentRiseMillis());
        for (int i = 0; i < 10; i++) {
            p.step(t += 10, true, false, "");
            p.step(t += p.currentRiseMillis(), true, false, ""); // announced
            p.step(t += 10, false, false, ""); // and gone again
        }
        assertEquals(12, p.flaps());
        assertEquals(16_000, p.currentRiseMillis(), "capped");
        p.step(t += 10, true, false, "");
        assertEquals(ANNOUNCE, p.step(t += 16_000, true, false, ""));
        p.step(t += VipPolicy.STABLE_MILLIS, true, false, "");
        assertEquals(1_000, p.currentRiseMillis(), "a stable minute forgives");
    }

    @Test
    void drainingForwarderMarksThenWithdraws() {
        final VipPolicy p = new VipPolicy(0, 5_000);
        assertEquals(ANNOUNCE, p.step(0, true, false, ""));
        assertEquals(ANNOUNCE_GRACEFUL_SHUTDOWN, p.step(100, false, true, ""));
        assertEquals(ANNOUNCE_GRACEFUL_SHUTDOWN, p.step(5_099, false, true, ""));
        assertEquals(WITHDRAW, p.step(5_100, false, true, ""));
        assertEquals(WITHDRAW, p.step(6_000, false, true, ""));
        assertEquals(ANNOUNCE, p.step(7_000, true, false, ""), "running again");
    }

    @Test
    void neverAnnouncedIsNotAnnouncedByDrain() {
        final VipPolicy p = new VipPolicy(1_000, 5_000);
        assertEquals(WITHDRAW, p.step(0, false, true, ""));
    }
}
