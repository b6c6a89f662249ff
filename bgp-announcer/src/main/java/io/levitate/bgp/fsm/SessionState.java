package io.levitate.bgp.fsm;

/** RFC 4271 §8.2.2 states, in the order their codes are exported. */
public enum SessionState {
    /** Not connected; waiting out the reconnect backoff (or administratively down). */
    IDLE("Idle"),
    /** TCP connect in progress. */
    CONNECT("Connect"),
    /** Passive: waiting for the peer to connect. */
    ACTIVE("Active"),
    /** Our OPEN sent, waiting for the peer's. */
    OPEN_SENT("OpenSent"),
    /** OPENs exchanged, waiting for the first KEEPALIVE. */
    OPEN_CONFIRM("OpenConfirm"),
    /** Routes flow. */
    ESTABLISHED("Established");

    private final String rfcName;

    SessionState(final String rfcName) {
        this.rfcName = rfcName;
    }

    public String rfcName() {
        return rfcName;
    }
}
