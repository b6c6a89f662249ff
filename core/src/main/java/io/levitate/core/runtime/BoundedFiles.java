package io.levitate.core.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reading a file an operator names (the configuration file, by both processes) without trusting
 * what it is: the size the file system reports, or that it is a file at all.
 */
public final class BoundedFiles {
    private BoundedFiles() {}

    /**
     * At most {@code limit + 1} bytes of a regular file (symbolic links followed): one byte over
     * says "too large" without reading the rest. The limit holds on the bytes read, not on the
     * size the file system reports, which is 0 for /dev/zero and for files under /proc. Anything
     * but a regular file is refused before it is opened: a FIFO without a writer would block
     * open(2) itself, and a device may never end.
     *
     * @throws IOException if the file is missing, unreadable or not a regular file (the message
     *         then says what it is, in the words of ls(1) and stat(1): "not a regular file (a FIFO)").
     */
    public static byte[] readRegularFile(final Path file, final int limit) throws IOException {
        final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
            throw new IOException("not a regular file (" + kind(file, attributes) + ")");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(limit + 1);
        }
    }

    /** What a non-regular file is, in the words of ls(1) and stat(1). */
    private static String kind(final Path file, final BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            // st_mode's file type bits (S_IFMT), <sys/stat.h>.
            final int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
            return switch (type) {
                case 0010000 -> "a FIFO";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (final IOException | UnsupportedOperationException | IllegalArgumentException ex) {
            return "a special file";
        }
    }
}
