package io.levitate.bgp.bfd;

/** RFC 5880 §4.1 State (Sta) field values, in wire order (the ordinal is the code). */
public enum BfdState {
    ADMIN_DOWN("AdminDown"),
    DOWN("Down"),
    INIT("Init"),
    UP("Up");

    private static final BfdState[] BY_CODE = values();

    private final String rfcName;

    BfdState(final String rfcName) {
        this.rfcName = rfcName;
    }

    public String rfcName() {
        return rfcName;
    }

    public int code() {
        return ordinal();
    }

    /** {@code code} is two bits on the wire, so every value 0..3 names a state. */
    public static BfdState of(final int code) {
        return BY_CODE[code & 3];
    }
}
