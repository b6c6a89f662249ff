package io.levitate.dpdk;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * rte_mbuf.h / rte_mbuf_core.h: the packet buffer descriptor, read and written from Java with
 * absolute addresses (no downcall per packet).
 *
 * <p>Only the first cache line's fields Levitate uses are named; the rest is padding. The
 * offsets are checked against the shim's {@code offsetof} values at start-up
 * ({@link DpdkLayouts#verify()}), so a DPDK with a different mbuf layout is refused, not
 * corrupted.
 *
 * <pre>
 *  0        8        16   18   20   22   24              32       36       40   42   44
 *  +--------+--------+----+----+----+----+----------------+--------+--------+----+----+---------
 *  |buf_addr|buf_iova|doff|rcnt|nseg|port|    ol_flags    | ptype  |pkt_len |dlen|vlan|hash ...
 *  +--------+--------+----+----+----+----+----------------+--------+--------+----+----+---------
 *  54: buf_len   56: pool   64: next (2nd cache line)   72: tx_offload ...   sizeof = 128
 * </pre>
 */
public final class Mbuf {
    /** struct rte_mbuf as far as Levitate reads it (DPDK 22.11, 64-bit, IOVA field present). */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
                    ADDRESS.withName("buf_addr"),
                    JAVA_LONG.withName("buf_iova"),
                    JAVA_SHORT.withName("data_off"),
                    JAVA_SHORT.withName("refcnt"),
                    JAVA_SHORT.withName("nb_segs"),
                    JAVA_SHORT.withName("port"),
                    JAVA_LONG.withName("ol_flags"),
                    JAVA_INT.withName("packet_type"),
                    JAVA_INT.withName("pkt_len"),
                    JAVA_SHORT.withName("data_len"),
                    JAVA_SHORT.withName("vlan_tci"),
                    MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("hash"),
                    JAVA_SHORT.withName("vlan_tci_outer"),
                    JAVA_SHORT.withName("buf_len"),
                    ADDRESS.withName("pool"),
                    ADDRESS.withName("next"),
                    JAVA_LONG.withName("tx_offload"),
                    MemoryLayout.paddingLayout(48))
            .withName("rte_mbuf");

    public static final long BUF_ADDR_OFFSET = LAYOUT.byteOffset(groupElement("buf_addr"));
    public static final long DATA_OFF_OFFSET = LAYOUT.byteOffset(groupElement("data_off"));
    public static final long REFCNT_OFFSET = LAYOUT.byteOffset(groupElement("refcnt"));
    public static final long NB_SEGS_OFFSET = LAYOUT.byteOffset(groupElement("nb_segs"));
    public static final long PORT_OFFSET = LAYOUT.byteOffset(groupElement("port"));
    public static final long OL_FLAGS_OFFSET = LAYOUT.byteOffset(groupElement("ol_flags"));
    public static final long PACKET_TYPE_OFFSET = LAYOUT.byteOffset(groupElement("packet_type"));
    public static final long PKT_LEN_OFFSET = LAYOUT.byteOffset(groupElement("pkt_len"));
    public static final long DATA_LEN_OFFSET = LAYOUT.byteOffset(groupElement("data_len"));
    public static final long VLAN_TCI_OFFSET = LAYOUT.byteOffset(groupElement("vlan_tci"));
    /** hash.rss: the NIC's RSS hash of the packet, when the port computes one. */
    public static final long HASH_OFFSET = LAYOUT.byteOffset(groupElement("hash"));

    public static final long BUF_LEN_OFFSET = LAYOUT.byteOffset(groupElement("buf_len"));
    public static final long POOL_OFFSET = LAYOUT.byteOffset(groupElement("pool"));
    public static final long NEXT_OFFSET = LAYOUT.byteOffset(groupElement("next"));
    public static final long TX_OFFLOAD_OFFSET = LAYOUT.byteOffset(groupElement("tx_offload"));
    public static final long SIZE = LAYOUT.byteSize();
    private static final boolean LITTLE_ENDIAN = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    static {
        // dataOffsetWord reads data_off, refcnt, nb_segs and port as one word.
        if (REFCNT_OFFSET != DATA_OFF_OFFSET + 2
                || NB_SEGS_OFFSET != DATA_OFF_OFFSET + 4
                || PORT_OFFSET != DATA_OFF_OFFSET + 6) {
            throw new ExceptionInInitializerError("rte_mbuf: data_off, refcnt, nb_segs and port are not adjacent");
        }
    }

    /** RTE_PKTMBUF_HEADROOM as Debian's DPDK is built: room to prepend GRE outer headers. */
    public static final int HEADROOM = 128;
    /** RTE_MBUF_DEFAULT_BUF_SIZE: 2048 bytes of data room plus the headroom. */
    public static final int DEFAULT_BUF_SIZE = 2048 + HEADROOM;

    private static final MethodHandle LV_PKTMBUF_FREE_BULK = NativeLibrary.dpdk(
            "lv_pktmbuf_free_bulk", FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT), Linker.Option.critical(false));
    private static final MethodHandle LV_PKTMBUF_FREE =
            NativeLibrary.dpdk("lv_pktmbuf_free", FunctionDescriptor.ofVoid(JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle LV_PKTMBUF_ALLOC = NativeLibrary.dpdk(
            "lv_pktmbuf_alloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));

    private Mbuf() {}

    /** Address of the first data byte: buf_addr + data_off. */
    public static long dataAddress(final long mbuf) {
        return NativeMemory.getLong(mbuf + BUF_ADDR_OFFSET) + dataOffset(mbuf);
    }

    /** data_off: bytes of headroom before the data. */
    public static int dataOffset(final long mbuf) {
        return Short.toUnsignedInt(NativeMemory.getShort(mbuf + DATA_OFF_OFFSET));
    }

    /** data_len: bytes of data in this segment. */
    public static int dataLength(final long mbuf) {
        return Short.toUnsignedInt(NativeMemory.getShort(mbuf + DATA_LEN_OFFSET));
    }

    /** buf_len: size of the data room, headroom included. */
    public static int bufferLength(final long mbuf) {
        return Short.toUnsignedInt(NativeMemory.getShort(mbuf + BUF_LEN_OFFSET));
    }

    /** pkt_len: bytes of data in the whole chain. */
    public static int packetLength(final long mbuf) {
        return NativeMemory.getInt(mbuf + PKT_LEN_OFFSET);
    }

    public static int segmentCount(final long mbuf) {
        return Short.toUnsignedInt(NativeMemory.getShort(mbuf + NB_SEGS_OFFSET));
    }

    /** Input port the PMD recorded. */
    public static int port(final long mbuf) {
        return Short.toUnsignedInt(NativeMemory.getShort(mbuf + PORT_OFFSET));
    }

    /** The buffer's start ({@code buf_addr}); the data is {@link #dataOffset} bytes into it. */
    public static long bufferAddress(final long mbuf) {
        return NativeMemory.getLong(mbuf + BUF_ADDR_OFFSET);
    }

    /**
     * The 8 bytes from {@code data_off}: data offset, reference count, segment count and port in
     * one load, for a per-packet path that needs several of them ({@link #dataOffsetOf},
     * {@link #segmentCountOf}).
     */
    public static long dataOffsetWord(final long mbuf) {
        return NativeMemory.getLong(mbuf + DATA_OFF_OFFSET);
    }

    /** The data offset in a {@link #dataOffsetWord}. */
    public static int dataOffsetOf(final long word) {
        return LITTLE_ENDIAN ? (int) word & 0xFFFF : (int) (word >>> 48);
    }

    /** The segment count in a {@link #dataOffsetWord}. */
    public static int segmentCountOf(final long word) {
        return (int) (word >>> (LITTLE_ENDIAN ? 32 : 16)) & 0xFFFF;
    }

    /**
     * Points a one-segment mbuf at a frame of {@code length} bytes starting {@code dataOffset}
     * bytes into its buffer: data offset, data length and packet length in three stores, none
     * read (what prepend or adjust followed by {@link #setLength} leave, without their reads).
     * The caller has checked that the frame lies in the buffer.
     */
    public static void setFrame(final long mbuf, final int dataOffset, final int length) {
        NativeMemory.putShort(mbuf + DATA_OFF_OFFSET, (short) dataOffset);
        NativeMemory.putShort(mbuf + DATA_LEN_OFFSET, (short) length);
        NativeMemory.putInt(mbuf + PKT_LEN_OFFSET, length);
    }

    /**
     * Prepends {@code bytes} to the data (rte_pktmbuf_prepend): the data start moves into the
     * headroom and both lengths grow.
     *
     * @return the new data address, or 0 when the headroom is too small (nothing changed).
     */
    public static long prepend(final long mbuf, final int bytes) {
        final int dataOff = dataOffset(mbuf);
        if (bytes < 0 || bytes > dataOff) {
            return 0;
        }
        NativeMemory.putShort(mbuf + DATA_OFF_OFFSET, (short) (dataOff - bytes));
        NativeMemory.putShort(mbuf + DATA_LEN_OFFSET, (short) (dataLength(mbuf) + bytes));
        NativeMemory.putInt(mbuf + PKT_LEN_OFFSET, packetLength(mbuf) + bytes);
        return NativeMemory.getLong(mbuf + BUF_ADDR_OFFSET) + dataOff - bytes;
    }

    /**
     * Removes {@code bytes} from the start of the data (rte_pktmbuf_adj).
     *
     * @return the new data address, or 0 when the segment holds fewer bytes (nothing changed).
     */
    public static long adjust(final long mbuf, final int bytes) {
        final int dataLen = dataLength(mbuf);
        if (bytes < 0 || bytes > dataLen) {
            return 0;
        }
        final int dataOff = dataOffset(mbuf) + bytes;
        NativeMemory.putShort(mbuf + DATA_OFF_OFFSET, (short) dataOff);
        NativeMemory.putShort(mbuf + DATA_LEN_OFFSET, (short) (dataLen - bytes));
        NativeMemory.putInt(mbuf + PKT_LEN_OFFSET, packetLength(mbuf) - bytes);
        return NativeMemory.getLong(mbuf + BUF_ADDR_OFFSET) + dataOff;
    }

    /** Sets data and packet length of a single-segment mbuf (e.g. after building a reply in place). */
    public static void setLength(final long mbuf, final int length) {
        NativeMemory.putShort(mbuf + DATA_LEN_OFFSET, (short) length);
        NativeMemory.putInt(mbuf + PKT_LEN_OFFSET, length);
    }

    /** rte_pktmbuf_free_bulk over {@code count} mbuf pointers starting at {@code array}. */
    public static void freeBulk(final long array, final int count) {
        try {
            LV_PKTMBUF_FREE_BULK.invokeExact(array, count);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** rte_pktmbuf_free of one chain. */
    public static void free(final long mbuf) {
        try {
            LV_PKTMBUF_FREE.invokeExact(mbuf);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** rte_pktmbuf_alloc from a pool; 0 when the pool is empty. */
    public static long alloc(final long pool) {
        try {
            return (long) LV_PKTMBUF_ALLOC.invokeExact(pool);
        } catch (final Throwable t) {
            throw new AssertionError(t);
        }
    }
}
