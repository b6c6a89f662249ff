package io.levitate.lab;

/** {@link FailoverMatrix} with bird2 as the lab's router. */
class BirdFailoverMatrixIT extends FailoverMatrix {
    BirdFailoverMatrixIT() {
        super("bird");
    }
}
