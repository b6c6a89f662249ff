package io.levitate.bgp.bfd;

import io.levitate.bgp.Log;
import io.levitate.bgp.net.Libc;
import io.levitate.packet.Addresses;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.random.RandomGenerator;

/**
 * The BFD sessions of one speaker and their sockets, driven by the thread that created it (the
 * speaker thread polls {@link #pollDescriptors}, calls {@link #onReadable} and {@link #onTimers}).
 * Demultiplexing follows RFC 5880 §6.8.6 / RFC 5881 §3: by Your Discriminator when it is nonzero,
 * else by the source address; either way the source must be the session's peer.
 *
 * <p>What BGP is told (RFC 5882 §3.2, and what bird2 and FRR do): a session that leaves Up tears
 * the BGP session down and keeps it down until BFD is Up again; a session that has never been Up
 * does not hold BGP back (the router may not run BFD yet), and a peer that signals AdminDown has
 * switched BFD off, not lost the path: BGP stays.
 */
public final class BfdEngine implements AutoCloseable {
    /** Told on the engine's thread, with monotonic milliseconds. */
    public interface Listener {
        void bfdUp(int peer, long nowMillis);

        /** The path is gone: close the BGP session and keep it closed until {@link #bfdUp}. */
        void bfdDown(int peer, long nowMillis, String why);
    }

    /** One session to run: the BGP peer's address, our source (or null: the kernel's), the parameters. */
    public record Spec(InetAddress peer, InetAddress local, BfdConfig config) {}

    /** How often a socket that failed to open (address not yet configured, port taken) is tried again. */
    static final long REOPEN_MICROS = 1_000_000;

    private static final class Peer {
        final Spec spec;
        final byte[] raw;
        final String name;
        final BfdSession session;
        int sendFd = -1;
        volatile String sendError;
        BfdState reported = BfdState.DOWN;
        volatile boolean everUp;
        long lastSendErrorLog = Long.MIN_VALUE;

        Peer(final Spec spec, final BfdSession session) {
            this.spec = spec;
            this.raw = spec.peer().getAddress();
            this.name = Addresses.format(spec.peer());
            this.session = session;
        }
    }

    private final Peer[] peers;
    private final int port;
    private final RandomGenerator random;
    private final Listener listener;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment cs = Libc.newCaptureState(arena);
    private final InetAddress[] rxBind;
    private final int[] rxFds;
    private final String[] rxErrors;
    private final AtomicLongArray drops = new AtomicLongArray(BfdWire.DROP_REASONS);
    private final boolean[] dropLogged = new boolean[BfdWire.DROP_REASONS];
    private final String[] error = new String[1];
    private final byte[] txBytes = new byte[BfdWire.LENGTH];
    private final MemorySegment txSegment = arena.allocate(BfdWire.LENGTH);
    private final byte[] rxBytes = new byte[BfdSockets.RECEIVE_BUFFER];
    private final byte[] srcRaw = new byte[16];
    private final MemorySegment msghdr = arena.allocate(BfdSockets.MSGHDR_LENGTH, 8);
    private final MemorySegment iov = arena.allocate(BfdSockets.IOVEC_LENGTH, 8);
    private final MemorySegment name = arena.allocate(128, 8);
    private final MemorySegment data = arena.allocate(BfdSockets.RECEIVE_BUFFER, 8);
    private final MemorySegment control = arena.allocate(BfdSockets.CONTROL_LENGTH, 8);
    private final BfdPacket packet = new BfdPacket();
    private long nextReopen = Long.MIN_VALUE;

    /**
     * @param specs    the sessions; their indexes are what the listener is told.
     * @param port     the receive (and destination) port: {@link BfdWire#CONTROL_PORT} except in tests.
     * @param random   discriminators, source ports and jitter.
     */
    public BfdEngine(
            final List<Spec> specs,
            final int port,
            final RandomGenerator random,
            final Listener listener,
            final long nowMicros) {
        this.port = port;
        this.random = random;
        this.listener = listener;
        this.peers = new Peer[specs.size()];
        final Set<Integer> discriminators = new java.util.HashSet<>();
        for (int i = 0; i < peers.length; i++) {
            int d;
            do {
                d = random.nextInt();
            } while (d == 0 || !discriminators.add(d));
            peers[i] = new Peer(specs.get(i), new BfdSession(d, specs.get(i).config(), random, nowMicros));
        }
        // Per family: the sessions' own source addresses if every session of the family has one
        // (two announcers on one host can then share port 3784), else the wildcard.
        final Set<InetAddress> binds = new LinkedHashSet<>();
        for (final boolean v4 : new boolean[] {true, false}) {
            final Set<InetAddress> locals = new LinkedHashSet<>();
            boolean wildcard = false;
            for (final Spec s : specs) {
                if ((s.peer() instanceof Inet4Address) == v4) {
                    wildcard |= s.local() == null;
                    if (s.local() != null) {
                        locals.add(s.local());
                    }
                }
            }
            if (wildcard) {
                binds.add(InetAddress.ofLiteral(v4 ? "0.0.0.0" : "::"));
            } else {
                binds.addAll(locals);
            }
        }
        rxBind = binds.toArray(new InetAddress[0]);
        rxFds = new int[rxBind.length];
        rxErrors = new String[rxBind.length];
        java.util.Arrays.fill(rxFds, -1);
        BfdSockets.prepare(msghdr, iov, name, data, control);
        for (final Peer p : peers) {
            Log.info("BFD " + p.name + ": " + p.spec.config().describe() + ", discriminator "
                    + Integer.toUnsignedString(p.session.localDiscriminator()));
        }
    }

    public int size() {
        return peers.length;
    }

    // ------------------------------------------------------------------ polling

    /** The most descriptors {@link #pollDescriptors} adds. */
    public int maxDescriptors() {
        return rxFds.length;
    }

    public int pollDescriptors(final int[] fds, final short[] events, final int at) {
        int n = at;
        for (final int fd : rxFds) {
            if (fd >= 0) {
                fds[n] = fd;
                events[n++] = Libc.POLLIN;
            }
        }
        return n - at;
    }

    public boolean owns(final int fd) {
        for (final int r : rxFds) {
            if (r == fd && fd >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The earliest monotonic microsecond at which {@link #onTimers} has work. */
    public long nextDeadlineMicros() {
        long d = nextReopen;
        for (final Peer p : peers) {
            d = Math.min(d, p.session.nextDeadline());
        }
        return d;
    }

    /** Detection, transmission, and (re)opening sockets that are not open yet. */
    public void onTimers(final long now) {
        if (now >= nextReopen) {
            nextReopen = openMissing() ? Long.MAX_VALUE : now + REOPEN_MICROS;
        }
        for (final Peer p : peers) {
            p.session.onTimers(now);
            report(p, now);
            transmitDue(p, now);
        }
    }

    private void transmitDue(final Peer p, final long now) {
        int n;
        while ((n = p.session.transmit(txBytes, now)) > 0) {
            if (p.sendFd < 0) {
                continue; // counted as sent by the session; the socket error is in the status
            }
            MemorySegment.copy(txBytes, 0, txSegment, ValueLayout.JAVA_BYTE, 0, n);
            if (Libc.send(cs, p.sendFd, txSegment, n, 0) < 0) {
                // ECONNREFUSED after an ICMP port unreachable (no BFD on the peer yet), ENETUNREACH
                // while the link is down: keep sending on schedule, say it once a minute.
                final String e = "send: " + Libc.strerror(Libc.errno(cs));
                p.sendError = e;
                if (now - p.lastSendErrorLog >= 60_000_000L) {
                    p.lastSendErrorLog = now;
                    Log.warn("BFD " + p.name + ": " + e);
                }
            } else if (p.sendError != null) {
                p.sendError = null;
            }
        }
    }

    /** Opens every socket not open yet; true when all are. */
    private boolean openMissing() {
        boolean all = true;
        for (int i = 0; i < rxFds.length; i++) {
            if (rxFds[i] < 0) {
                rxFds[i] = BfdSockets.openReceive(cs, arena, rxBind[i], port, error);
                if (rxFds[i] < 0) {
                    all = false;
                    if (!error[0].equals(rxErrors[i])) {
                        Log.warn("BFD: cannot receive on " + Addresses.withPort(rxBind[i], port) + ": " + error[0]
                                + "; retrying every second");
                    }
                    rxErrors[i] = error[0];
                } else {
                    rxErrors[i] = null;
                    Log.info("BFD: receiving on " + Addresses.withPort(rxBind[i], port));
                }
            }
        }
        for (final Peer p : peers) {
            if (p.sendFd < 0) {
                p.sendFd = BfdSockets.openSend(cs, arena, p.spec.peer(), p.spec.local(), port, random, error);
                if (p.sendFd < 0) {
                    all = false;
                    if (!error[0].equals(p.sendError)) {
                        Log.warn("BFD " + p.name + ": cannot send: " + error[0] + "; retrying every second");
                    }
                    p.sendError = error[0];
                } else {
                    p.sendError = null;
                }
            }
        }
        return all;
    }

    // ------------------------------------------------------------------ reception

    /** Reads every datagram waiting on {@code fd}. */
    public void onReadable(final int fd, final long now) {
        while (true) {
            BfdSockets.reset(msghdr, name, control);
            final long n = Libc.recvmsg(cs, fd, msghdr, 0);
            if (n < 0) {
                return; // EAGAIN: drained (other errors, e.g. a queued ICMP error, have nothing to read either)
            }
            final int length = (int) Math.min(n, rxBytes.length);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, rxBytes, 0, length);
            final int family = name.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
            final int srcLength;
            if (family == Libc.AF_INET) {
                MemorySegment.copy(name, ValueLayout.JAVA_BYTE, 4, srcRaw, 0, 4);
                srcLength = 4;
            } else {
                MemorySegment.copy(name, ValueLayout.JAVA_BYTE, 8, srcRaw, 0, 16);
                srcLength = 16;
            }
            process(rxBytes, length, BfdSockets.receivedTtl(msghdr, control), srcRaw, srcLength, now);
        }
    }

    /**
     * One received datagram: checks, demultiplexing, the session's state machine. Package-private
     * so tests can feed datagrams without a socket.
     *
     * @return {@link BfdWire#OK} or the drop reason (already counted).
     */
    int process(
            final byte[] in, final int length, final int ttl, final byte[] src, final int srcLength, final long now) {
        int verdict = BfdWire.decode(in, length, ttl, packet);
        Peer peer = null;
        if (verdict == BfdWire.OK) {
            if (packet.yourDiscriminator != 0) {
                peer = byDiscriminator(packet.yourDiscriminator);
                verdict = peer == null
                        ? BfdWire.DROP_UNKNOWN_YOUR_DISCRIMINATOR
                        : !sameAddress(peer, src, srcLength) ? BfdWire.DROP_UNKNOWN_PEER : BfdWire.OK;
            } else {
                peer = byAddress(src, srcLength);
                verdict = peer == null ? BfdWire.DROP_UNKNOWN_PEER : BfdWire.OK;
            }
        }
        if (verdict == BfdWire.OK) {
            verdict = peer.session.receive(packet, now);
            report(peer, now);
            transmitDue(peer, now); // a Final, or the news of a state change, goes out now
        }
        if (verdict != BfdWire.OK) {
            drops.incrementAndGet(verdict);
            if (!dropLogged[verdict]) {
                // Once per reason: enough to tell an operator what is arriving (a TTL of 254 means a
                // router in between), without a log line per packet.
                dropLogged[verdict] = true;
                Log.warn("BFD: dropped a packet from " + describe(src, srcLength) + ": " + BfdWire.dropName(verdict)
                        + (ttl != BfdWire.TTL ? " (TTL " + ttl + ")" : "") + "; further drops are only counted");
            }
        }
        return verdict;
    }

    private Peer byDiscriminator(final int d) {
        for (final Peer p : peers) {
            if (p.session.localDiscriminator() == d) {
                return p;
            }
        }
        return null;
    }

    private Peer byAddress(final byte[] src, final int srcLength) {
        for (final Peer p : peers) {
            if (sameAddress(p, src, srcLength)) {
                return p;
            }
        }
        return null;
    }

    private static boolean sameAddress(final Peer p, final byte[] src, final int srcLength) {
        if (p.raw.length != srcLength) {
            return false;
        }
        for (int i = 0; i < srcLength; i++) {
            if (p.raw[i] != src[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(final byte[] src, final int srcLength) {
        try {
            return Addresses.format(InetAddress.getByAddress(java.util.Arrays.copyOf(src, srcLength)));
        } catch (final java.net.UnknownHostException e) {
            return "?";
        }
    }

    /** Tells the listener about a change of state since the last report. */
    private void report(final Peer p, final long now) {
        final BfdState s = p.session.state();
        if (s == p.reported) {
            return;
        }
        final BfdState was = p.reported;
        p.reported = s;
        Log.info("BFD " + p.name + ": " + was.rfcName() + " -> " + s.rfcName()
                + (s == BfdState.UP
                        ? " (tx " + p.session.transmitInterval() / 1000 + " ms, detection "
                                + p.session.detectionTime() / 1000 + " ms)"
                        : " (" + BfdWire.diagName(p.session.localDiag()) + ")"));
        if (s == BfdState.UP) {
            p.everUp = true;
            listener.bfdUp(index(p), now / 1000);
        } else if (was == BfdState.UP) {
            if (p.session.remoteState() == BfdState.ADMIN_DOWN || s == BfdState.ADMIN_DOWN) {
                // RFC 5882 §3.2: AdminDown is not a path failure; the peer switched BFD off.
                p.everUp = false;
                Log.info("BFD " + p.name + ": AdminDown, so the BGP session is left alone");
                return;
            }
            listener.bfdDown(
                    index(p), now / 1000, "BFD session down (" + BfdWire.diagName(p.session.localDiag()) + ")");
        }
    }

    private int index(final Peer p) {
        for (int i = 0; i < peers.length; i++) {
            if (peers[i] == p) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    // ------------------------------------------------------------------ changes and status

    /** A live change of one session's parameters (a Poll Sequence while Up). */
    public void setConfig(final int peer, final BfdConfig config, final long now) {
        peers[peer].session.setConfig(config, now);
        Log.info("BFD " + peers[peer].name + ": parameters now " + config.describe()
                + (peers[peer].session.pollActive() ? " (Poll Sequence started)" : ""));
    }

    /**
     * RFC 5880 §6.8.16: tell every peer we are going away on purpose (AdminDown, diagnostic 7), so
     * that it does not read our silence as a path failure. One packet each, sent now.
     */
    public void adminDownAll(final long now) {
        for (final Peer p : peers) {
            p.session.adminDown(now);
            p.reported = p.session.state();
            transmitDue(p, now);
        }
    }

    /** True while the BGP session of {@code peer} is held down by BFD. */
    public boolean holdsBgp(final int peer) {
        return peers[peer].everUp && peers[peer].session.state() != BfdState.UP;
    }

    public long drops(final int reason) {
        return drops.get(reason);
    }

    /** A snapshot for metrics and status; any thread. */
    public List<BfdStatus> status() {
        final List<BfdStatus> out = new ArrayList<>(peers.length);
        for (final Peer p : peers) {
            final BfdSession s = p.session;
            out.add(new BfdStatus(
                    p.name,
                    s.state().rfcName(),
                    s.state().code(),
                    s.remoteState().rfcName(),
                    BfdWire.diagName(s.localDiag()),
                    Integer.toUnsignedLong(s.localDiscriminator()),
                    Integer.toUnsignedLong(s.remoteDiscriminator()),
                    s.transmitInterval(),
                    s.detectionTime(),
                    s.desiredMinTx(),
                    s.requiredMinRx(),
                    s.config().multiplier(),
                    s.remoteMinRx(),
                    s.remoteDesiredMinTx(),
                    s.remoteDetectMult(),
                    s.packetsSent(),
                    s.packetsReceived(),
                    s.upTransitions(),
                    s.downFromUp(),
                    s.pollSequences(),
                    s.finalsSent(),
                    s.sinceMicros(),
                    p.sendError,
                    p.everUp && s.state() != BfdState.UP));
        }
        return out;
    }

    @Override
    public void close() {
        for (int i = 0; i < rxFds.length; i++) {
            if (rxFds[i] >= 0) {
                Libc.close(cs, rxFds[i]);
                rxFds[i] = -1;
            }
        }
        for (final Peer p : peers) {
            if (p.sendFd >= 0) {
                Libc.close(cs, p.sendFd);
                p.sendFd = -1;
            }
        }
        arena.close();
    }
}
