package io.levitate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsARegularFileAndAtMostOneByteOverTheLimit() throws IOException {
        final Path small = Files.write(dir.resolve("small"), new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, BoundedFiles.readRegularFile(small, 3));
        final Path big = Files.write(dir.resolve("big"), new byte[1000]);
        assertEquals(11, BoundedFiles.readRegularFile(big, 10).length, "limit + 1: enough to say too large");
        final Path link = Files.createSymbolicLink(dir.resolve("link"), small);
        assertArrayEquals(new byte[] {1, 2, 3}, BoundedFiles.readRegularFile(link, 3), "a link to a file is fine");
    }

    /** /dev/zero reports size 0 and never ends; a FIFO without a writer blocks open(2): neither is opened. */
    @Test
    void refusesWhatIsNotARegularFileWithoutOpeningIt() throws Exception {
        assertRefused(Path.of("/dev/zero"), "not a regular file (a character device)");
        assertRefused(dir, "not a regular file (a directory)");
        final Path fifo = dir.resolve("fifo");
        final Process mkfifo =
                new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        assertRefused(fifo, "not a regular file (a FIFO)");
        assertThrows(
                java.nio.file.NoSuchFileException.class, () -> BoundedFiles.readRegularFile(dir.resolve("absent"), 1));
    }

    private static void assertRefused(final Path path, final String message) {
        final IOException ex = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThrows(IOException.class, () -> BoundedFiles.readRegularFile(path, 1 << 20)));
        assertEquals(message, ex.getMessage());
    }
}
