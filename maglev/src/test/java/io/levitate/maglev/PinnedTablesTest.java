package io.levitate.maglev;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Tables built by this version must equal, slot for slot, those of every earlier version for the
 * same input: every Levitate of a cluster must agree, and a table that changes across an upgrade
 * moves flows. The expected values below were computed by the population code as of commit 827f8d1
 * (before its speed-up) and are pinned; a change in any of them is a compatibility break, never
 * something to "update".
 *
 * <p>Two levels: {@link ServiceTable#digest()} of whole service builds (identity order, hashing of
 * offsets and skips, weights, drained and down backends, sizes from 251 to 655373), and SHA-256 of
 * the raw slot array of {@link MaglevPopulation#populate} for random permutations and weights,
 * including sizes the service builds do not reach.
 */
class PinnedTablesTest {

    /** n IPv4 backends 10.a.b.c:port, weight and state chosen per index by the case. */
    private static List<Backend> backends(int n, int port, java.util.function.IntFunction<Backend> tweak) {
        List<Backend> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(tweak.apply(i));
        }
        return list;
    }

    private static Backend v4(int i, int port, int weight) {
        return Backend.of("10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF), port, weight);
    }

    private static String digest(ServiceConfig config, long seed) {
        return ServiceTable.build(config, seed).digestHex();
    }

    @Test
    void serviceTableDigestsArePinned() {
        List<String> got = new ArrayList<>();
        // 1. The paper's small size, 1000 equal backends.
        got.add(digest(
                ServiceConfig.of("192.0.2.1", 80, 6, backends(1000, 80, i -> v4(i, 80, 1)))
                        .withTableSize(65537),
                1L));
        // 2. The paper's large size, 1000 equal backends.
        got.add(digest(
                ServiceConfig.of("192.0.2.1", 80, 6, backends(1000, 80, i -> v4(i, 80, 1)))
                        .withTableSize(655373),
                1L));
        // 3. Weights 1..5, every 10th draining, every 17th down.
        got.add(digest(
                ServiceConfig.of("192.0.2.7", 443, 6, backends(1000, 443, i -> {
                            Backend b = v4(i, 443, 1 + i % 5);
                            if (i % 10 == 3) {
                                b = b.withState(BackendState.DRAINING);
                            } else if (i % 17 == 5) {
                                b = b.withState(BackendState.DOWN);
                            }
                            return b;
                        }))
                        .withTableSize(65537),
                0xDEADBEEFL));
        // 4. Large size, weights 0..3 (weight 0: configured, owns nothing), a few drained.
        got.add(digest(
                ServiceConfig.of("192.0.2.8", 53, 17, backends(1000, 53, i -> {
                            Backend b = v4(i, 53, i * 7 % 4);
                            return i % 13 == 0 ? b.withState(BackendState.DRAINING) : b;
                        }))
                        .withTableSize(655373)
                        .withHashFields(HashFields.SOURCE_IP),
                -1L));
        // 5. A wide weight range (1..100) on 300 backends.
        got.add(digest(
                ServiceConfig.of("192.0.2.9", 80, 6, backends(300, 8080, i -> v4(i, 8080, 1 + i * 37 % 100)))
                        .withTableSize(131071),
                0x0123456789ABCDEFL));
        // 6. Three backends in a tiny table; 7. one backend; 8. IPv6 backends, default size.
        got.add(digest(
                ServiceConfig.of("192.0.2.10", 80, 6, backends(3, 80, i -> v4(i, 80, 1)))
                        .withTableSize(251),
                42L));
        got.add(digest(
                ServiceConfig.of("192.0.2.11", 80, 6, List.of(v4(5, 80, 3))).withTableSize(1009), 7L));
        got.add(digest(
                ServiceConfig.of(
                        "2001:db8::1",
                        443,
                        6,
                        backends(
                                50, 443, i -> Backend.of("2001:db8:1::" + Integer.toHexString(i + 1), 443, 1 + i % 2))),
                Fixtures.SEED));
        // 9. Every backend drained: an empty table.
        got.add(digest(
                ServiceConfig.of(
                                "192.0.2.12",
                                80,
                                6,
                                backends(10, 80, i -> v4(i, 80, 1).withState(BackendState.DRAINING)))
                        .withTableSize(1009),
                3L));
        assertEquals(
                List.of(
                        "36317ae266693c2e",
                        "df22859e1cd4f333",
                        "98258bb7477167fb",
                        "bd91549edefb7f47",
                        "24ca76db69b6b165",
                        "8429f86896eeb6f5",
                        "68963618e89912b1",
                        "f61a208c2f303597",
                        "0369ba53cc861f1b"),
                got,
                "service table digests changed: tables are no longer those of earlier versions");
    }

    /** SHA-256 of populate's slots (big-endian ints) for random permutations; see the class comment. */
    @Test
    void populationOutputsArePinned() throws NoSuchAlgorithmException {
        // m, n, weight kind (0 equal, 1 in 0..3, 2 in 1..1000), random seed
        final int[][] cases = {
            {7, 3, 0, 1},
            {65537, 1000, 0, 2},
            {65537, 1000, 1, 3},
            {65537, 64, 2, 4},
            {655373, 1000, 0, 5},
            {655373, 1000, 1, 6},
            {1_000_003, 5000, 0, 7},
            {16_777_213, 100, 0, 8},
        };
        List<String> got = new ArrayList<>();
        for (int[] c : cases) {
            final int m = c[0];
            final int n = c[1];
            final SplittableRandom rnd = new SplittableRandom(c[3]);
            final int[] offsets = new int[n];
            final int[] skips = new int[n];
            final int[] weights = new int[n];
            for (int i = 0; i < n; i++) {
                offsets[i] = rnd.nextInt(m);
                skips[i] = 1 + rnd.nextInt(m - 1);
                weights[i] = switch (c[2]) {
                    case 0 -> 1;
                    case 1 -> rnd.nextInt(4);
                    default -> 1 + rnd.nextInt(1000);
                };
            }
            got.add(sha256(MaglevPopulation.populate(m, offsets, skips, weights)));
        }
        assertEquals(
                List.of(
                        "971010e0ddaca95d50c0cbe1a4f9950a895b7fb67074b53dc8fb0e329ac497b9",
                        "24f7bc801e0a1a68541828f95803c8c4d1274a48d658c250b280d2192dac43ea",
                        "0c69455333a67176e37a3ba81310c1ec7817818eebff42cf805d2a07c1dd9703",
                        "e89604522938a3bb408bd69a116d14796433e907bcc61f31b8b030dccd3d2921",
                        "411988dd92e020fb20bc00591217cf8cb5773b1ee67f400880bb22cb1090a595",
                        "1edd3060f9339fb3a051b0c20ab13f7b6917b7874b98546b5456867b3d9806cf",
                        "5a9a43383b9b51a31c2c692eabdbb6f8fe382dd3e1d322bbeb385b6fbd9eeffa",
                        "5202589e2eb8d0e21e26cfd1c94db919ba777aa61da6c484bab4869d9cc5d8ae"),
                got,
                "population changed: tables are no longer those of earlier versions");
    }

    private static String sha256(int[] slots) throws NoSuchAlgorithmException {
        final ByteBuffer bytes = ByteBuffer.allocate(slots.length * Integer.BYTES);
        bytes.asIntBuffer().put(slots);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    }
}
