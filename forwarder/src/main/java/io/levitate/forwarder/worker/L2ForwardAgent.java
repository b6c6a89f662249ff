package io.levitate.forwarder.worker;

import io.levitate.dpdk.EthDev;
import io.levitate.dpdk.Mbuf;
import org.agrona.concurrent.Agent;

/**
 * The L2 "forward A to B" worker: for each (RX port, TX port) pair it owns, receive a burst on its
 * queue and transmit it unchanged on the same-numbered queue of the peer port; packets the TX ring
 * refuses are freed and counted. This is the duty-cycle skeleton the load-balancing pipeline fills
 * in: rx burst, process, tx burst.
 *
 * <p>Per burst: two downcalls (rx, tx), a third only when the TX ring was full, and release stores
 * of the counters. Nothing is allocated: the mbuf pointer array is off-heap and passed by address.
 */
public final class L2ForwardAgent implements Agent {
    /** Housekeeping (heartbeat) every 2^12 duty cycles: often enough for a 1 s liveness check. */
    private static final int HOUSEKEEPING_MASK = (1 << 12) - 1;

    private static final long POINTER_SIZE = 8;

    private final int worker;
    private final int cpu;
    private final int queue;
    private final int burst;
    private final int[] rxPorts;
    private final int[] txPorts;
    private final long mbufs;
    private final WorkerCounters counters;
    private final WorkerStartup startup;

    private int cycles;

    /**
     * @param mbufs address of an off-heap array of {@code burst} mbuf pointers, owned by this worker.
     */
    public L2ForwardAgent(
            final int worker,
            final int cpu,
            final int queue,
            final int burst,
            final int[] rxPorts,
            final int[] txPorts,
            final long mbufs,
            final WorkerCounters counters,
            final WorkerStartup startup) {
        if (rxPorts.length != txPorts.length) {
            throw new IllegalArgumentException("rx and tx port lists differ in length");
        }
        this.worker = worker;
        this.cpu = cpu;
        this.queue = queue;
        this.burst = burst;
        this.rxPorts = rxPorts.clone();
        this.txPorts = txPorts.clone();
        this.mbufs = mbufs;
        this.counters = counters;
        this.startup = startup;
    }

    @Override
    public void onStart() {
        startup.enterWorkerThread(cpu, counters);
    }

    @Override
    public int doWork() {
        int work = 0;
        final int[] rx = rxPorts;
        for (int i = 0; i < rx.length; i++) {
            work += forward(rx[i], txPorts[i]);
        }
        if ((++cycles & HOUSEKEEPING_MASK) == 0) {
            counters.heartbeat.setRelease(System.currentTimeMillis());
        }
        return work;
    }

    private int forward(final int rxPort, final int txPort) {
        final int received = EthDev.rxBurst(rxPort, queue, mbufs, burst);
        if (received == 0) {
            return 0;
        }
        final int sent = EthDev.txBurst(txPort, queue, mbufs, received);
        if (sent < received) {
            Mbuf.freeBulk(mbufs + sent * POINTER_SIZE, received - sent);
            counters.txDropped.getAndAddRelease(received - sent);
        }
        counters.rxPackets.getAndAddRelease(received);
        counters.txPackets.getAndAddRelease(sent);
        counters.rxBursts.incrementRelease();
        return received;
    }

    @Override
    public void onClose() {
        startup.leaveWorkerThread();
    }

    @Override
    public String roleName() {
        return "levitate-worker-" + worker;
    }
}
