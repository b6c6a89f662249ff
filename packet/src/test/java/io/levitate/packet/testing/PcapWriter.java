package io.levitate.packet.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes classic libpcap files (the format tshark reads): a 24-byte global header then one
 * 16-byte record header per frame, all little-endian here (readers detect the order by the
 * magic number). Link type 1 = Ethernet.
 */
public final class PcapWriter {
    private static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int SNAPLEN = 262_144;

    private PcapWriter() {}

    public static Path write(Path file, List<byte[]> frames) {
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(MAGIC_MICROSECONDS)
                    .putShort((short) 2)
                    .putShort((short) 4)
                    .putInt(0)
                    .putInt(0)
                    .putInt(SNAPLEN)
                    .putInt(LINKTYPE_ETHERNET);
            out.write(header.array());
            int i = 0;
            for (byte[] frame : frames) {
                ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                // One frame per second so tshark's frame.time_relative doubles as the index.
                record.putInt(1_700_000_000 + i++)
                        .putInt(0)
                        .putInt(frame.length)
                        .putInt(frame.length);
                out.write(record.array());
                out.write(frame);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return file;
    }
}
