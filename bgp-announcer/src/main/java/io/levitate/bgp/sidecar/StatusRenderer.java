package io.levitate.bgp.sidecar;

import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.bfd.BfdStatus;
import io.levitate.core.counters.PrometheusText;
import java.util.List;
import java.util.Map;

/**
 * Renders the announcer's state as Prometheus text (exposition format 0.0.4, written by core's
 * {@link PrometheusText}, as the forwarder's exporter is) and as the JSON of the status file /
 * {@code /status} endpoint. No JSON library: the shape is small and fixed.
 */
public final class StatusRenderer {
    private StatusRenderer() {}

    public static String prometheus(final Announcer a) {
        final StringBuilder sb = new StringBuilder(2048);
        final PrometheusText text = new PrometheusText(sb);
        text.family(
                "levitate_bgp_session_state",
                "BGP FSM state per peer: 0 Idle, 1 Connect, 2 Active, 3 OpenSent, 4 OpenConfirm, 5 Established",
                "gauge");
        for (final PeerStatus p : a.peers()) {
            text.sample("levitate_bgp_session_state", p.stateCode(), "peer", p.peer());
        }
        text.family("levitate_bgp_session_established", "1 while the session is Established", "gauge");
        for (final PeerStatus p : a.peers()) {
            text.sample("levitate_bgp_session_established", p.established() ? 1 : 0, "peer", p.peer());
        }
        text.family("levitate_bgp_session_flaps_total", "times the session left Established", "counter");
        for (final PeerStatus p : a.peers()) {
            text.sample("levitate_bgp_session_flaps_total", p.flaps(), "peer", p.peer());
        }
        text.family("levitate_bgp_prefixes_advertised", "routes the peer holds from us", "gauge");
        for (final PeerStatus p : a.peers()) {
            text.sample("levitate_bgp_prefixes_advertised", p.prefixesV4(), "peer", p.peer(), "afi", "ipv4");
            text.sample("levitate_bgp_prefixes_advertised", p.prefixesV6(), "peer", p.peer(), "afi", "ipv6");
        }
        text.family(
                "levitate_bgp_last_notification_info", "last NOTIFICATION sent to / received from the peer", "gauge");
        for (final PeerStatus p : a.peers()) {
            if (p.lastNotificationSent() != null) {
                text.sample(
                        "levitate_bgp_last_notification_info",
                        1,
                        "peer",
                        p.peer(),
                        "direction",
                        "sent",
                        "reason",
                        p.lastNotificationSent());
            }
            if (p.lastNotificationReceived() != null) {
                text.sample(
                        "levitate_bgp_last_notification_info",
                        1,
                        "peer",
                        p.peer(),
                        "direction",
                        "received",
                        "reason",
                        p.lastNotificationReceived());
            }
        }
        text.family("levitate_announcer_forwarder_alive", "1 while the forwarder's heartbeat is fresh", "gauge");
        text.sample("levitate_announcer_forwarder_alive", a.forwarderAlive() ? 1 : 0);
        text.family(
                "levitate_announcer_vip_announced", "1 while the VIP is announced (2 with GRACEFUL_SHUTDOWN)", "gauge");
        final Map<java.net.InetAddress, Boolean> announced = a.announced();
        for (final Announcer.Vip v : a.vips()) {
            final Boolean b = announced.get(v.address());
            text.sample(
                    "levitate_announcer_vip_announced",
                    b == null ? 0 : b ? 2 : 1,
                    "vip",
                    io.levitate.packet.Addresses.format(v.address()),
                    "services",
                    String.join(",", v.serviceNames()));
        }
        text.family(
                "levitate_announcer_vip_flaps_total",
                "withdrawals of an announced VIP because health went away",
                "counter");
        for (final Announcer.Vip v : a.vips()) {
            text.sample(
                    "levitate_announcer_vip_flaps_total",
                    v.policy().flaps(),
                    "vip",
                    io.levitate.packet.Addresses.format(v.address()));
        }
        bfdPrometheus(sb, a.bfd(), a.bfdDrops());
        return sb.toString();
    }

    /** The BFD metrics (nothing when no peer enables BFD), appended to {@code sb}. */
    static void bfdPrometheus(final StringBuilder sb, final List<BfdStatus> sessions, final Map<String, Long> drops) {
        if (sessions.isEmpty()) {
            return;
        }
        final PrometheusText text = new PrometheusText(sb);
        text.family(
                "levitate_bfd_session_state",
                "BFD state per peer (RFC 5880): 0 AdminDown, 1 Down, 2 Init, 3 Up",
                "gauge");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_session_state", b.stateCode(), "peer", b.peer());
        }
        text.family("levitate_bfd_session_up", "1 while the BFD session is Up", "gauge");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_session_up", b.up() ? 1 : 0, "peer", b.peer());
        }
        text.family(
                "levitate_bfd_bgp_held",
                "1 while BFD keeps the BGP session down (it went down after having been Up)",
                "gauge");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_bgp_held", b.bgpHeld() ? 1 : 0, "peer", b.peer());
        }
        text.family("levitate_bfd_session_flaps_total", "times the BFD session left Up", "counter");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_session_flaps_total", b.flaps(), "peer", b.peer());
        }
        text.family(
                "levitate_bfd_tx_interval_seconds",
                "negotiated transmit interval before jitter (RFC 5880 6.8.7)",
                "gauge");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_tx_interval_seconds", seconds(b.txIntervalMicros()), "peer", b.peer());
        }
        text.family(
                "levitate_bfd_detection_time_seconds",
                "negotiated detection time (RFC 5880 6.8.4); 0 before the peer is heard",
                "gauge");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_detection_time_seconds", seconds(b.detectionTimeMicros()), "peer", b.peer());
        }
        text.family("levitate_bfd_packets_sent_total", "BFD control packets sent", "counter");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_packets_sent_total", b.packetsSent(), "peer", b.peer());
        }
        text.family(
                "levitate_bfd_packets_received_total", "valid BFD control packets received for the session", "counter");
        for (final BfdStatus b : sessions) {
            text.sample("levitate_bfd_packets_received_total", b.packetsReceived(), "peer", b.peer());
        }
        text.family(
                "levitate_bfd_packets_dropped_total",
                "received BFD packets dropped, by reason (RFC 5880 6.8.6, RFC 5881 5)",
                "counter");
        for (final Map.Entry<String, Long> e : drops.entrySet()) {
            text.sample("levitate_bfd_packets_dropped_total", e.getValue(), "reason", e.getKey());
        }
    }

    private static String seconds(final long micros) {
        return Double.toString(micros / 1e6);
    }

    public static String json(final Announcer a) {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("{\n  \"instance\": ")
                .append(str(a.config().instanceName()))
                .append(",\n  \"pid\": ")
                .append(ProcessHandle.current().pid())
                .append(",\n  \"updated_ms\": ")
                .append(System.currentTimeMillis())
                .append(",\n  \"started_ms\": ")
                .append(a.startedAt())
                .append(",\n  \"draining\": ")
                .append(a.draining())
                .append(",\n  \"forwarder\": {\"alive\": ")
                .append(a.forwarderAlive())
                .append(", \"state\": ")
                .append(a.forwarderState())
                .append(", \"reason\": ")
                .append(str(a.forwarderReason()))
                .append("},\n  \"peers\": [");
        boolean first = true;
        for (final PeerStatus p : a.peers()) {
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"peer\": ")
                    .append(str(p.peer()))
                    .append(", \"remote_as\": ")
                    .append(p.remoteAs())
                    .append(", \"state\": ")
                    .append(str(p.state()))
                    .append(", \"since_ms\": ")
                    .append(p.sinceEpochMillis())
                    .append(", \"hold_time\": ")
                    .append(p.negotiatedHoldSeconds())
                    .append(", \"flaps\": ")
                    .append(p.flaps())
                    .append(", \"prefixes_v4\": ")
                    .append(p.prefixesV4())
                    .append(", \"prefixes_v6\": ")
                    .append(p.prefixesV6())
                    .append(", \"last_notification_sent\": ")
                    .append(str(p.lastNotificationSent()))
                    .append(", \"last_notification_received\": ")
                    .append(str(p.lastNotificationReceived()))
                    .append(", \"last_error\": ")
                    .append(str(p.lastError()))
                    .append('}');
        }
        sb.append("\n  ],\n  \"vips\": [");
        first = true;
        final Map<java.net.InetAddress, Boolean> announced = a.announced();
        for (int i = 0; i < a.vips().size(); i++) {
            final Announcer.Vip v = a.vips().get(i);
            final Boolean b = announced.get(v.address());
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"vip\": ")
                    .append(str(io.levitate.packet.Addresses.format(v.address())))
                    .append(", \"services\": ")
                    .append(str(String.join(",", v.serviceNames())))
                    .append(", \"announced\": ")
                    .append(b != null)
                    .append(", \"graceful_shutdown\": ")
                    .append(Boolean.TRUE.equals(b))
                    .append(", \"phase\": ")
                    .append(str(a.vipPhase(i)))
                    .append(", \"flaps\": ")
                    .append(v.policy().flaps())
                    .append(", \"reason\": ")
                    .append(str(v.policy().lastReason()))
                    .append('}');
        }
        sb.append("\n  ],\n  \"bfd\": [");
        first = true;
        for (final BfdStatus b : a.bfd()) {
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"peer\": ")
                    .append(str(b.peer()))
                    .append(", \"state\": ")
                    .append(str(b.state()))
                    .append(", \"remote_state\": ")
                    .append(str(b.remoteState()))
                    .append(", \"diagnostic\": ")
                    .append(str(b.localDiag()))
                    .append(", \"tx_interval_ms\": ")
                    .append(b.txIntervalMicros() / 1000.0)
                    .append(", \"detection_time_ms\": ")
                    .append(b.detectionTimeMicros() / 1000.0)
                    .append(", \"multiplier\": ")
                    .append(b.multiplier())
                    .append(", \"remote_min_rx_ms\": ")
                    .append(b.remoteMinRxMicros() / 1000.0)
                    .append(", \"remote_min_tx_ms\": ")
                    .append(b.remoteMinTxMicros() / 1000.0)
                    .append(", \"remote_multiplier\": ")
                    .append(b.remoteMultiplier())
                    .append(", \"flaps\": ")
                    .append(b.flaps())
                    .append(", \"bgp_held\": ")
                    .append(b.bgpHeld())
                    .append(", \"error\": ")
                    .append(str(b.sendError()))
                    .append('}');
        }
        return sb.append("\n  ]\n}\n").toString();
    }

    private static String str(final String s) {
        if (s == null) {
            return "null";
        }
        final StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
