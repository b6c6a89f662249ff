/**
 * The configuration file ({@code docs/CONFIG.md}) as the forwarder reads it: validating every key
 * with errors that name the file, line, column and reason, the immutable model the forwarder is
 * built from, and the plan of what a new file would change.
 *
 * <p>{@link io.levitate.forwarder.config.ConfigReader} reads a file through core's
 * {@link io.levitate.core.config.YamlSource} (bounded reading, the YAML limits) and runs
 * {@link io.levitate.forwarder.config.ConfigBuilder}, which binds the top level, {@code hash_seed},
 * {@code conntrack}, {@code metrics} and {@code control} and hands the other sections to their
 * binders: {@code InstanceBinder}, {@code ServiceBinder} (with {@code HealthCheckBinder}; a
 * service's name, vip, port, protocol and announce it leaves to core's
 * {@link io.levitate.core.config.ServiceAddressBinder}), and core's
 * {@link io.levitate.core.config.BgpBinder}; the announcer runs both core binders too, and reports
 * their errors in their words. The generic machinery (MappingView, Values, Addresses, ErrorSink,
 * ConfigError) and the {@code bgp:} model (BgpConfig, BgpPeerConfig) moved to
 * {@code io.levitate.core.config}.
 *
 * <p>Owns: the forwarder's sections, their defaults and ranges ({@code ConfigDefaults}), and the
 * mapping of services to maglev's {@link io.levitate.maglev.ServiceConfig}. Must not: resolve
 * names through DNS, throw for bad input (bad input is a list of
 * {@link io.levitate.core.config.ConfigError}s), or re-implement Maglev.
 */
package io.levitate.forwarder.config;
