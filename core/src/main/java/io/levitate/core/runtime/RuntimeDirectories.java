package io.levitate.core.runtime;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The directories both processes keep their runtime files in (the forwarder's counters directory
 * and control socket's directory; the announcer's pid and status files, which live in the
 * forwarder's instance directory {@code <counters_dir>/<instance>}), created and checked the way
 * sshd's StrictModes checks a home directory.
 *
 * <p>Why: the default counters directory lives under {@code /dev/shm}, which every user can write
 * to. A user who creates {@code /dev/shm/levitate} before root does owns every file root later
 * puts there: they can rename the live counters away (the announcer then withdraws the VIPs) or
 * plant {@code announcer.pid} (and have root's {@code levitate-announcer drain} signal any
 * process). So the directory a file lives in must be ours and writable by no one else, and every
 * directory above it must belong to root or to us and be writable by no one else, except a
 * sticky directory such as {@code /tmp} or {@code /dev/shm}, where others cannot rename or remove
 * what is ours. Symbolic links on the way must belong to root or to us too: a planted link would
 * point everything below it at a directory of the planter's choice.
 *
 * <p>One copy for both processes: the forwarder and the announcer must judge the same directory
 * alike, or one of them would start where the other refuses.
 */
public final class RuntimeDirectories {
    /** The counters directories: others may read (levitate stat, monitoring run as any user), nobody else writes. */
    public static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rwxr-xr-x");

    /** The control socket's directory: root's alone, as the socket is (ControlServer). */
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private static final int STICKY = 01000;
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int ROOT_UID = 0;
    private static final int FILE_TYPE = 0170000;
    private static final int SYMBOLIC_LINK = 0120000;

    private RuntimeDirectories() {}

    /**
     * Creates {@code directory} and whichever of its parents are missing, each with {@code mode}
     * (set explicitly: a umask must not make counters unreadable), then checks the whole path.
     *
     * @throws UnsafeDirectoryException when the directory or a parent could be changed by another user.
     */
    public static Path createSecure(final Path directory, final Set<PosixFilePermission> mode) throws IOException {
        final Path absolute = directory.toAbsolutePath().normalize();
        final List<Path> missing = new ArrayList<>();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            missing.addFirst(existing);
            existing = existing.getParent();
        }
        if (existing != null && !missing.isEmpty()) {
            // Judge where we are about to create before creating anything: root can mkdir in
            // anyone's directory, and what it made there would be the other user's to move.
            final int us = effectiveUid();
            refuseLinks(existing, us);
            refuseAncestors(existing.toRealPath(), us);
        }
        for (final Path p : missing) {
            try {
                // mkdir(2) never follows a link in the last component: a link planted meanwhile
                // makes it fail, and the check below refuses the link.
                Files.createDirectory(p);
                Files.setPosixFilePermissions(p, mode);
            } catch (final FileAlreadyExistsException raced) {
                // Someone created it between our look and mkdir: the check below judges whose it is.
            }
        }
        verify(absolute);
        return absolute;
    }

    /**
     * Checks an existing directory: a real directory owned by this process's user and writable by
     * no one else, below directories that only root or this user can change.
     *
     * @throws UnsafeDirectoryException naming the first offending path, in one line.
     */
    public static void verify(final Path directory) throws IOException {
        final int us = effectiveUid();
        final Path absolute = directory.toAbsolutePath().normalize();
        refuseLinks(absolute, us);
        final Path real = absolute.toRealPath();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new UnsafeDirectoryException(real + " is not a directory");
        }
        final Map<String, Object> leaf = attributes(real);
        if (uid(leaf) != us) {
            throw new UnsafeDirectoryException(real + " is owned by uid " + uid(leaf) + ", not by uid " + us
                    + " that runs this; another user could rename or plant files in it: remove it and start again");
        }
        if ((mode(leaf) & GROUP_OR_OTHER_WRITE) != 0) {
            throw new UnsafeDirectoryException(real + " is writable by group or others (mode " + octal(mode(leaf))
                    + "); another user could rename or plant files in it: chmod go-w " + real);
        }
        refuseAncestors(real.getParent(), us);
    }

    /** Every link on the path as written: its owner could point it anywhere at any time. */
    private static void refuseLinks(final Path absolute, final int us) throws IOException {
        for (Path p = absolute; p != null; p = p.getParent()) {
            final Map<String, Object> link = attributes(p);
            if ((mode(link) & FILE_TYPE) == SYMBOLIC_LINK && !trusted(uid(link), us)) {
                throw new UnsafeDirectoryException(
                        p + " is a symbolic link owned by uid " + uid(link) + ", not by root or uid " + us
                                + " that runs this; its owner could point it elsewhere: remove it");
            }
        }
    }

    /** A real directory and those above it: root's or ours, and writable by no one else unless sticky. */
    private static void refuseAncestors(final Path real, final int us) throws IOException {
        for (Path p = real; p != null; p = p.getParent()) {
            final Map<String, Object> a = attributes(p);
            if (!trusted(uid(a), us)) {
                throw new UnsafeDirectoryException(
                        p + " is owned by uid " + uid(a) + ", not by root or uid " + us
                                + " that runs this; another user could rename or plant files below it: remove it and start again");
            }
            if ((mode(a) & GROUP_OR_OTHER_WRITE) != 0 && (mode(a) & STICKY) == 0) {
                throw new UnsafeDirectoryException(p + " is writable by group or others without the sticky bit (mode "
                        + octal(mode(a)) + "); another user could rename or plant files below it: chmod go-w " + p);
            }
        }
    }

    /**
     * A file in a checked directory that a privileged command will act on (the announcer's pid
     * file, which {@code levitate-announcer drain} signals): its directory passes {@link #verify},
     * and the file itself is a regular file (not a link) of this process's user that no one else
     * can write.
     *
     * @param what names the file in the message ("pid file": "unsafe pid file: ...").
     * @throws java.nio.file.NoSuchFileException when there is no such file.
     * @throws UnsafeDirectoryException naming the file and what is wrong with it, in one line.
     */
    public static void verifyFile(final Path file, final String what) throws IOException {
        verify(file.getParent());
        final int us = effectiveUid();
        final Map<String, Object> a = attributes(file);
        final String unsafe = "unsafe " + what + ": ";
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new UnsafeDirectoryException(unsafe, file + " is not a regular file");
        }
        if (uid(a) != us) {
            throw new UnsafeDirectoryException(
                    unsafe, file + " is owned by uid " + uid(a) + ", not by uid " + us + " that runs this");
        }
        if ((mode(a) & GROUP_OR_OTHER_WRITE) != 0) {
            throw new UnsafeDirectoryException(
                    unsafe, file + " is writable by group or others (mode " + octal(mode(a)) + ")");
        }
    }

    /** This process's effective uid: the owner of what it creates, the one every path is checked against. */
    public static int effectiveUid() throws IOException {
        return effectiveUid(Path.of("/proc/self/status"));
    }

    /** The effective uid in a process's {@code /proc/<pid>/status}. */
    public static int effectiveUid(final Path procStatus) throws IOException {
        for (final String line : Files.readAllLines(procStatus)) {
            if (line.startsWith("Uid:")) {
                // "Uid:" real, effective, saved set, filesystem.
                return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in " + procStatus);
    }

    private static boolean trusted(final int owner, final int us) {
        return owner == ROOT_UID || owner == us;
    }

    private static Map<String, Object> attributes(final Path p) throws IOException {
        return Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static int uid(final Map<String, Object> attributes) {
        return (Integer) attributes.get("uid");
    }

    private static int mode(final Map<String, Object> attributes) {
        return (Integer) attributes.get("mode");
    }

    private static String octal(final int mode) {
        return String.format(Locale.ROOT, "%04o", mode & 07777);
    }

    /** A runtime path another user could change; the message is one line for the operator. */
    public static final class UnsafeDirectoryException extends IOException {
        private static final long serialVersionUID = 1L;

        public UnsafeDirectoryException(final String message) {
            this("unsafe runtime directory: ", message);
        }

        /** {@code what} says which kind of runtime path is unsafe ("unsafe pid file: "). */
        public UnsafeDirectoryException(final String what, final String message) {
            super(what + message);
        }
    }
}
