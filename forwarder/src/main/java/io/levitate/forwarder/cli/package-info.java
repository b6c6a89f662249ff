/**
 * The {@code levitate} command line (picocli): argument parsing, validation into a
 * {@link io.levitate.forwarder.RunSpec}, one-line errors and exit codes.
 *
 * <p>Owns: what an operator types and reads. Must not: print stack traces for operator errors.
 */
package io.levitate.forwarder.cli;
