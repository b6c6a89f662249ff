package io.levitate.bgp.fsm;

import io.levitate.bgp.FatalHandler;
import io.levitate.bgp.Log;
import io.levitate.bgp.PeerConfig;
import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.SpeakerConfig;
import io.levitate.bgp.bfd.BfdConfig;
import io.levitate.bgp.bfd.BfdEngine;
import io.levitate.bgp.bfd.BfdStatus;
import io.levitate.bgp.bfd.BfdWire;
import io.levitate.bgp.net.Libc;
import io.levitate.bgp.net.SocketAddresses;
import io.levitate.bgp.net.TcpMd5;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;

/**
 * The BGP speaker: one thread ("bgp-speaker") owns every socket, every timer and every session.
 * It sleeps in {@code poll(2)} until a socket is ready, a timer is due or another thread hands
 * it a command (route change, shutdown) through an eventfd. Nothing else runs on it, so
 * keepalives are never starved by route computation or health checks, and its steady state
 * (keepalives in and out) allocates nothing.
 *
 * <p>Other threads call {@link #setRoutes}, {@link #gracefulShutdown}, {@link #status}; they
 * never touch a session directly.
 */
public final class BgpSpeaker implements SpeakerRoutes, AutoCloseable {
    /** Upper bound on one poll, so a lost wakeup can never stall the loop for long. */
    private static final int MAX_POLL_MILLIS = 500;

    private final SpeakerConfig config;
    private final FatalHandler fatal;
    private final List<PeerSession> sessions = new ArrayList<>();
    private final Map<InetAddress, PeerSession> byAddress = new HashMap<>();
    private final ConcurrentLinkedQueue<LongConsumer> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final Arena sharedArena = Arena.ofShared();
    private final int wakeFd;
    private final MemorySegment wakeValue;
    private volatile Map<InetAddress, Boolean> desired = Map.of();
    private volatile boolean running = true;
    private volatile boolean frozen;
    private volatile List<PeerStatus> statusSnapshot = List.of();
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    private long shutdownDeadline = Long.MAX_VALUE;
    private String shutdownMessage;
    private CompletableFuture<Void> shutdownDone;
    private int listenFd = -1;
    /** BFD for the peers that enable it (null when none does); created and driven by the speaker thread. */
    private volatile BfdEngine bfd;
    /** The session of each BFD peer, by the engine's index. */
    private final List<PeerSession> bfdOwners = new ArrayList<>();

    public BgpSpeaker(final SpeakerConfig config) {
        this(config, FatalHandler.LOG_ONLY);
    }

    /** @param fatal told if the speaker thread dies of an unexpected exception (after it closed its sockets). */
    public BgpSpeaker(final SpeakerConfig config, final FatalHandler fatal) {
        this.config = config;
        this.fatal = fatal;
        final MemorySegment cs = Libc.newCaptureState(sharedArena);
        wakeFd = Libc.eventfd(cs, 0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd: " + Libc.strerror(Libc.errno(cs)));
        }
        wakeValue = sharedArena.allocate(ValueLayout.JAVA_LONG);
        wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
        thread = new Thread(this::run, "bgp-speaker");
        thread.setDaemon(true);
    }

    /** Starts the speaker thread; returns once the listener (if any) is bound or failed. */
    public BgpSpeaker start() {
        thread.start();
        started.join();
        return this;
    }

    /** The routes to carry from now on: VIP -> with GRACEFUL_SHUTDOWN. Ignored once a shutdown began. */
    public void setRoutes(final Map<InetAddress, Boolean> routes) {
        if (frozen) {
            return;
        }
        final Map<InetAddress, Boolean> copy = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        submit(now -> {
            if (!frozen) {
                desired = copy;
                for (final PeerSession s : sessions) {
                    s.syncRoutes(now);
                }
            }
        });
    }

    @Override
    public Map<InetAddress, Boolean> current() {
        return desired;
    }

    /**
     * RFC 8326 graceful shutdown: re-announce every route with GRACEFUL_SHUTDOWN, wait the
     * configured time, withdraw everything, then close every session with Cease/Administrative
     * Shutdown carrying {@code message} (RFC 9003). Sessions stay down afterwards.
     */
    public CompletableFuture<Void> gracefulShutdown(final String message) {
        return gracefulShutdown(message, config.gracefulShutdownMillis());
    }

    /** As {@link #gracefulShutdown(String)} with an explicit wait (0: withdraw at once). */
    public CompletableFuture<Void> gracefulShutdown(final String message, final long waitMillis) {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        frozen = true;
        submit(now -> {
            if (shutdownDone != null) {
                shutdownDone.whenComplete((v, t) -> done.complete(null));
                return;
            }
            shutdownDone = done;
            shutdownMessage = message;
            final Map<InetAddress, Boolean> gshut = new LinkedHashMap<>();
            for (final InetAddress a : desired.keySet()) {
                gshut.put(a, Boolean.TRUE);
            }
            desired = Collections.unmodifiableMap(gshut);
            for (final PeerSession s : sessions) {
                s.syncRoutes(now);
            }
            shutdownDeadline = gshut.isEmpty() ? now : now + waitMillis;
            Log.info("graceful shutdown: " + gshut.size() + " routes re-announced with GRACEFUL_SHUTDOWN (65535:0); "
                    + "withdraw in " + (shutdownDeadline - now) + " ms");
        });
        return done;
    }

    /**
     * Closes every session with Cease/Administrative Shutdown carrying {@code message} (after
     * whatever UPDATEs were queued before this call, such as a withdraw) and keeps them down, the
     * listener refusing the peers too, until {@link #reconnectNow}. For a forwarder that is
     * stopping: a bare-metal host's sessions would die with its exception path anyway, and a
     * Cease, unlike a hold timer expiry, leaves the peer free to reconnect at once (bird, for
     * one, waits its error wait time after an expiry, refusing connections meanwhile).
     */
    public void pause(final String message) {
        submit(now -> {
            if (shutdownDone == null) {
                for (final PeerSession s : sessions) {
                    s.adminShutdown(message, now);
                }
                Log.info("sessions closed (" + message + "); they reconnect when the forwarder is back");
            }
        });
    }

    /**
     * Every session that is not up connects now with a fresh backoff, paused ones included (the
     * forwarder is back: the reason for the failures or the pause is gone). Nothing after a
     * graceful shutdown began.
     */
    public void reconnectNow() {
        submit(now -> {
            if (shutdownDone == null) {
                for (final PeerSession s : sessions) {
                    s.reconnectNow(now);
                }
            }
        });
    }

    public List<PeerStatus> status() {
        return statusSnapshot;
    }

    public SpeakerConfig config() {
        return config;
    }

    /** The BFD sessions (RFC 5880), in the order of the peers that enable BFD; empty when none does. */
    public List<BfdStatus> bfdStatus() {
        final BfdEngine e = bfd;
        return e == null ? List.of() : e.status();
    }

    /** Received BFD packets dropped, by reason (the metric label), zero counts included; empty without BFD. */
    public Map<String, Long> bfdDrops() {
        final BfdEngine e = bfd;
        final Map<String, Long> out = new LinkedHashMap<>();
        if (e != null) {
            for (int r = 0; r < BfdWire.DROP_REASONS; r++) {
                out.put(BfdWire.dropName(r), e.drops(r));
            }
        }
        return out;
    }

    /**
     * Changes one peer's BFD parameters on the running session (a Poll Sequence when Up, RFC 5880
     * §6.5). Ignored for a peer without BFD.
     */
    public void setBfd(final InetAddress peer, final BfdConfig parameters) {
        submit(now -> {
            final BfdEngine e = bfd;
            final int i = bfdOwners.indexOf(byAddress.get(peer));
            if (e != null && i >= 0) {
                e.setConfig(i, parameters, Clock.monotonicMicros());
            }
        });
    }

    /** Runs {@code command} on the speaker thread (with its monotonic now). Package-private for tests. */
    void submit(final LongConsumer command) {
        commands.add(command);
        wake();
    }

    private void wake() {
        if (!sharedArena.scope().isAlive()) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(Libc.newCaptureState(arena), wakeFd, wakeValue, 8);
        }
    }

    // ------------------------------------------------------------------ the thread

    private void run() {
        final long start = Clock.monotonicMillis();
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment cs = Libc.newCaptureState(arena);
            for (final PeerConfig p : config.peers()) {
                final PeerSession s = new PeerSession(p, config, this, start);
                sessions.add(s);
                byAddress.put(p.address(), s);
            }
            startBfd();
            publishStatus();
            if (config.listen() != null) {
                openListener(arena, cs);
            }
            started.complete(null);
            final int maxFds = 2 + 2 * sessions.size() + (bfd == null ? 0 : bfd.maxDescriptors());
            final MemorySegment pollFds = arena.allocate(8L * maxFds, 4);
            final int[] fds = new int[maxFds];
            final short[] events = new short[maxFds];
            final PeerSession[] owners = new PeerSession[maxFds];
            final MemorySegment drain = arena.allocate(8);
            final MemorySegment acceptAddr = arena.allocate(SocketAddresses.SOCKADDR_STORAGE_LENGTH);
            final MemorySegment acceptLen = arena.allocate(ValueLayout.JAVA_INT);
            while (running) {
                long now = Clock.monotonicMillis();
                LongConsumer command;
                while ((command = commands.poll()) != null) {
                    command.accept(now);
                }
                if (now >= shutdownDeadline) {
                    finishShutdown(now);
                }
                // Indexed loops: this runs every wake-up and must not allocate iterators.
                for (int i = 0; i < sessions.size(); i++) {
                    sessions.get(i).onTimers(now);
                }
                if (bfd != null) {
                    bfd.onTimers(Clock.monotonicMicros());
                    publishStatus(); // a detection may just have ended a session: say so before sleeping
                }
                int n = 0;
                fds[n] = wakeFd;
                events[n] = Libc.POLLIN;
                owners[n++] = null;
                if (listenFd >= 0) {
                    fds[n] = listenFd;
                    events[n] = Libc.POLLIN;
                    owners[n++] = null;
                }
                long deadline = now + MAX_POLL_MILLIS;
                for (int j = 0; j < sessions.size(); j++) {
                    final PeerSession s = sessions.get(j);
                    final int added = s.pollDescriptors(fds, events, n);
                    for (int i = 0; i < added; i++) {
                        owners[n + i] = s;
                    }
                    n += added;
                    deadline = Math.min(deadline, s.nextDeadline());
                }
                if (bfd != null) {
                    final int added = bfd.pollDescriptors(fds, events, n);
                    for (int i = 0; i < added; i++) {
                        owners[n + i] = null;
                    }
                    n += added;
                    final long due = bfd.nextDeadlineMicros();
                    // Rounded up: waking a little early would only find nothing due and poll again at 0 ms.
                    deadline = Math.min(deadline, due == Long.MAX_VALUE ? Long.MAX_VALUE : Math.ceilDiv(due, 1000L));
                }
                deadline = Math.min(deadline, shutdownDeadline);
                for (int i = 0; i < n; i++) {
                    pollFds.set(ValueLayout.JAVA_INT, 8L * i, fds[i]);
                    pollFds.set(ValueLayout.JAVA_SHORT, 8L * i + 4, events[i]);
                    pollFds.set(ValueLayout.JAVA_SHORT, 8L * i + 6, (short) 0);
                }
                final int timeout = (int) Math.max(0, Math.min(MAX_POLL_MILLIS, deadline - now));
                final int ready = Libc.poll(cs, pollFds, n, timeout);
                if (ready <= 0) {
                    publishStatus();
                    continue;
                }
                now = Clock.monotonicMillis();
                for (int i = 0; i < n; i++) {
                    final short revents = pollFds.get(ValueLayout.JAVA_SHORT, 8L * i + 6);
                    if (revents == 0) {
                        continue;
                    }
                    if (fds[i] == wakeFd) {
                        Libc.read(cs, wakeFd, drain, 8);
                    } else if (fds[i] == listenFd && owners[i] == null) {
                        accept(cs, acceptAddr, acceptLen, now);
                    } else if (owners[i] == null && bfd != null && bfd.owns(fds[i])) {
                        bfd.onReadable(fds[i], Clock.monotonicMicros());
                    } else {
                        owners[i].onReady(fds[i], revents, now);
                    }
                }
                publishStatus();
            }
            for (final PeerSession s : sessions) {
                s.closeQuietly();
            }
            if (bfd != null) {
                // RFC 5880 §6.8.16: AdminDown tells the routers this is a stop, not a path failure.
                bfd.adminDownAll(Clock.monotonicMicros());
                bfd.close();
            }
            if (listenFd >= 0) {
                Libc.close(cs, listenFd);
            }
        } catch (final Throwable t) {
            died(t);
        }
    }

    /**
     * The loop threw: a bug. Nothing drives the sessions any more, so none may stay open: a BGP
     * session left to the kernel would keep our routes at the routers until their hold timer.
     * Every socket is closed without a word (the peers see the TCP close and withdraw at once; no
     * BFD AdminDown, which would tell them to leave BGP alone), then the fatal handler is told.
     */
    private void died(final Throwable t) {
        running = false;
        Log.warn("FATAL: thread " + Thread.currentThread().getName() + " died: " + t);
        t.printStackTrace();
        for (final PeerSession s : sessions) {
            try {
                s.closeQuietly();
            } catch (final Throwable ignored) {
                // Closing is best effort here; the process ends next anyway.
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment cs = Libc.newCaptureState(arena);
            if (listenFd >= 0) {
                Libc.close(cs, listenFd);
                listenFd = -1;
            }
            if (bfd != null) {
                bfd.close();
            }
        } catch (final Throwable ignored) {
            // As above.
        }
        started.completeExceptionally(t);
        fatal.fatal(Thread.currentThread().getName(), t);
    }

    private void startBfd() {
        final List<BfdEngine.Spec> specs = new ArrayList<>();
        for (final PeerSession s : sessions) {
            final PeerConfig p = s.peer();
            if (p.bfd() != null) {
                specs.add(new BfdEngine.Spec(p.address(), p.localAddress(), p.bfd()));
                bfdOwners.add(s);
            }
        }
        if (specs.isEmpty()) {
            return;
        }
        bfd = new BfdEngine(
                specs,
                BfdWire.CONTROL_PORT,
                new java.util.SplittableRandom(),
                new BfdEngine.Listener() {
                    @Override
                    public void bfdUp(final int peer, final long nowMillis) {
                        bfdOwners.get(peer).bfdUp(nowMillis);
                    }

                    @Override
                    public void bfdDown(final int peer, final long nowMillis, final String why) {
                        bfdOwners.get(peer).bfdDown(nowMillis, why);
                    }
                },
                Clock.monotonicMicros());
    }

    private void publishStatus() {
        // Rebuilt only when a session published a new snapshot (identity compare, no allocation otherwise).
        final List<PeerStatus> old = statusSnapshot;
        boolean changed = old.size() != sessions.size();
        for (int i = 0; !changed && i < sessions.size(); i++) {
            changed = old.get(i) != sessions.get(i).status();
        }
        if (changed) {
            final List<PeerStatus> next = new ArrayList<>(sessions.size());
            for (final PeerSession s : sessions) {
                next.add(s.status());
            }
            statusSnapshot = List.copyOf(next);
        }
    }

    private void finishShutdown(final long now) {
        shutdownDeadline = Long.MAX_VALUE;
        desired = Map.of();
        for (final PeerSession s : sessions) {
            s.syncRoutes(now);
        }
        for (final PeerSession s : sessions) {
            s.adminShutdown(shutdownMessage, now);
        }
        Log.info("graceful shutdown: routes withdrawn, sessions closed with Cease/Administrative Shutdown");
        publishStatus();
        shutdownDone.complete(null);
    }

    private void openListener(final Arena arena, final MemorySegment cs) {
        final InetAddress address = config.listen().getAddress();
        final boolean v6 = address instanceof Inet6Address;
        final int fd = Libc.socket(
                cs, v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            Log.warn("listener socket: " + Libc.strerror(Libc.errno(cs)));
            return;
        }
        final MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
        one.set(ValueLayout.JAVA_INT, 0, 1);
        Libc.setsockopt(cs, fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, one, 4);
        if (!address.isAnyLocalAddress()) {
            // Our address may not exist yet, or come and go: on a bare-metal host it lives on the
            // forwarder's exception-path TAP, which appears only once the forwarder runs and goes
            // with it. A listener bound with freebind is there whenever the address is.
            Libc.setsockopt(
                    cs,
                    fd,
                    v6 ? Libc.IPPROTO_IPV6 : Libc.IPPROTO_IP,
                    v6 ? Libc.IPV6_FREEBIND : Libc.IP_FREEBIND,
                    one,
                    4);
        }
        if (v6) {
            final MemorySegment zero = arena.allocate(ValueLayout.JAVA_INT);
            Libc.setsockopt(cs, fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, zero, 4); // accept IPv4 peers too
        }
        // Keys on a listener apply per remote address, so MD5 peers can connect to us.
        final MemorySegment sig = arena.allocate(TcpMd5.STRUCT_LENGTH);
        for (final PeerConfig p : config.peers()) {
            if (p.md5Password() != null) {
                InetAddress key = p.address();
                if (v6 && key.getAddress().length == 4) {
                    key = SocketAddresses.ipv4Mapped(key.getAddress());
                }
                TcpMd5.encode(sig, key, p.md5Password());
                if (Libc.setsockopt(cs, fd, Libc.IPPROTO_TCP, Libc.TCP_MD5SIG, sig, TcpMd5.STRUCT_LENGTH) < 0) {
                    Log.warn("listener TCP_MD5SIG for " + p.name() + ": " + Libc.strerror(Libc.errno(cs)));
                }
            }
        }
        final MemorySegment addr = arena.allocate(SocketAddresses.SOCKADDR_STORAGE_LENGTH);
        final int len = SocketAddresses.write(addr, address, config.listen().getPort());
        if (Libc.bind(cs, fd, addr, len) < 0 || Libc.listen(cs, fd, 16) < 0) {
            Log.warn("listen on " + config.listen() + ": " + Libc.strerror(Libc.errno(cs))
                    + "; passive peers cannot connect");
            Libc.close(cs, fd);
            return;
        }
        listenFd = fd;
        Log.info("listening for BGP connections on " + config.listen());
    }

    private void accept(final MemorySegment cs, final MemorySegment addr, final MemorySegment len, final long now) {
        while (true) {
            len.set(ValueLayout.JAVA_INT, 0, SocketAddresses.SOCKADDR_STORAGE_LENGTH);
            final int fd = Libc.accept4(cs, listenFd, addr, len, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0) {
                return;
            }
            // A v4 peer on a dual-stack listener arrives as ::ffff:a.b.c.d; getByAddress maps it back.
            final InetAddress from = SocketAddresses.readAddress(addr);
            final PeerSession s = from == null ? null : byAddress.get(from);
            if (s == null) {
                Log.warn("refused connection from unconfigured "
                        + (from == null ? "?" : io.levitate.packet.Addresses.format(from)));
                Libc.close(cs, fd);
                continue;
            }
            s.onAccepted(Connection.accepted(fd, now), now);
        }
    }

    /** Stops the thread and closes every socket without notifying peers (they see TCP close). */
    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(5_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            try (Arena arena = Arena.ofConfined()) {
                Libc.close(Libc.newCaptureState(arena), wakeFd);
            }
            sharedArena.close();
        }
    }
}
