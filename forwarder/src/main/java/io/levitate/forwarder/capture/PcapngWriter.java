package io.levitate.forwarder.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes pcapng (the IETF draft "PCAP Next Generation Dump File Format") into a byte buffer the
 * caller drains: one Section Header Block, one Interface Description Block (Ethernet, the
 * snaplen; timestamps in microseconds, the default resolution), then an Enhanced Packet Block per
 * frame with an {@code opt_comment} (tshark: {@code frame.comment}), and an Interface Statistics
 * Block at the end with the drop count. Little-endian; every block and option padded to 32 bits.
 */
public final class PcapngWriter {
    /** The Section Header Block's type; also the first four bytes of every pcapng stream. */
    public static final int SHB = 0x0A0D0D0A;

    public static final int IDB = 1;
    public static final int EPB = 6;
    public static final int ISB = 5;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final short OPT_END = 0;
    private static final short OPT_COMMENT = 1;
    private static final short ISB_IFDROP = 5;

    /** Where blocks go; the caller empties it ({@link #drain}) when {@link #remaining} runs low. */
    private final ByteBuffer out;

    public PcapngWriter(final int capacity) {
        out = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    public int remaining() {
        return out.remaining();
    }

    /** The bytes written so far, flipped for reading; call {@link #compact} after consuming them. */
    public ByteBuffer drain() {
        return out.flip();
    }

    public void compact() {
        out.compact();
    }

    /** Bytes one {@link #packet} of {@code captured} bytes and {@code comment} takes at most. */
    public static int packetSize(final int captured, final int commentBytes) {
        return 32 + pad(captured) + 4 + pad(commentBytes) + 4;
    }

    /** The section header and the one interface: Ethernet frames of at most {@code snaplen} bytes. */
    public void header(final int snaplen, final String application) throws IOException {
        final byte[] app = application.getBytes(StandardCharsets.UTF_8);
        final int start = out.position();
        out.putInt(SHB).putInt(0);
        out.putInt(BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1L);
        option((short) 4, app); // shb_userappl
        out.putShort(OPT_END).putShort((short) 0);
        close(start);
        final int idb = out.position();
        out.putInt(IDB).putInt(0);
        out.putShort((short) LINKTYPE_ETHERNET).putShort((short) 0).putInt(snaplen);
        close(idb);
    }

    /**
     * One frame: {@code captured} bytes of {@code data} from {@code offset}, of {@code original}
     * bytes on the wire, at {@code epochMicros}, with a comment.
     */
    public void packet(
            final long epochMicros,
            final byte[] data,
            final int offset,
            final int captured,
            final int original,
            final byte[] comment,
            final int commentLength) {
        final int start = out.position();
        out.putInt(EPB).putInt(0);
        out.putInt(0); // interface 0
        out.putInt((int) (epochMicros >>> 32)).putInt((int) epochMicros);
        out.putInt(captured).putInt(original);
        out.put(data, offset, captured);
        zeros(pad(captured) - captured);
        if (commentLength > 0) {
            out.putShort(OPT_COMMENT).putShort((short) commentLength);
            out.put(comment, 0, commentLength);
            zeros(pad(commentLength) - commentLength);
            out.putShort(OPT_END).putShort((short) 0);
        }
        close(start);
    }

    /** The interface's statistics: frames lost before they were written, and a comment saying why. */
    public void statistics(final long epochMicros, final long dropped, final String comment) {
        final int start = out.position();
        out.putInt(ISB).putInt(0);
        out.putInt(0);
        out.putInt((int) (epochMicros >>> 32)).putInt((int) epochMicros);
        option(OPT_COMMENT, comment.getBytes(StandardCharsets.UTF_8));
        out.putShort(ISB_IFDROP).putShort((short) 8).putLong(dropped);
        out.putShort(OPT_END).putShort((short) 0);
        close(start);
    }

    private void option(final short code, final byte[] value) {
        out.putShort(code).putShort((short) value.length).put(value);
        zeros(pad(value.length) - value.length);
    }

    /** Writes the block's total length at its start (after the type) and at its end. */
    private void close(final int start) {
        final int length = out.position() - start + 4;
        out.putInt(start + 4, length);
        out.putInt(length);
    }

    private void zeros(final int count) {
        for (int i = 0; i < count; i++) {
            out.put((byte) 0);
        }
    }

    static int pad(final int length) {
        return (length + 3) & ~3;
    }
}
