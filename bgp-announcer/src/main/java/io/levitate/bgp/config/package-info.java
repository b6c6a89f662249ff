/**
 * The announcer's view of the shared config file (docs/CONFIG.md): instance name and counters
 * directory, the bgp section, and services' name/vip/port/protocol/announce.
 *
 * <p>Nothing here reads YAML by its own rules: the file is read by core's
 * {@link io.levitate.core.config.YamlSource}, the {@code bgp:} section bound by core's
 * {@link io.levitate.core.config.BgpBinder} and the services' keys by core's
 * {@link io.levitate.core.config.ServiceAddressBinder}, the binders {@code levitate check} runs;
 * {@link io.levitate.bgp.config.ConfigLoader} maps their values onto the speaker's
 * {@link io.levitate.bgp.SpeakerConfig} and the announcer's
 * {@link io.levitate.bgp.config.ServiceConfig}. A refused file is a
 * {@link io.levitate.bgp.config.ConfigException} holding every error the binders reported, in
 * their words ({@code FILE:LINE:COL: key.path: reason}), which the sidecar prints as
 * {@code levitate check} does. (The announcer's own wording of errors, BgpWording and Nodes, is
 * gone: one file, one wording.)
 *
 * <p>Owns: which keys the announcer reads and how it maps them. Must not: validate the forwarder's
 * keys (levitate check does; the announcer reads the top level, {@code instance} and each service
 * through partial views that skip them), or resolve host names.
 */
package io.levitate.bgp.config;
