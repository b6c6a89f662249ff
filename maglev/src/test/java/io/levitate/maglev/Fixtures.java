package io.levitate.maglev;

import java.util.ArrayList;
import java.util.List;

/** Shared test configurations; {@link DigestPrinter} builds the same ones in a separate JVM. */
final class Fixtures {
    static final long SEED = 0x1E5171A7EL;

    private Fixtures() {}

    /** n backends 10.0.(i / 250).(i % 250 + 1):8080, weight 1 each, active. */
    static List<Backend> backends(int n) {
        List<Backend> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(Backend.of("10.0." + (i / 250) + "." + (i % 250 + 1), 8080, 1));
        }
        return list;
    }

    /** The services the cross-JVM digest test compares: v4 and v6, weights, drain, sticky, sizes. */
    static List<ServiceConfig> services() {
        List<Backend> weighted = new ArrayList<>(backends(20));
        weighted.set(3, weighted.get(3).withWeight(5));
        weighted.set(7, weighted.get(7).withState(BackendState.DRAINING));
        weighted.set(9, weighted.get(9).withState(BackendState.DOWN));
        List<Backend> v6 = List.of(
                Backend.of("2001:db8::10", 443, 2),
                Backend.of("2001:db8::11", 443, 1),
                Backend.of("2001:db8::12", 443, 1));
        return List.of(
                ServiceConfig.of("192.0.2.1", 80, 6, backends(1000)).withTableSize(65537),
                ServiceConfig.of("192.0.2.1", 443, 6, weighted),
                ServiceConfig.of("192.0.2.2", ServiceConfig.ANY_PORT, 17, backends(7))
                        .withHashFields(HashFields.SOURCE_IP),
                ServiceConfig.of("2001:db8::1", 443, 6, v6).withTableSize(1009));
    }
}
