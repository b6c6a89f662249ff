package io.levitate.forwarder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Minimal classic-pcap reader and writer for tests (Ethernet link type, microsecond stamps). */
final class PcapFile {
    private static final int MAGIC = 0xa1b2c3d4;
    /** The nanosecond-resolution variant, which DPDK's pcap PMD writes. */
    private static final int MAGIC_NANOS = 0xa1b23c4d;

    private static final int LINKTYPE_ETHERNET = 1;
    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    private PcapFile() {}

    static void write(final Path file, final List<byte[]> frames) throws IOException {
        int size = GLOBAL_HEADER;
        for (final byte[] f : frames) {
            size += RECORD_HEADER + f.length;
        }
        final ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(65535)
                .putInt(LINKTYPE_ETHERNET);
        int i = 0;
        for (final byte[] f : frames) {
            buf.putInt(1).putInt(i++).putInt(f.length).putInt(f.length).put(f);
        }
        Files.write(file, buf.array());
    }

    static List<byte[]> read(final Path file) throws IOException {
        final ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        final int magic = buf.getInt();
        if (magic != MAGIC && magic != MAGIC_NANOS) {
            throw new IOException(file + ": not a little-endian pcap (magic " + Integer.toHexString(magic) + ")");
        }
        buf.position(GLOBAL_HEADER);
        final List<byte[]> frames = new ArrayList<>();
        while (buf.remaining() >= RECORD_HEADER) {
            buf.getInt();
            buf.getInt();
            final int captured = buf.getInt();
            buf.getInt();
            final byte[] frame = new byte[captured];
            buf.get(frame);
            frames.add(frame);
        }
        return frames;
    }
}
