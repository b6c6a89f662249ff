package io.levitate.maglev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Invariant 3 of the design: the same config gives the same tables in every process. Two child
 * JVMs (one JIT-compiled, one interpreted only, each with its own identity hash codes) build the
 * fixture services and print their digests; both must equal this JVM's and the pinned values. A
 * changed pinned value means every Levitate of a mixed-version cluster would disagree.
 */
class DigestAcrossJvmsTest {
    /** Digests of {@link Fixtures#services()} with {@link Fixtures#SEED}, pinned at version 1. */
    static final List<String> PINNED =
            List.of("bc1d11aae396fa9c", "3ac7f50fa75611d7", "0fa51f70a6cba690", "a28211cfb7336927");

    @Test
    void separateJvmsPrintTheSameDigests() throws Exception {
        List<String> here = new ArrayList<>();
        for (ServiceConfig s : Fixtures.services()) {
            here.add(ServiceTable.build(s, Fixtures.SEED).digestHex());
        }
        assertEquals(PINNED, here, "digests changed: tables are no longer compatible with earlier versions");
        assertEquals(here, runChild(List.of()), "child JVM (JIT)");
        assertEquals(here, runChild(List.of("-Xint", "-XX:hashCode=2")), "child JVM (interpreter)");
    }

    private static List<String> runChild(List<String> jvmFlags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (jvmFlags.contains("-XX:hashCode=2")) {
            cmd.add("-XX:+UnlockExperimentalVMOptions");
        }
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(DigestPrinter.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not exit");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "child JVM failed: " + text);
        return text.lines().toList();
    }
}
