/**
 * Hand-written FFM bindings to DPDK 22.11 in jextract style (one class per header area, static
 * final method handles and layouts) plus the C shim that re-exports DPDK's static-inline fast-path
 * functions, and the libc calls a worker needs (CPU affinity).
 *
 * <p>Owns: every downcall into native code and the start-up check that the struct offsets Java
 * assumes match the ones the shim was compiled with. Must not: contain forwarding logic or depend
 * on other Levitate modules.
 */
package io.levitate.dpdk;
