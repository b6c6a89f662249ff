package io.levitate.dpdk;

/**
 * A DPDK set-up call failed. Carries the negative return code and DPDK's text for it, so the
 * operator sees one line saying what failed and why. Never thrown on the packet path.
 */
public final class DpdkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errorCode;

    public DpdkException(final String message, final int errorCode) {
        super(message);
        this.errorCode = errorCode;
    }

    /** Positive errno-style code (DPDK returns these negated). */
    public int errorCode() {
        return errorCode;
    }

    /** Throws unless {@code rc >= 0}; returns rc. */
    static int check(final int rc, final String what) {
        if (rc < 0) {
            throw new DpdkException(what + ": " + Eal.strerror(-rc) + " (" + rc + ")", -rc);
        }
        return rc;
    }
}
