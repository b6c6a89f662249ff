package io.levitate.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.levitate.core.runtime.OtherUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real launcher with a counters directory another user made first: one line on stderr naming
 * the directory and its owner, exit 1, before the EAL starts, and nothing written into it.
 */
class RuntimeDirectoryIT {
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
    void aCountersDirectoryAnotherUserMadeFirstStopsTheForwarderWithOneLine() throws Exception {
        final Path planted = shm.resolve("levitate");
        OtherUser.run("mkdir", "-m", "0755", planted.toString());
        final String prefix = "levitate-rundir-" + ProcessHandle.current().pid();
        try (LevitateProcess levitate = LevitateProcess.start(
                "run",
                "--no-huge",
                "--duration",
                "5",
                "--file-prefix",
                prefix,
                "--port",
                "net_null0",
                "--counters-dir",
                planted.toString(),
                "--instance",
                "lb1")) {
            assertEquals(1, levitate.awaitExit(Duration.ofSeconds(60)), String.join("\n", levitate.stdout()));
            assertEquals(
                    List.of("levitate: cannot create the counters file: unsafe runtime directory: " + planted
                            + " is owned by uid " + OtherUser.UID
                            + ", not by root or uid 0 that runs this; another user could rename"
                            + " or plant files below it: remove it and start again"),
                    levitate.stderr());
        }
        assertFalse(Files.exists(planted.resolve("lb1")), "nothing created in the other user's directory");
        assertFalse(Files.exists(Path.of("/var/run/dpdk", prefix)), "stopped before the EAL");
    }
}
