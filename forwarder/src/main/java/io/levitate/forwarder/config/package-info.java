/**
 * The configuration file ({@code docs/CONFIG.md}): reading it with snakeyaml-engine under limits
 * that make hostile input cheap to refuse, validating every key with errors that name the file,
 * line, column and reason, the immutable model the forwarder is built from, and the plan of what a
 * new file would change.
 *
 * <p>Owns: the schema, its defaults and ranges, and the mapping of services to maglev's
 * {@link io.levitate.maglev.ServiceConfig}. Must not: resolve names through DNS, throw for bad
 * input (bad input is a list of {@link io.levitate.forwarder.config.ConfigError}s), or
 * re-implement Maglev.
 */
package io.levitate.forwarder.config;
