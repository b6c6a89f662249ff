/**
 * What the forwarder and the announcer share, so that both processes read one configuration file
 * by one set of rules and one counters file by one layout. Sub-packages own the configuration
 * schema and binder, the counters layout with its reader and Prometheus writer, and the runtime
 * directories. Nothing here touches DPDK, a socket or a worker thread.
 */
package io.levitate.core;
