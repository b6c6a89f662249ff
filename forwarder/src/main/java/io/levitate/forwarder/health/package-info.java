/**
 * Backend health checks: TCP connect or HTTP GET with an expected status, with interval, timeout,
 * rise and fall, on the control plane's own small thread pool and kernel sockets.
 *
 * <p>Owns: each backend's up/down verdict. Must not: run on a worker or touch a worker's state;
 * it reports transitions, and the control plane publishes a new snapshot.
 */
package io.levitate.forwarder.health;
