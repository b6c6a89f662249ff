package io.levitate.dist;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The check InstallerIT relies on finds what it should: a mistyped directive, a missing command. */
class SystemdVerifyIT {
    @Test
    void rejectsAMistypedDirectiveAndAMissingCommand() throws Exception {
        final FixtureMachine m = new FixtureMachine();
        final Path stage = m.dir.resolve("stage");
        final Shell.Result r = Shell.run(
                m.env(),
                null,
                PreflightIT.installSh(),
                "--root",
                stage.toString(),
                "--nic",
                FixtureMachine.NIC,
                "--hugepages",
                "64");
        assertTrue(r.exitCode() == 0, r::toString);
        SystemdVerify.assertValid(stage);

        final Path unit = stage.resolve("etc/systemd/system/levitate.service");
        final String good = Files.readString(unit);
        Files.writeString(unit, good.replace("LimitMEMLOCK=infinity", "LimitMEMLOK=infinity"));
        final AssertionError typo = assertThrows(AssertionError.class, () -> SystemdVerify.assertValid(stage));
        assertTrue(typo.getMessage().contains("LimitMEMLOK"), typo::getMessage);

        Files.writeString(unit, good);
        Files.delete(stage.resolve("opt/levitate/current/bin/levitate"));
        final AssertionError missing = assertThrows(AssertionError.class, () -> SystemdVerify.assertValid(stage));
        assertTrue(missing.getMessage().contains("bin/levitate is not executable"), missing::getMessage);
    }
}
