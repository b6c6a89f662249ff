package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.levitate.core.runtime.OtherUser;
import io.levitate.forwarder.control.ControlServer;
import io.levitate.forwarder.counters.CountersFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Root's runtime files in a directory another user got to first: the forwarder refuses the
 * counters directory and the control socket's directory when another user owns them, links them
 * elsewhere, or could write to them, and creates missing ones root-owned with the documented modes.
 * The other user acts through setpriv in a sticky world-writable directory, as on /dev/shm.
 */
class RuntimeDirectoriesTest {
    private Path shm;

    @BeforeEach
    void scratch() throws IOException {
        OtherUser.assumeRoot();
        shm = OtherUser.scratch();
    }

    @AfterEach
    void clean() throws IOException {
        OtherUser.remove(shm);
    }

    @Test
    void countersDirectoryCreatedFirstByAnotherUserIsRefused() throws Exception {
        final Path planted = shm.resolve("levitate");
        OtherUser.run("mkdir", "-m", "0755", planted.toString());
        final Path file = CountersFile.pathOf(planted, "lb1");

        final IOException ex = assertThrows(
                IOException.class, () -> CountersFile.create(file, 4096).close());
        assertTrue(
                ex.getMessage().contains(planted + " is owned by uid " + OtherUser.UID + ", not by root or uid 0"),
                ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"), "one line");
        assertEquals(List.of(), list(planted), "nothing of root's in the other user's directory");
    }

    @Test
    void instanceDirectoryCreatedFirstByAnotherUserIsRefused() throws Exception {
        // counters_dir itself is fine (root's sticky /dev/shm, say): the instance below it is not.
        final Path planted = shm.resolve("lb1");
        OtherUser.run("mkdir", "-m", "0755", planted.toString());

        final IOException ex = assertThrows(
                IOException.class,
                () -> CountersFile.create(CountersFile.pathOf(shm, "lb1"), 4096).close());
        assertTrue(
                ex.getMessage().contains(planted + " is owned by uid " + OtherUser.UID + ", not by uid 0"),
                ex.getMessage());
        assertEquals(List.of(), list(planted));
    }

    @Test
    void aLinkPlantedByAnotherUserIsRefusedEvenToARootDirectory() throws Exception {
        final Path roots = Files.createDirectory(shm.getParent().resolve("roots"));
        final Path link = shm.resolve("levitate");
        OtherUser.run("ln", "-s", roots.toString(), link.toString());

        final IOException ex = assertThrows(
                IOException.class,
                () -> CountersFile.create(CountersFile.pathOf(link, "lb1"), 4096)
                        .close());
        assertTrue(
                ex.getMessage().contains(link + " is a symbolic link owned by uid " + OtherUser.UID), ex.getMessage());
        assertEquals(List.of(), list(roots), "nothing written where the link points");
    }

    @Test
    void groupOrWorldWritableDirectoriesAreRefusedUnlessStickyAbove() throws Exception {
        final Path open = Files.createDirectory(shm.resolve("levitate"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException ex = assertThrows(
                IOException.class,
                () -> CountersFile.create(CountersFile.pathOf(open, "lb1"), 4096)
                        .close());
        assertTrue(
                ex.getMessage().contains(open + " is writable by group or others without the sticky bit (mode 0777)"),
                ex.getMessage());

        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path lb1 = Files.createDirectory(open.resolve("lb1"));
        Files.setPosixFilePermissions(lb1, PosixFilePermissions.fromString("rwxrwxr-x"));
        ex = assertThrows(
                IOException.class,
                () -> CountersFile.create(CountersFile.pathOf(open, "lb1"), 4096)
                        .close());
        assertTrue(ex.getMessage().contains(lb1 + " is writable by group or others (mode 0775)"), ex.getMessage());
    }

    @Test
    void controlSocketDirectoryOfAnotherUserIsRefused() throws Exception {
        final Path planted = shm.resolve("run");
        OtherUser.run("mkdir", "-m", "0700", planted.toString());

        final IOException ex = assertThrows(
                IOException.class,
                () -> new ControlServer(planted.resolve("control.sock"), shm.resolve("levitate.yaml")).close());
        assertTrue(ex.getMessage().contains(planted + " is owned by uid " + OtherUser.UID), ex.getMessage());
    }

    @Test
    void missingDirectoriesAreCreatedOursWithTheDocumentedModes() throws Exception {
        final Path countersDir = shm.resolve("levitate");
        try (CountersFile file = CountersFile.create(CountersFile.pathOf(countersDir, "lb1"), 4096)) {
            for (final Path dir : List.of(countersDir, countersDir.resolve("lb1"))) {
                assertEquals(
                        "rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), dir.toString());
                assertEquals(0, Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS), dir.toString());
            }
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        }
        final Path socketDir = shm.resolve("run").resolve("levitate");
        try (ControlServer server =
                new ControlServer(socketDir.resolve("control.sock"), shm.resolve("levitate.yaml"))) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir)));
            assertEquals(
                    "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir.getParent())));
        }
    }

    private static List<Path> list(final Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
