package io.levitate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The lab's jumbo variant (LAB_JUMBO=1): the links behind the router at MTU 9000 and the
 * forwarders' ports configured with it (net_af_packet with ring frames for it), the client's link
 * at 1500. A client's full-size packets then reach the backends in one tunnel packet each, 1500
 * bytes plus 24 of outer IPv4 and GRE, with DF and unfragmented, and an upload succeeds.
 */
class JumboLabIT {
    private static final int UPLOAD = 1 << 20;
    /** A 1500-byte client packet in IPv4 and GRE. */
    private static final int TUNNEL_PACKET = 1500 + 24;

    @Test
    void fullSizeClientPacketsCrossTheJumboLinksInOneTunnelPacketEach() throws Exception {
        try (Lab lab = new Lab(Map.of("LAB_JUMBO", "1"))) {
            final byte[] data = new byte[UPLOAD];
            new Random(7).nextBytes(data);
            final Path file = lab.dir.resolve("upload.bin");
            Files.write(file, data);
            final String sha = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(data));

            final String answer = lab.ok(
                            "exec",
                            "client",
                            "curl",
                            "-sS",
                            "--max-time",
                            "60",
                            "-H",
                            "Expect:",
                            "--data-binary",
                            "@" + file,
                            "http://" + Lab.VIP4 + "/upload")
                    .strip();
            final String[] words = answer.split(" ");
            assertEquals(4, words.length, answer);
            assertTrue(words[0].matches("be[123]") && words[1].equals("received"), answer);
            assertEquals(Integer.toString(UPLOAD), words[2], "bytes the backend received: " + answer);
            assertEquals(sha, words[3], "the upload's digest at the backend");

            long whole = 0;
            long fragments = 0;
            for (int i = 1; i <= 3; i++) {
                whole += lab.nftCounter("be" + i, "gre_1524_df");
                fragments += lab.nftCounter("be" + i, "gre_fragments");
            }
            // A 1 MB upload in segments of 1448 bytes (MSS 1460 less TCP timestamps) is over 700 packets.
            assertTrue(
                    whole >= UPLOAD / 1448 * 9 / 10, "tunnel packets of " + TUNNEL_PACKET + " bytes with DF: " + whole);
            assertEquals(0, fragments, "GRE fragments at the backends");
            System.out.println(
                    "LAB jumbo: upload of " + UPLOAD + " bytes to " + words[0] + ", " + whole + " tunnel packets of "
                            + TUNNEL_PACKET + " bytes (DF, whole) at the backends, " + fragments + " fragments");
        }
    }
}
