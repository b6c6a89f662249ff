package io.levitate.bgp.bfd;

import java.util.random.RandomGenerator;

/**
 * One RFC 5880 asynchronous-mode session: the §6.8.1 state variables, the §6.2 state machine, the
 * §6.8.2/§6.8.3 timer negotiation with its Poll Sequence (§6.5), detection (§6.8.4) and jittered
 * transmission (§6.8.7). Pure logic: the caller passes the time (monotonic microseconds) and a
 * buffer to send from; it owns no socket and reads no clock, so tests drive it packet by packet.
 *
 * <p>Single-threaded (the speaker thread). The fields other threads read for status are volatile.
 */
public final class BfdSession {
    /** §6.8.3: while not Up, bfd.DesiredMinTxInterval is at least one second. */
    public static final long SLOW_TX_MICROS = 1_000_000;

    private final int localDiscriminator;
    private final RandomGenerator random;

    private BfdConfig config;
    private volatile BfdState state = BfdState.DOWN;
    private volatile BfdState remoteState = BfdState.DOWN;
    private volatile int remoteDiscriminator;
    private volatile int localDiag = BfdWire.DIAG_NONE;
    /** What we advertise (the bfd.* variables of §6.8.1). */
    private volatile long desiredMinTx = SLOW_TX_MICROS;

    private volatile long requiredMinRx;
    /** §6.8.1 says bfd.RemoteMinRxInterval starts at 1 (µs): transmit at our own pace until told otherwise. */
    private volatile long remoteMinRx = 1;

    private volatile long remoteDesiredMinTx;
    private volatile int remoteDetectMult;
    /**
     * The values the timers use. During a Poll Sequence (§6.8.3) an increased DesiredMinTx and a
     * reduced RequiredMinRx only take effect once the peer's Final acknowledges them.
     */
    private volatile long timerMinTx = SLOW_TX_MICROS;

    private volatile long timerMinRx;
    private volatile boolean pollActive;
    private boolean finalPending;
    private boolean sendNow = true;
    private long nextTransmit = Long.MIN_VALUE;
    private long detectDeadline = Long.MAX_VALUE;

    private volatile long packetsSent;
    private volatile long packetsReceived;
    private volatile long upTransitions;
    private volatile long downFromUp;
    private volatile long pollSequences;
    private volatile long finalsSent;
    private volatile long sinceMicros;

    public BfdSession(
            final int localDiscriminator, final BfdConfig config, final RandomGenerator random, final long now) {
        if (localDiscriminator == 0) {
            throw new IllegalArgumentException("bfd.LocalDiscr must be nonzero (§6.8.1)");
        }
        this.localDiscriminator = localDiscriminator;
        this.random = random;
        this.config = config;
        this.requiredMinRx = config.minRxMicros();
        this.timerMinRx = config.minRxMicros();
        this.desiredMinTx = Math.max(SLOW_TX_MICROS, config.minTxMicros());
        this.timerMinTx = desiredMinTx;
        this.sinceMicros = now;
    }

    // ------------------------------------------------------------------ reception (§6.8.6)

    /**
     * A packet that passed {@link BfdWire#decode} and was demultiplexed to this session.
     *
     * @return {@link BfdWire#OK}, or {@link BfdWire#DROP_ADMIN_DOWN} when this session is AdminDown.
     */
    public int receive(final BfdPacket p, final long now) {
        packetsReceived++;
        if (p.myDiscriminator != remoteDiscriminator) {
            // Our next packet's Your Discriminator changes (learnt, or the peer's session restarted
            // with a new one): that is news too (§6.8.7), even when our state stays as it is.
            sendNow = true;
        }
        remoteDiscriminator = p.myDiscriminator;
        remoteState = p.state;
        remoteMinRx = p.requiredMinRxMicros;
        remoteDesiredMinTx = p.desiredMinTxMicros;
        remoteDetectMult = p.detectMult;
        if (p.fin && pollActive) {
            // §6.5: the Final ends our Poll Sequence; the new parameters now hold for the timers too.
            pollActive = false;
            timerMinTx = desiredMinTx;
            timerMinRx = requiredMinRx;
        }
        rescheduleIfSooner(now);
        detectDeadline = now + detectionTime();
        if (state == BfdState.ADMIN_DOWN) {
            return BfdWire.DROP_ADMIN_DOWN;
        }
        if (p.state == BfdState.ADMIN_DOWN) {
            if (state != BfdState.DOWN) {
                goDown(BfdWire.DIAG_NEIGHBOR_SIGNALED_DOWN, now);
            }
        } else {
            switch (state) {
                case DOWN -> {
                    if (p.state == BfdState.DOWN) {
                        changeState(BfdState.INIT, now);
                    } else if (p.state == BfdState.INIT) {
                        goUp(now);
                    }
                }
                case INIT -> {
                    if (p.state == BfdState.INIT || p.state == BfdState.UP) {
                        goUp(now);
                    }
                }
                default -> {
                    if (p.state == BfdState.DOWN) {
                        goDown(BfdWire.DIAG_NEIGHBOR_SIGNALED_DOWN, now);
                    }
                }
            }
        }
        if (p.poll) {
            // §6.8.7: answer a Poll with a Final "as soon as practicable, without respect to the
            // transmission timer".
            finalPending = true;
        }
        return BfdWire.OK;
    }

    // ------------------------------------------------------------------ timers

    /** Detection (§6.8.4). Call before {@link #transmit}. */
    public void onTimers(final long now) {
        if (now < detectDeadline) {
            return;
        }
        detectDeadline = Long.MAX_VALUE;
        // §6.8.1: bfd.RemoteDiscr is zeroed after a Detection Time without a valid packet, so our
        // next packets start over with Your Discriminator 0 (a change of content: sent at once, §6.8.7).
        sendNow |= remoteDiscriminator != 0;
        remoteDiscriminator = 0;
        remoteState = BfdState.DOWN;
        if (state == BfdState.INIT || state == BfdState.UP) {
            goDown(BfdWire.DIAG_DETECTION_TIME_EXPIRED, now);
        }
    }

    /** The earliest time {@link #onTimers} or {@link #transmit} has work. */
    public long nextDeadline() {
        if (finalPending || sendNow) {
            return Long.MIN_VALUE;
        }
        return Math.min(detectDeadline, periodic() ? nextTransmit : Long.MAX_VALUE);
    }

    /**
     * Writes the packet due now, if any, into {@code out} (at least {@link BfdWire#LENGTH} bytes).
     *
     * @return its length, or 0 when nothing is due.
     */
    public int transmit(final byte[] out, final long now) {
        if (finalPending) {
            // §6.5: a Final never carries P, even while our own Poll Sequence runs (P and F are never
            // both set); it does not move the periodic schedule.
            finalPending = false;
            finalsSent++;
            return encode(out, false, true);
        }
        if (!sendNow && (!periodic() || now < nextTransmit)) {
            return 0;
        }
        sendNow = false;
        nextTransmit = now + jittered(transmitInterval());
        return encode(out, pollActive, false);
    }

    private int encode(final byte[] out, final boolean poll, final boolean fin) {
        packetsSent++;
        return BfdWire.encode(
                out,
                localDiag,
                state,
                poll,
                fin,
                config.multiplier(),
                localDiscriminator,
                remoteDiscriminator,
                desiredMinTx,
                requiredMinRx);
    }

    /** §6.8.7: no periodic packets while the peer asks for none (RemoteMinRxInterval 0). */
    private boolean periodic() {
        return remoteMinRx != 0;
    }

    /** §6.8.7: the greater of our DesiredMinTx and the peer's RequiredMinRx. */
    public long transmitInterval() {
        return Math.max(timerMinTx, remoteMinRx);
    }

    /**
     * §6.8.4: the peer's Detect Mult times the greater of our RequiredMinRx and the peer's last
     * DesiredMinTx; 0 before the first packet.
     */
    public long detectionTime() {
        return remoteDetectMult * Math.max(timerMinRx, remoteDesiredMinTx);
    }

    /**
     * §6.8.7: each interval is reduced by a random 0..25 %; with Detect Mult 1 by 10..25 %, so a
     * single late packet cannot exceed the peer's detection time.
     */
    private long jittered(final long interval) {
        final double factor =
                config.multiplier() == 1 ? 0.75 + 0.15 * random.nextDouble() : 0.75 + 0.25 * random.nextDouble();
        return Math.max(1, (long) (interval * factor));
    }

    /** After a change of the peer's RequiredMinRx: do not wait out a longer old interval (§6.8.3). */
    private void rescheduleIfSooner(final long now) {
        final long interval = transmitInterval();
        if (nextTransmit > now + interval) {
            nextTransmit = now + jittered(interval);
        }
    }

    // ------------------------------------------------------------------ state changes

    private void goUp(final long now) {
        changeState(BfdState.UP, now);
        upTransitions++;
        localDiag = BfdWire.DIAG_NONE;
        // §6.8.3: the one-second floor ends with Up; changing DesiredMinTx while Up needs a Poll.
        applyTiming(config, now);
    }

    private void goDown(final int diag, final long now) {
        final boolean wasUp = state == BfdState.UP;
        localDiag = diag;
        changeState(BfdState.DOWN, now);
        if (wasUp) {
            downFromUp++;
        }
        pollActive = false;
        desiredMinTx = Math.max(SLOW_TX_MICROS, config.minTxMicros());
        timerMinTx = desiredMinTx;
        timerMinRx = requiredMinRx;
    }

    private void changeState(final BfdState next, final long now) {
        state = next;
        sinceMicros = now;
        // §6.8.7: a packet whose contents differ from the previous one (P and F aside) SHOULD go
        // out between the periodic ones, to pass a change of state on quickly. It is the one
        // exception to the periodic interval besides the Final: the 3-way handshake (Down -> Init
        // on the peer's Down, Init -> Up on its Init or Up) then takes round trips, not the
        // one-second intervals of §6.8.3 while not Up. The engine sends it right after the
        // receipt that caused it.
        sendNow = true;
    }

    /**
     * New parameters (a live change). While Up a change of either interval starts a Poll
     * Sequence (§6.8.3); the timers keep the safer of old and new until the Final arrives.
     */
    public void setConfig(final BfdConfig next, final long now) {
        config = next;
        if (state == BfdState.UP) {
            applyTiming(next, now);
        } else {
            requiredMinRx = next.minRxMicros();
            timerMinRx = requiredMinRx;
            desiredMinTx = Math.max(SLOW_TX_MICROS, next.minTxMicros());
            timerMinTx = desiredMinTx;
        }
        sendNow = true;
    }

    private void applyTiming(final BfdConfig c, final long now) {
        final long tx = c.minTxMicros();
        final long rx = c.minRxMicros();
        if (tx == desiredMinTx && rx == requiredMinRx) {
            return;
        }
        // A faster transmit rate and a longer detection time are safe at once; the reverse waits
        // for the Final, or the peer could declare us down on its old expectations.
        timerMinTx = Math.min(timerMinTx, tx);
        timerMinRx = Math.max(timerMinRx, rx);
        desiredMinTx = tx;
        requiredMinRx = rx;
        pollActive = true;
        pollSequences++;
        sendNow = true;
        rescheduleIfSooner(now);
    }

    /** §6.8.16: AdminDown with diagnostic 7; the session stays so until {@link #adminUp}. */
    public void adminDown(final long now) {
        localDiag = BfdWire.DIAG_ADMIN_DOWN;
        final boolean wasUp = state == BfdState.UP;
        changeState(BfdState.ADMIN_DOWN, now);
        if (wasUp) {
            downFromUp++;
        }
        pollActive = false;
    }

    public void adminUp(final long now) {
        if (state == BfdState.ADMIN_DOWN) {
            localDiag = BfdWire.DIAG_NONE;
            changeState(BfdState.DOWN, now);
            desiredMinTx = Math.max(SLOW_TX_MICROS, config.minTxMicros());
            timerMinTx = desiredMinTx;
        }
    }

    // ------------------------------------------------------------------ status (any thread)

    public BfdState state() {
        return state;
    }

    public BfdState remoteState() {
        return remoteState;
    }

    public int localDiscriminator() {
        return localDiscriminator;
    }

    public int remoteDiscriminator() {
        return remoteDiscriminator;
    }

    public int localDiag() {
        return localDiag;
    }

    public long desiredMinTx() {
        return desiredMinTx;
    }

    public long requiredMinRx() {
        return requiredMinRx;
    }

    public long remoteMinRx() {
        return remoteMinRx;
    }

    public long remoteDesiredMinTx() {
        return remoteDesiredMinTx;
    }

    public int remoteDetectMult() {
        return remoteDetectMult;
    }

    public boolean pollActive() {
        return pollActive;
    }

    public BfdConfig config() {
        return config;
    }

    public long packetsSent() {
        return packetsSent;
    }

    public long packetsReceived() {
        return packetsReceived;
    }

    public long upTransitions() {
        return upTransitions;
    }

    /** Times the session left Up (detection, the peer's Down or AdminDown, ours). */
    public long downFromUp() {
        return downFromUp;
    }

    public long pollSequences() {
        return pollSequences;
    }

    public long finalsSent() {
        return finalsSent;
    }

    public long sinceMicros() {
        return sinceMicros;
    }
}
