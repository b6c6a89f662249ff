package io.levitate.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The artifact under test: {@code target/levitate-VERSION.tar.gz} (passed by failsafe as
 * {@code levitate.dist.tarball}), unpacked once per test JVM into a temporary directory.
 */
final class Dist {
    static final String VERSION = required("levitate.version");
    static final String NAME = required("levitate.dist.name");
    static final Path TARBALL = Path.of(required("levitate.dist.tarball"));
    /** The JDK that ran the build (for jdeps), never used to run the artifact. */
    static final Path BUILD_JDK = Path.of(required("levitate.java.home"));
    /** Scratch space under target/ (fixture machines, staging roots), so mvn clean removes it. */
    static final Path WORK = Path.of(required("levitate.dist.workdir"));

    private static Path unpacked;

    private Dist() {}

    /** The unpacked levitate-VERSION/ directory. */
    static synchronized Path home() throws IOException, InterruptedException {
        if (unpacked == null) {
            if (!Files.isRegularFile(TARBALL)) {
                throw new AssertionError(TARBALL + " missing: the dist module builds it in package with -Pdist");
            }
            final Path dir = tempDir("unpacked-");
            final Shell.Result tar = Shell.run("tar", "-C", dir.toString(), "-xzf", TARBALL.toString());
            if (tar.exitCode() != 0) {
                throw new AssertionError(tar.toString());
            }
            unpacked = dir.resolve(NAME);
        }
        return unpacked;
    }

    static Path tempDir(final String prefix) throws IOException {
        Files.createDirectories(WORK);
        return Files.createTempDirectory(WORK, prefix);
    }

    private static String required(final String property) {
        final String value = System.getProperty(property);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("system property " + property + " not set (run through mvn -Pdist verify)");
        }
        return value;
    }
}
