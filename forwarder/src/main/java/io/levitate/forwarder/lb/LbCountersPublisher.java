package io.levitate.forwarder.lb;

import io.levitate.conntrack.ConntrackCounters;
import io.levitate.conntrack.ConntrackTable;
import io.levitate.core.counters.CountersLayout;
import io.levitate.packet.DropReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * Control-thread side of the load balancer's counters: sums what workers published
 * ({@link WorkerStats}, conntrack counters) into the counters file (docs/COUNTERS.md), every
 * heartbeat. Workers never touch these counters, so each has a single writer.
 */
public final class LbCountersPublisher {
    /** Conntrack figures per worker, in the order of their type ids (TYPE_WORKER_CONNTRACK_BASE + index). */
    private static final int[] CONNTRACK_FIGURES = {
        ConntrackCounters.HITS,
        ConntrackCounters.MISSES,
        ConntrackCounters.INSERTS,
        ConntrackCounters.EVICTIONS,
        ConntrackCounters.EXPIRATIONS,
        ConntrackCounters.FLOOD_GUARD_SKIPS,
        ConntrackCounters.OCCUPANCY,
        // Appended after occupancy so the earlier type ids stay what they were.
        ConntrackCounters.QUOTA_SKIPS,
        ConntrackCounters.WINDOW_FULL_SKIPS
    };

    private static final String[] CONNTRACK_NAMES = {
        "hits",
        "misses",
        "inserts",
        "evictions",
        "expirations",
        "flood-guard skips",
        "occupancy",
        "quota skips",
        "window-full skips"
    };

    private final CountersManager manager;
    private final List<WorkerStats> workers;
    private final List<ConntrackTable> conntracks;
    private final List<int[]> reasonIds = new ArrayList<>();
    private final List<AtomicCounter[]> drops = new ArrayList<>();
    private final List<AtomicCounter[]> conntrackCounters = new ArrayList<>();
    /** Per worker: exception path to kernel, from kernel, health probes tunnelled. */
    private final List<AtomicCounter[]> kernelCounters = new ArrayList<>();

    private final Map<Integer, AtomicCounter[]> services = new HashMap<>();
    private final Map<Integer, AtomicCounter[]> backends = new HashMap<>();
    /** The backend each id's counters are labelled with. */
    private final Map<Integer, String> backendLabels = new HashMap<>();

    public LbCountersPublisher(
            final CountersManager manager, final List<WorkerStats> workers, final List<ConntrackTable> conntracks) {
        this.manager = manager;
        this.workers = workers;
        this.conntracks = conntracks;
        final List<Integer> ids = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        for (final DropReason r : DropReason.values()) {
            if (r != DropReason.NONE) {
                ids.add(r.id());
                names.add(r.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        for (final ForwardDrop r : ForwardDrop.values()) {
            ids.add(r.id());
            names.add(r.name().toLowerCase(java.util.Locale.ROOT));
        }
        for (int w = 0; w < workers.size(); w++) {
            final int worker = w;
            final int[] reasonArray = ids.stream().mapToInt(Integer::intValue).toArray();
            final AtomicCounter[] counters = new AtomicCounter[reasonArray.length];
            for (int i = 0; i < reasonArray.length; i++) {
                counters[i] = manager.newCounter(
                        "worker " + w + ": drop " + names.get(i),
                        CountersLayout.TYPE_WORKER_DROP_BASE + reasonArray[i],
                        key -> key.putInt(0, worker));
            }
            reasonIds.add(reasonArray);
            drops.add(counters);
            final AtomicCounter[] ct = new AtomicCounter[CONNTRACK_FIGURES.length];
            for (int i = 0; i < ct.length; i++) {
                ct[i] = manager.newCounter(
                        "worker " + w + ": conntrack " + CONNTRACK_NAMES[i],
                        CountersLayout.TYPE_WORKER_CONNTRACK_BASE + i,
                        key -> key.putInt(0, worker));
            }
            conntrackCounters.add(ct);
            kernelCounters.add(new AtomicCounter[] {
                manager.newCounter(
                        "worker " + w + ": exception path to kernel",
                        CountersLayout.TYPE_WORKER_TO_KERNEL,
                        key -> key.putInt(0, worker)),
                manager.newCounter(
                        "worker " + w + ": exception path from kernel",
                        CountersLayout.TYPE_WORKER_FROM_KERNEL,
                        key -> key.putInt(0, worker)),
                manager.newCounter(
                        "worker " + w + ": health probes tunnelled",
                        CountersLayout.TYPE_WORKER_HEALTH_PROBES,
                        key -> key.putInt(0, worker))
            });
        }
    }

    /** Sums worker statistics into the counters file; call on the control thread only. */
    public void update(final DataPlaneSnapshot snapshot) {
        for (int w = 0; w < workers.size(); w++) {
            final WorkerStats stats = workers.get(w);
            final int[] ids = reasonIds.get(w);
            final AtomicCounter[] counters = drops.get(w);
            for (int i = 0; i < ids.length; i++) {
                counters[i].setRelease(stats.drop(ids[i]));
            }
            final ConntrackCounters ct = conntracks.get(w).counters();
            final AtomicCounter[] ctCounters = conntrackCounters.get(w);
            for (int i = 0; i < CONNTRACK_FIGURES.length; i++) {
                ctCounters[i].setRelease(ct.getAcquire(CONNTRACK_FIGURES[i]));
            }
            kernelCounters.get(w)[0].setRelease(stats.toKernelPackets());
            kernelCounters.get(w)[1].setRelease(stats.fromKernelPackets());
            kernelCounters.get(w)[2].setRelease(stats.healthProbePackets());
        }
        for (final ServiceState service : snapshot.services()) {
            final AtomicCounter[] c = services.computeIfAbsent(service.index, i -> serviceCounters(service));
            long packets = 0;
            long bytes = 0;
            long flows = 0;
            for (final WorkerStats stats : workers) {
                packets += stats.service(service.index, 0);
                bytes += stats.service(service.index, 1);
                flows += stats.service(service.index, 2);
            }
            c[0].setRelease(service.healthyBackends);
            c[1].setRelease(packets);
            c[2].setRelease(bytes);
            c[3].setRelease(flows);
        }
        for (int id = 0; id < snapshot.backendCount(); id++) {
            final int service = snapshot.backendService(id);
            if (service < 0) {
                continue;
            }
            AtomicCounter[] c = backends.get(id);
            if (c != null && !snapshot.backendName(id).equals(backendLabels.get(id))) {
                // The id now names another backend (ids are reused once no flow holds them): the
                // old backend's counters leave the file, the new one's start from its own counts.
                for (final AtomicCounter counter : c) {
                    counter.close();
                }
                c = null;
            }
            if (c == null) {
                c = backendCounters(snapshot, id);
                backends.put(id, c);
                backendLabels.put(id, snapshot.backendName(id));
            }
            long packets = 0;
            long bytes = 0;
            long flows = 0;
            for (final WorkerStats stats : workers) {
                packets += stats.backend(id, 0);
                bytes += stats.backend(id, 1);
                flows += stats.backend(id, 2);
            }
            c[0].setRelease(packets);
            c[1].setRelease(bytes);
            c[2].setRelease(flows);
            c[3].setRelease(snapshot.backendStates.isDown(id) ? 0 : 1);
        }
    }

    private AtomicCounter[] serviceCounters(final ServiceState service) {
        final byte[] key = CountersLayout.serviceKey(
                service.table.config().vip(),
                service.table.config().protocol(),
                service.table.config().port());
        final String p = "service " + service.name + ": ";
        return new AtomicCounter[] {
            manager.newCounter(
                    p + "healthy backends", CountersLayout.TYPE_SERVICE_HEALTHY_BACKENDS, k -> k.putBytes(0, key)),
            manager.newCounter(p + "packets", CountersLayout.TYPE_SERVICE_PACKETS, k -> k.putBytes(0, key)),
            manager.newCounter(p + "bytes", CountersLayout.TYPE_SERVICE_BYTES, k -> k.putBytes(0, key)),
            manager.newCounter(p + "new flows", CountersLayout.TYPE_SERVICE_NEW_FLOWS, k -> k.putBytes(0, key))
        };
    }

    private AtomicCounter[] backendCounters(final DataPlaneSnapshot snapshot, final int id) {
        ServiceState service = null;
        for (final ServiceState s : snapshot.services()) {
            if (s.index == snapshot.backendService(id)) {
                service = s;
            }
        }
        final byte[] key = CountersLayout.serviceKey(
                service.table.config().vip(),
                service.table.config().protocol(),
                service.table.config().port());
        final String p = "backend " + snapshot.backendName(id) + ": ";
        return new AtomicCounter[] {
            manager.newCounter(p + "packets", CountersLayout.TYPE_BACKEND_PACKETS, k -> k.putBytes(0, key)),
            manager.newCounter(p + "bytes", CountersLayout.TYPE_BACKEND_BYTES, k -> k.putBytes(0, key)),
            manager.newCounter(p + "new flows", CountersLayout.TYPE_BACKEND_NEW_FLOWS, k -> k.putBytes(0, key)),
            manager.newCounter(p + "up", CountersLayout.TYPE_BACKEND_HEALTH, k -> k.putBytes(0, key))
        };
    }
}
