package io.levitate.forwarder.capture;

import org.agrona.concurrent.status.AtomicCounter;

/**
 * Where one worker finds the capture running for it, if any: the control side installs a
 * {@link CaptureTap} here and removes it; the worker reads {@link #tap} once per rx burst (a
 * volatile read is a plain load on x86), and with no capture that read and one branch on null is
 * all a capture costs it.
 */
public final class CaptureSlot {
    private volatile CaptureTap tap;
    /** The counters file's "worker N: capture ring full", if the process has one; written by the capture thread. */
    private AtomicCounter ringFull;
    /** Frames earlier captures' taps found no room for (capture thread). */
    private long ringFullBefore;

    /** At start-up: the counter this worker's ring-full count is published to, across captures. */
    public void countRingFullIn(final AtomicCounter counter) {
        this.ringFull = counter;
    }

    /** Capture thread, while {@code running} is this slot's tap: its ring-full count so far, in the counters file. */
    void publishRingFull(final CaptureTap running) {
        if (ringFull != null) {
            ringFull.setRelease(ringFullBefore + running.ringFull());
        }
    }

    /** Capture thread, once {@code finished} (this slot's last tap) is removed: its count becomes history. */
    void retire(final CaptureTap finished) {
        publishRingFull(finished);
        ringFullBefore += finished.ringFull();
    }

    /** Worker thread, once per burst: the running capture's tap, or null. */
    public CaptureTap tap() {
        return tap;
    }

    /** The capture service (and tests): from the next burst on, the worker feeds {@code tap}. */
    public void install(final CaptureTap tap) {
        this.tap = tap;
    }

    /** The capture service (and tests): from the next burst on, the worker copies nothing. */
    public void remove() {
        this.tap = null;
    }
}
