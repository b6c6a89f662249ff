package io.levitate.bgp.sidecar;

import io.levitate.bgp.FatalHandler;
import io.levitate.bgp.Log;
import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.config.AnnouncerConfig;
import io.levitate.bgp.config.ServiceConfig;
import io.levitate.bgp.fsm.BgpSpeaker;
import io.levitate.core.counters.CountersLayout;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The sidecar: watches the forwarder through its counters file and tells the speaker which VIPs
 * to carry. Its watch thread ("health-watch") polls every {@link #POLL_MILLIS}; with the 500 ms
 * heartbeat rule that bounds the withdraw after a forwarder dies at ~0.55 s plus one BGP message.
 * A forwarder that is stopping says so (state 3) and keeps forwarding for its stop grace: the
 * VIPs are withdrawn and the sessions closed with a Cease within one poll, while its exception
 * path still carries them. When the forwarder comes back (heartbeat fresh again, or state
 * running again) every session that is not up connects at once with a fresh backoff.
 * The speaker's own thread keeps the sessions; this thread never touches a socket.
 */
public final class Announcer implements AutoCloseable {
    /**
     * A stopping forwarder forwards only for its grace (2 s by default): the withdraw must leave
     * within a small part of it. Each poll is a scan of a few hundred counter records.
     */
    static final long POLL_MILLIS = 10;
    /** The status file is rewritten at most this often (and on every change of what is announced). */
    static final long STATUS_FILE_MILLIS = 1_000;

    /** One announced address and the services behind it. */
    public record Vip(InetAddress address, List<Integer> serviceIndexes, List<String> serviceNames, VipPolicy policy) {}

    private final AnnouncerConfig config;
    private final BgpSpeaker speaker;
    private final FatalHandler fatal;
    private final ForwarderCounters counters;
    private final List<Vip> vips = new ArrayList<>();
    private final Thread watcher;
    private volatile boolean running = true;
    private volatile boolean draining;
    private volatile Map<InetAddress, Boolean> announced = Map.of();
    private volatile String forwarderReason = "not read yet";
    private volatile boolean forwarderAlive;
    private volatile long forwarderState = -1;
    private volatile String[] vipPhases;
    private final long startedAt = System.currentTimeMillis();
    private long lastStatusWrite;
    private MetricsServer metrics;

    public Announcer(final AnnouncerConfig config) {
        this(config, FatalHandler.LOG_ONLY);
    }

    /**
     * @param fatal told when the speaker thread or the watch thread dies of an unexpected exception
     *              (a bug); the process's handler ends the process ({@link AnnouncerMain}).
     */
    public Announcer(final AnnouncerConfig config, final FatalHandler fatal) {
        this.config = config;
        this.fatal = fatal;
        this.speaker = new BgpSpeaker(config.speaker(), fatal);
        final List<ServiceConfig> services = config.services();
        final byte[][] keys = new byte[services.size()][];
        final Map<InetAddress, List<Integer>> byVip = new LinkedHashMap<>();
        for (int i = 0; i < services.size(); i++) {
            keys[i] = services.get(i).counterKey();
            if (services.get(i).announce()) {
                byVip.computeIfAbsent(services.get(i).vip(), v -> new ArrayList<>())
                        .add(i);
            }
        }
        for (final Map.Entry<InetAddress, List<Integer>> e : byVip.entrySet()) {
            final List<String> names =
                    e.getValue().stream().map(i -> services.get(i).name()).toList();
            vips.add(new Vip(
                    e.getKey(),
                    List.copyOf(e.getValue()),
                    names,
                    new VipPolicy(config.announceDelayMillis(), config.speaker().gracefulShutdownMillis())));
        }
        vipPhases = new String[vips.size()];
        java.util.Arrays.fill(vipPhases, "withdrawn");
        this.counters = new ForwarderCounters(config.countersFile(), keys);
        this.watcher = new Thread(this::watch, "health-watch");
        this.watcher.setDaemon(true);
    }

    public Announcer start() throws IOException {
        speaker.start();
        if (config.metricsListen() != null) {
            metrics = new MetricsServer(config.metricsListen(), this);
        }
        watcher.start();
        Log.info("announcer for instance '" + config.instanceName() + "': " + vips.size() + " VIPs, "
                + config.speaker().peers().size()
                + " peers, watching " + config.countersFile()
                + (metrics != null
                        ? ", metrics on http://"
                                + (config.metricsListen().getAddress() != null
                                        ? io.levitate.packet.Addresses.withPort(
                                                config.metricsListen().getAddress(), metrics.port())
                                        : config.metricsListen().getHostString() + ":" + metrics.port())
                                + "/metrics"
                        : ""));
        return this;
    }

    /**
     * The watch thread. A RuntimeException in one round is logged and the next round goes on; what
     * escapes anyway (an Error, a bug outside the guarded part) would leave the VIPs as they are
     * with nobody watching, so it is fatal.
     */
    private void watch() {
        try {
            watchLoop();
        } catch (final Throwable t) {
            Log.warn("FATAL: thread " + Thread.currentThread().getName() + " died: " + t);
            t.printStackTrace();
            fatal.fatal(Thread.currentThread().getName(), t);
        }
    }

    private void watchLoop() {
        String lastForwarderReason = "";
        boolean wasAlive = false;
        long lastState = -1;
        boolean paused = false;
        while (running) {
            final long wall = System.currentTimeMillis();
            final long now = System.nanoTime() / 1_000_000L;
            try {
                final boolean alive = counters.poll(wall);
                final long state = counters.state();
                forwarderAlive = alive;
                forwarderState = state;
                forwarderReason = counters.reason();
                final String fwd = alive ? "forwarder state " + state : counters.reason();
                if (!fwd.equals(lastForwarderReason)
                        && !(fwd.startsWith("heartbeat is") && lastForwarderReason.startsWith("heartbeat is"))) {
                    Log.info("forwarder: " + fwd);
                    lastForwarderReason = fwd;
                }
                final Map<InetAddress, Boolean> want = new LinkedHashMap<>();
                for (int v = 0; v < vips.size(); v++) {
                    final Vip vip = vips.get(v);
                    long healthy = 0;
                    for (final int s : vip.serviceIndexes()) {
                        healthy = Math.max(healthy, counters.healthyBackends(s));
                    }
                    final boolean up = alive && state == CountersLayout.STATE_RUNNING && healthy > 0;
                    final boolean drainingForwarder = alive && state == CountersLayout.STATE_DRAINING;
                    final String why = !alive
                            ? counters.reason()
                            : state != CountersLayout.STATE_RUNNING && !drainingForwarder
                                    ? "forwarder state " + state
                                    : healthy > 0 ? healthy + " healthy backends" : "no healthy backend";
                    final VipPolicy.Verdict verdict = vip.policy().step(now, up, drainingForwarder, why);
                    vipPhases[v] = vip.policy().phase();
                    if (verdict != VipPolicy.Verdict.WITHDRAW) {
                        want.put(vip.address(), verdict == VipPolicy.Verdict.ANNOUNCE_GRACEFUL_SHUTDOWN);
                    }
                }
                if (!draining && !want.equals(announced)) {
                    logChanges(announced, want);
                    announced = Map.copyOf(want);
                    speaker.setRoutes(want);
                    writeStatus(wall);
                }
                final boolean stopping = alive && state == CountersLayout.STATE_STOPPING;
                if (!draining && stopping && !paused) {
                    // After the withdraw above, on the speaker's queue: the peers drop the routes
                    // and then the session, while the forwarder still carries both.
                    paused = true;
                    speaker.pause("levitate forwarder stopping");
                } else if (!draining && alive && !stopping && (paused || !wasAlive || state != lastState)) {
                    // The forwarder is back (a new one, or the same one running again): whatever
                    // failed or was paused while it was away may work now, so do not wait out a
                    // backoff that grew meanwhile.
                    if (paused || !wasAlive) {
                        Log.info("forwarder back (state " + state + "): sessions that are not up connect now");
                    }
                    paused = false;
                    speaker.reconnectNow();
                }
                wasAlive = alive;
                lastState = alive ? state : -1;
                if (wall - lastStatusWrite >= STATUS_FILE_MILLIS) {
                    writeStatus(wall);
                }
            } catch (final RuntimeException e) {
                // A surprise in the reader must not stop the watch: log it and keep going.
                Log.warn("health watch: " + e);
            }
            LockSupport.parkNanos(POLL_MILLIS * 1_000_000L);
        }
    }

    private void logChanges(final Map<InetAddress, Boolean> before, final Map<InetAddress, Boolean> after) {
        for (final Vip vip : vips) {
            final Boolean b = before.get(vip.address());
            final Boolean a = after.get(vip.address());
            if (!java.util.Objects.equals(a, b)) {
                final String what = a == null ? "withdraw" : a ? "announce with GRACEFUL_SHUTDOWN" : "announce";
                Log.info(what + " " + io.levitate.packet.Addresses.format(vip.address()) + " " + vip.serviceNames()
                        + ": " + vip.policy().lastReason());
            }
        }
    }

    /** RFC 8326 drain of every VIP, then Cease to every peer; the sessions stay down. */
    public CompletableFuture<Void> drain(final String message) {
        return drain(message, config.speaker().gracefulShutdownMillis());
    }

    public CompletableFuture<Void> drain(final String message, final long waitMillis) {
        draining = true;
        Log.info("drain: graceful shutdown of " + announced.size() + " announced VIPs (" + message + ")");
        return speaker.gracefulShutdown(message, waitMillis).whenComplete((v, t) -> {
            announced = Map.of();
            writeStatus(System.currentTimeMillis());
        });
    }

    public boolean draining() {
        return draining;
    }

    public AnnouncerConfig config() {
        return config;
    }

    public List<PeerStatus> peers() {
        return speaker.status();
    }

    public List<Vip> vips() {
        return vips;
    }

    /** The BFD sessions of the peers that enable BFD. */
    public List<io.levitate.bgp.bfd.BfdStatus> bfd() {
        return speaker.bfdStatus();
    }

    /** Received BFD packets dropped, by reason. */
    public Map<String, Long> bfdDrops() {
        return speaker.bfdDrops();
    }

    public Map<InetAddress, Boolean> announced() {
        return announced;
    }

    public boolean forwarderAlive() {
        return forwarderAlive;
    }

    public long forwarderState() {
        return forwarderState;
    }

    public String forwarderReason() {
        return forwarderReason;
    }

    public String vipPhase(final int index) {
        return vipPhases[index];
    }

    public long startedAt() {
        return startedAt;
    }

    /** The status file (JSON, see package-info): replaced atomically so readers never see half of it. */
    private synchronized void writeStatus(final long wall) {
        lastStatusWrite = wall;
        final Path target = config.statusFile();
        try {
            Files.createDirectories(target.getParent());
            final Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, StatusRenderer.json(this), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            if (lastStatusWrite == wall) {
                Log.warn("cannot write " + target + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        watcher.interrupt();
        try {
            watcher.join(2_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (metrics != null) {
            metrics.close();
        }
        speaker.close();
        counters.close();
        try {
            Files.deleteIfExists(config.statusFile());
        } catch (final IOException e) {
            // Best effort: a stale status file says "not running" through its timestamp.
        }
    }
}
