package io.levitate.bgp.wire;

/**
 * What {@link MessageDecoder#decode} found, reused across calls so that the steady state
 * (KEEPALIVEs and discarded UPDATEs) allocates nothing.
 */
public final class DecodeResult {
    /** Fewer bytes than one whole message: read more. */
    public static final int INCOMPLETE = 0;
    /** A whole, well-formed message of {@link #type()} and {@link #length()} bytes. */
    public static final int MESSAGE = 1;
    /** A malformed message: send {@link #error()} and close the connection. */
    public static final int ERROR = 2;

    int status;
    int type;
    int length;
    OpenMessage open;
    Notification notification;
    Notification error;
    int refreshAfi;
    int refreshSafi;

    void reset() {
        status = INCOMPLETE;
        type = 0;
        length = 0;
        open = null;
        notification = null;
        error = null;
        refreshAfi = 0;
        refreshSafi = 0;
    }

    void fail(final int code, final int subcode, final byte[] data) {
        status = ERROR;
        error = new Notification(code, subcode, data);
    }

    public int status() {
        return status;
    }

    /** Message type; valid for MESSAGE. */
    public int type() {
        return type;
    }

    /** Bytes the message occupies, header included; valid for MESSAGE (and for ERROR once the length was read). */
    public int length() {
        return length;
    }

    /** The OPEN, when type is OPEN. */
    public OpenMessage open() {
        return open;
    }

    /** The received NOTIFICATION, when type is NOTIFICATION. */
    public Notification notification() {
        return notification;
    }

    /** The NOTIFICATION to send back, when status is ERROR. */
    public Notification error() {
        return error;
    }

    public int refreshAfi() {
        return refreshAfi;
    }

    public int refreshSafi() {
        return refreshSafi;
    }
}
