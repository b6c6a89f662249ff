package io.levitate.bgp.bfd;

/**
 * The fields of one received control packet, reused for every packet (the receive path allocates
 * nothing). Filled by {@link BfdWire#decode}; valid only until the next decode.
 */
public final class BfdPacket {
    public int version;
    public int diag;
    public BfdState state;
    public boolean poll;
    public boolean fin;
    public boolean controlPlaneIndependent;
    public boolean authPresent;
    public boolean demand;
    public boolean multipoint;
    public int detectMult;
    public int length;
    public int myDiscriminator;
    public int yourDiscriminator;
    /** Microseconds, unsigned 32-bit on the wire. */
    public long desiredMinTxMicros;

    public long requiredMinRxMicros;
    public long requiredMinEchoRxMicros;

    @Override
    public String toString() {
        return "v" + version + " " + state.rfcName() + " diag " + diag + (poll ? " P" : "") + (fin ? " F" : "")
                + " mult "
                + detectMult + " my " + Integer.toUnsignedString(myDiscriminator) + " your "
                + Integer.toUnsignedString(yourDiscriminator)
                + " tx " + desiredMinTxMicros + " rx " + requiredMinRxMicros;
    }
}
