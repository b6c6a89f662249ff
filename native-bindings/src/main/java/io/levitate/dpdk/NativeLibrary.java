package io.levitate.dpdk;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Loads the Levitate C shim (which pulls in DPDK's EAL, ethdev, mbuf and mempool libraries as its
 * dependencies) and resolves downcall handles against it.
 *
 * <p>The shim is packed in this module's jar under {@value #RESOURCE}; it is extracted to a
 * private temporary file once per process, because {@code dlopen} needs a path. An operator can
 * point {@code -Dlevitate.shim=/path/liblevitate_shim.so} at an installed copy instead (the
 * bare-metal install does).
 *
 * <p>Lookups go through the shim's handle: {@code dlsym} on a handle searches that library and
 * its dependencies, so the exported DPDK functions (rte_eal_init, rte_eth_dev_configure, ...)
 * resolve through the same lookup as the shim's own wrappers.
 */
public final class NativeLibrary {
    /** Class-path location of the shim built by {@code src/main/c/build-shim.sh}. */
    public static final String RESOURCE = "/native/linux-x86_64/liblevitate_shim.so";
    /** System property naming an installed shim, overriding the packed one. */
    public static final String PATH_PROPERTY = "levitate.shim";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup SHIM = loadShim();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private NativeLibrary() {}

    /** Downcall to a function exported by the shim or one of the DPDK libraries it links. */
    public static MethodHandle dpdk(
            final String name, final FunctionDescriptor descriptor, final Linker.Option... options) {
        return downcall(SHIM, name, descriptor, options);
    }

    /** Downcall to a C library function. */
    public static MethodHandle libc(
            final String name, final FunctionDescriptor descriptor, final Linker.Option... options) {
        return downcall(LIBC, name, descriptor, options);
    }

    private static MethodHandle downcall(
            final SymbolLookup lookup,
            final String name,
            final FunctionDescriptor descriptor,
            final Linker.Option... options) {
        final MemorySegment symbol =
                lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("native symbol not found: " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static SymbolLookup loadShim() {
        final String configured = System.getProperty(PATH_PROPERTY);
        final Path path;
        try {
            path = configured != null ? Path.of(configured) : extractPacked();
        } catch (final IOException ex) {
            throw new UnsatisfiedLinkError("cannot extract " + RESOURCE + ": " + ex.getMessage());
        }
        try {
            return SymbolLookup.libraryLookup(path, Arena.global());
        } catch (final IllegalArgumentException ex) {
            throw new UnsatisfiedLinkError(
                    "cannot load " + path + " (is DPDK 22.11 installed? run scripts/setup.sh): " + ex.getMessage());
        }
    }

    private static Path extractPacked() throws IOException {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("resource missing from the class path (native-bindings not built?)");
            }
            final Path file = Files.createTempFile(
                    "liblevitate_shim-",
                    ".so",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }
}
