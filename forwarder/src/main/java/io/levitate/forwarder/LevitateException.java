package io.levitate.forwarder;

/**
 * An operator-facing failure: bad arguments, a port that did not come up, a refused layout. The
 * message is one line that says what is wrong and, where possible, what to do; the CLI prints it
 * without a stack trace.
 */
public final class LevitateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LevitateException(final String message) {
        super(message);
    }

    public LevitateException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
