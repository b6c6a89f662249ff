package io.levitate.perf.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Classic libpcap file (not pcapng: DPDK's net_pcap reads it through libpcap, and so does
 * tshark). Little-endian, microsecond timestamps, link type Ethernet.
 */
final class PcapFileWriter implements AutoCloseable {
    /** libpcap magic for microsecond timestamps; written in the file's (little-endian) order. */
    static final int MAGIC_MICROS = 0xA1B2C3D4;

    static final int VERSION_MAJOR = 2;
    static final int VERSION_MINOR = 4;
    static final int SNAPLEN = 65535;
    static final int LINKTYPE_ETHERNET = 1;
    static final int FILE_HEADER_LENGTH = 24;
    static final int RECORD_HEADER_LENGTH = 16;

    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private long records;

    PcapFileWriter(Path file) throws IOException {
        out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
        header.putInt(MAGIC_MICROS)
                .putShort((short) VERSION_MAJOR)
                .putShort((short) VERSION_MINOR)
                .putInt(0) // thiszone: UTC
                .putInt(0) // sigfigs
                .putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET);
        out.write(header.array());
    }

    /** Appends a record; timestamps advance 1 µs per packet so they stay ordered and distinct. */
    void write(byte[] frame, int length) throws IOException {
        long micros = records++;
        header.clear();
        header.putInt((int) (micros / 1_000_000))
                .putInt((int) (micros % 1_000_000))
                .putInt(length)
                .putInt(length);
        out.write(header.array(), 0, RECORD_HEADER_LENGTH);
        out.write(frame, 0, length);
    }

    long records() {
        return records;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
