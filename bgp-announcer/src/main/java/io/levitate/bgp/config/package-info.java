/**
 * The announcer's view of the shared config file (docs/CONFIG.md): instance name and counters
 * directory, the bgp section, and services' name/vip/port/protocol/announce.
 *
 * <p>The file is read by core's {@link io.levitate.core.config.YamlSource} and the {@code bgp:}
 * section is bound by core's {@link io.levitate.core.config.BgpBinder}, the binder
 * {@code levitate check} runs; {@link io.levitate.bgp.config.ConfigLoader} maps its
 * {@link io.levitate.core.config.BgpConfig} onto the speaker's
 * {@link io.levitate.bgp.SpeakerConfig}. What stays here: the subset of {@code services[]} the
 * announcer reads, and the announcer's wording of errors (BgpWording, Nodes), which its tests pin
 * and which differs from the binder's.
 *
 * <p>Owns: what it reads, with file:line:column errors. Must not: validate the forwarder's keys
 * (levitate check does), or resolve host names.
 */
package io.levitate.bgp.config;
