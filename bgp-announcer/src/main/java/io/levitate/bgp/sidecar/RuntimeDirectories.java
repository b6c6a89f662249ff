package io.levitate.bgp.sidecar;

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
 * The directory the announcer keeps its pid and status files in (the forwarder's instance
 * directory, {@code <counters_dir>/<instance>}), created and checked the way sshd's StrictModes
 * checks a home directory.
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
 * <p>The forwarder has the same rules in {@code io.levitate.forwarder.RuntimeDirectories} (the
 * announcer shares no code with it); a change here belongs there as well.
 */
public final class RuntimeDirectories
{
    /** The counters directories: others may read (levitate stat, monitoring run as any user), nobody else writes. */
    public static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rwxr-xr-x");

    private static final int STICKY = 01000;
    static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int ROOT_UID = 0;
    private static final int FILE_TYPE = 0170000;
    private static final int SYMBOLIC_LINK = 0120000;

    private RuntimeDirectories()
    {
    }

    /**
     * Creates {@code directory} and whichever of its parents are missing, each with {@code mode}
     * (set explicitly: a umask must not make counters unreadable), then checks the whole path.
     *
     * @throws UnsafeDirectoryException when the directory or a parent could be changed by another user.
     */
    public static Path createSecure(final Path directory, final Set<PosixFilePermission> mode) throws IOException
    {
        final Path absolute = directory.toAbsolutePath().normalize();
        final List<Path> missing = new ArrayList<>();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS))
        {
            missing.addFirst(existing);
            existing = existing.getParent();
        }
        if (existing != null && !missing.isEmpty())
        {
            // Judge where we are about to create before creating anything: root can mkdir in
            // anyone's directory, and what it made there would be the other user's to move.
            final int us = effectiveUid();
            refuseLinks(existing, us);
            refuseAncestors(existing.toRealPath(), us);
        }
        for (final Path p : missing)
        {
            try
            {
                // mkdir(2) never follows a link in the last component: a link planted meanwhile
                // makes it fail, and the check below refuses the link.
                Files.createDirectory(p);
                Files.setPosixFilePermissions(p, mode);
            }
            catch (final FileAlreadyExistsException raced)
            {
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
    public static void verify(final Path directory) throws IOException
    {
        final int us = effectiveUid();
        final Path absolute = directory.toAbsolutePath().normalize();
        refuseLinks(absolute, us);
        final Path real = absolute.toRealPath();
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS))
        {
            throw new UnsafeDirectoryException(real + " is not a directory");
        }
        final Map<String, Object> leaf = attributes(real);
        if (uid(leaf) != us)
        {
            throw new UnsafeDirectoryException(real + " is owned by uid " + uid(leaf) + ", not by uid " + us
                + " that runs this; another user could rename or plant files in it: remove it and start again");
        }
        if ((mode(leaf) & GROUP_OR_OTHER_WRITE) != 0)
        {
            throw new UnsafeDirectoryException(real + " is writable by group or others (mode " + octal(mode(leaf))
                + "); another user could rename or plant files in it: chmod go-w " + real);
        }
        refuseAncestors(real.getParent(), us);
    }

    /** Every link on the path as written: its owner could point it anywhere at any time. */
    private static void refuseLinks(final Path absolute, final int us) throws IOException
    {
        for (Path p = absolute; p != null; p = p.getParent())
        {
            final Map<String, Object> link = attributes(p);
            if ((mode(link) & FILE_TYPE) == SYMBOLIC_LINK && !trusted(uid(link), us))
            {
                throw new UnsafeDirectoryException(p + " is a symbolic link owned by uid " + uid(link)
                    + ", not by root or uid " + us + " that runs this; its owner could point it elsewhere: remove it");
            }
        }
    }

    /** A real directory and those above it: root's or ours, and writable by no one else unless sticky. */
    private static void refuseAncestors(final Path real, final int us) throws IOException
    {
        for (Path p = real; p != null; p = p.getParent())
        {
            final Map<String, Object> a = attributes(p);
            if (!trusted(uid(a), us))
            {
                throw new UnsafeDirectoryException(p + " is owned by uid " + uid(a) + ", not by root or uid " + us
                    + " that runs this; another user could rename or plant files below it: remove it and start again");
            }
            if ((mode(a) & GROUP_OR_OTHER_WRITE) != 0 && (mode(a) & STICKY) == 0)
            {
                throw new UnsafeDirectoryException(p + " is writable by group or others without the sticky bit (mode "
                    + octal(mode(a)) + "); another user could rename or plant files below it: chmod go-w " + p);
            }
        }
    }

    /** This process's effective uid: the owner of what it creates, the one every path is checked against. */
    public static int effectiveUid() throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("Uid:"))
            {
                // "Uid:" real, effective, saved set, filesystem.
                return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    static boolean trusted(final int owner, final int us)
    {
        return owner == ROOT_UID || owner == us;
    }

    static Map<String, Object> attributes(final Path p) throws IOException
    {
        return Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
    }

    static int uid(final Map<String, Object> attributes)
    {
        return (Integer)attributes.get("uid");
    }

    static int mode(final Map<String, Object> attributes)
    {
        return (Integer)attributes.get("mode");
    }

    static String octal(final int mode)
    {
        return String.format(Locale.ROOT, "%04o", mode & 07777);
    }

    /** A runtime path another user could change; the message is one line for the operator. */
    public static final class UnsafeDirectoryException extends IOException
    {
        private static final long serialVersionUID = 1L;

        public UnsafeDirectoryException(final String message)
        {
            this("unsafe runtime directory: ", message);
        }

        UnsafeDirectoryException(final String what, final String message)
        {
            super(what + message);
        }
    }
}
