/**
 * The announcer's view of the shared config file (docs/CONFIG.md): instance name and counters
 * directory, the bgp section, and services' name/vip/port/protocol/announce.
 *
 * <p>Owns: validation of what it reads, with file:line:column errors. Must not: validate the
 * forwarder's keys (levitate check does), or resolve host names.
 */
package io.levitate.bgp.config;
