package io.levitate.lab;

/** {@link FailoverMatrix} with FRR (zebra, bfdd, bgpd) as the lab's router. */
class FrrFailoverMatrixIT extends FailoverMatrix {
    FrrFailoverMatrixIT() {
        super("frr");
    }
}
