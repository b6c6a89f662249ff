package io.levitate.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules as this user can test them alone (what another user can do is in the forwarder's
 * RuntimeDirectoriesTest and the announcer's RuntimeFilesIT, with {@link OtherUser}).
 */
class RuntimeDirectoriesTest {
    @TempDir
    Path dir;

    @Test
    void createsMissingDirectoriesOursWithTheModeAsked() throws IOException {
        final Path instance = dir.resolve("levitate").resolve("lb1");
        assertEquals(instance, RuntimeDirectories.createSecure(instance, RuntimeDirectories.READABLE));
        for (final Path p : new Path[] {instance, instance.getParent()}) {
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
            assertEquals(
                    RuntimeDirectories.effectiveUid(), Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        }
        RuntimeDirectories.createSecure(instance, RuntimeDirectories.READABLE);
    }

    @Test
    void refusesAGroupWritableDirectory() throws IOException {
        final Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxr-x"));
        final IOException ex =
                assertThrows(RuntimeDirectories.UnsafeDirectoryException.class, () -> RuntimeDirectories.verify(open));
        assertEquals(
                "unsafe runtime directory: " + open.toRealPath() + " is writable by group or others (mode 0775);"
                        + " another user could rename or plant files in it: chmod go-w " + open.toRealPath(),
                ex.getMessage());
    }

    @Test
    void aFileIsOursOnlyAsARegularFileNoOneElseCanWrite() throws IOException {
        final Path instance = RuntimeDirectories.createSecure(dir.resolve("lb1"), RuntimeDirectories.READABLE);
        final Path pid = instance.resolve("announcer.pid");
        assertThrows(NoSuchFileException.class, () -> RuntimeDirectories.verifyFile(pid, "pid file"));

        Files.writeString(pid, "1\n");
        Files.setPosixFilePermissions(pid, PosixFilePermissions.fromString("rw-r--r--"));
        RuntimeDirectories.verifyFile(pid, "pid file");

        Files.setPosixFilePermissions(pid, PosixFilePermissions.fromString("rw-rw-r--"));
        IOException ex = assertThrows(IOException.class, () -> RuntimeDirectories.verifyFile(pid, "pid file"));
        assertEquals("unsafe pid file: " + pid + " is writable by group or others (mode 0664)", ex.getMessage());

        Files.delete(pid);
        Files.createSymbolicLink(pid, Files.writeString(dir.resolve("elsewhere"), "1\n"));
        ex = assertThrows(IOException.class, () -> RuntimeDirectories.verifyFile(pid, "pid file"));
        assertEquals("unsafe pid file: " + pid + " is not a regular file", ex.getMessage());
    }
}
