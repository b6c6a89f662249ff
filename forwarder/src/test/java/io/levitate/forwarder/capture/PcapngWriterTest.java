package io.levitate.forwarder.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pcapng writer, read back by tshark: frames, their lengths, times and comments, and the statistics block. */
class PcapngWriterTest {
    @TempDir
    Path dir;

    @Test
    void tsharkReadsTheFramesTheirCommentsAndTheDropCount() throws Exception {
        final PcapngWriter w = new PcapngWriter(1 << 16);
        w.header(96, "levitate test");
        // Frame lengths 60..63 make every padding length occur; one is cut at the snaplen.
        final int[] lengths = {60, 61, 62, 63, 150};
        for (int i = 0; i < lengths.length; i++) {
            final byte[] frame = udp(lengths[i], i);
            final int captured = Math.min(frame.length, 96);
            final byte[] comment = ("worker=" + i + " point=rx verdict=drop reason=bad_ihl" + "x".repeat(i))
                    .getBytes(StandardCharsets.UTF_8);
            w.packet(1_700_000_000_000_000L + i * 1000L, frame, 0, captured, frame.length, comment, comment.length);
        }
        w.packet(1_700_000_000_100_000L, udp(64, 9), 0, 64, 64, new byte[0], 0);
        w.statistics(1_700_000_001_000_000L, 7, "written=6 ring_full=7 over_rate=0");
        final Path file = dir.resolve("w.pcapng");
        final ByteBuffer bytes = w.drain();
        Files.write(file, Arrays.copyOfRange(bytes.array(), 0, bytes.limit()));

        final List<String> rows = Tshark.fields(
                file, "frame.len", "frame.cap_len", "frame.time_epoch", "frame.comment", "udp.dstport", "ip.src");
        assertEquals(6, rows.size(), String.join("\n", rows));
        for (int i = 0; i < lengths.length; i++) {
            final String[] f = rows.get(i).split("\\|", -1);
            assertEquals(Integer.toString(lengths[i]), f[0], rows.get(i));
            assertEquals(Integer.toString(Math.min(lengths[i], 96)), f[1], rows.get(i));
            assertTrue(f[2].startsWith("1700000000.00" + i), rows.get(i));
            assertEquals("worker=" + i + " point=rx verdict=drop reason=bad_ihl" + "x".repeat(i), f[3]);
            assertEquals(Integer.toString(1000 + i), f[4]);
            assertEquals("10.1.0." + i, f[5]);
        }
        assertEquals("", rows.get(5).split("\\|", -1)[3], "a frame without a comment");
        // The section's application, the interface's snaplen and the statistics block, as capinfos reads them.
        final Process p = new ProcessBuilder("capinfos", "-M", file.toString())
                .redirectErrorStream(true)
                .start();
        final String info = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        assertTrue(info.contains("Number of packets:   6"), info);
        assertTrue(info.contains("Capture application: levitate test"), info);
        assertTrue(info.contains("Capture length = 96"), info);
        assertTrue(info.contains("Number of stat entries = 1"), info);
    }

    /** An Ethernet/IPv4/UDP frame of {@code length} bytes from 10.1.0.{@code n} to port 1000 + n. */
    static byte[] udp(final int length, final int n) {
        final ByteBuffer f = ByteBuffer.allocate(length);
        f.putShort((short) 0x0200).putInt(0x0000_0001).putShort((short) 0x0200).putInt(0x0000_0002);
        f.putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) (length - 14)).putInt(0);
        f.put((byte) 64).put((byte) 17).putShort((short) 0);
        f.putInt(0x0A01_0000 | n).putInt(0xC612_0002);
        f.putShort((short) 5000)
                .putShort((short) (1000 + n))
                .putShort((short) (length - 34))
                .putShort((short) 0);
        return f.array();
    }
}
