/**
 * The configuration file as both processes read it: from disk to YAML nodes under the same limits
 * ({@link io.levitate.core.config.YamlSource}, {@link io.levitate.core.config.ConfigLimits}, the
 * package-private LimitingParser), the generic pieces of a binder (a mapping's keys checked
 * against its schema in {@link io.levitate.core.config.MappingView}, scalar rules for numbers,
 * durations, addresses, names and paths in {@link io.levitate.core.config.Values}, IP literals in
 * {@link io.levitate.core.config.Addresses}), errors as {@code FILE:LINE:COL: reason}
 * ({@link io.levitate.core.config.ErrorSink}, {@link io.levitate.core.config.ConfigError}), and the
 * one schema and binder of the {@code bgp:} section ({@link io.levitate.core.config.BgpBinder},
 * {@link io.levitate.core.config.BgpDefaults}) with its immutable model
 * ({@link io.levitate.core.config.BgpConfig}, {@link io.levitate.core.config.BgpPeerConfig},
 * {@link io.levitate.core.config.BfdSettings}), and the binder of the keys of a service both
 * processes read ({@link io.levitate.core.config.ServiceAddressBinder}: name, vip, port, protocol,
 * announce, with unique names and matches).
 *
 * <p>Moved here from the forwarder's {@code io.levitate.forwarder.config} (which keeps the
 * forwarder's sections: instance, conntrack, services, health checks, metrics, control) so that
 * {@code levitate check} and {@code levitate-announcer} accept the same {@code bgp:} section and
 * mean the same by it; the announcer's {@code io.levitate.bgp.config.ConfigLoader} maps
 * {@link io.levitate.core.config.BgpConfig} onto its speaker's configuration. The service keys'
 * binder moved here from the forwarder's ServiceBinder (which keeps tables, hash, quota,
 * fragments, health checks, backends and the VIP's relation to the instance's addresses). Both
 * processes report what these binders report, in their words: there is one wording of a mistake
 * in the file. A reader that owns only some keys of a mapping (the announcer) reads it through
 * {@link io.levitate.core.config.MappingView#partial}.
 *
 * <p>Must not: resolve names through DNS, throw for bad input (bad input is a list of errors with
 * positions), or know either process's runtime types.
 */
package io.levitate.core.config;
