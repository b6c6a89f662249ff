package io.levitate.forwarder.capture;

/**
 * Where one worker finds the capture running for it, if any: the control side installs a
 * {@link CaptureTap} here and removes it; the worker reads {@link #tap} once per rx burst (a
 * volatile read is a plain load on x86), and with no capture that read and one branch on null is
 * all a capture costs it.
 */
public final class CaptureSlot {
    private volatile CaptureTap tap;

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
