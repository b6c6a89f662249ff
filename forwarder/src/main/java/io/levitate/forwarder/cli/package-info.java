/**
 * The {@code levitate} command line (picocli): argument parsing, validation into a
 * {@link io.levitate.forwarder.RunSpec}, one-line errors and exit codes. {@code run} only parses:
 * it hands its {@code RunSpec} to {@link io.levitate.forwarder.Launcher}, which runs the process.
 * {@code tables --live}, {@code lookup --live} and {@code plan --against live} ask the running
 * forwarder through its control socket ({@code ControlClient}); {@code LiveLines} reads the answers
 * and {@code LivePlan} rebuilds the live tables from them for plans.
 *
 * <p>Owns: what an operator types and reads. Must not: print stack traces for operator errors.
 */
package io.levitate.forwarder.cli;
