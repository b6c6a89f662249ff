package io.levitate.maglev;

/** Prints one line per fixture service: its table digest. Run in a child JVM by {@link DigestAcrossJvmsTest}. */
public final class DigestPrinter {
    private DigestPrinter() {}

    public static void main(String[] args) {
        for (ServiceConfig s : Fixtures.services()) {
            System.out.println(ServiceTable.build(s, Fixtures.SEED).digestHex());
        }
    }
}
