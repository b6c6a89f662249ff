package io.levitate.bgp.sidecar;

import io.levitate.bgp.PeerStatus;
import io.levitate.bgp.bfd.BfdStatus;

import java.util.List;
import java.util.Map;

/**
 * Renders the announcer's state as Prometheus text (exposition format 0.0.4) and as the JSON of
 * the status file / {@code /status} endpoint. No JSON library: the shape is small and fixed.
 */
public final class StatusRenderer
{
    private StatusRenderer()
    {
    }

    public static String prometheus(final Announcer a)
    {
        final StringBuilder sb = new StringBuilder(2048);
        help(sb, "levitate_bgp_session_state",
            "BGP FSM state per peer: 0 Idle, 1 Connect, 2 Active, 3 OpenSent, 4 OpenConfirm, 5 Established", "gauge");
        for (final PeerStatus p : a.peers())
        {
            sb.append("levitate_bgp_session_state{peer=\"").append(p.peer()).append("\"} ").append(p.stateCode()).append('\n');
        }
        help(sb, "levitate_bgp_session_established", "1 while the session is Established", "gauge");
        for (final PeerStatus p : a.peers())
        {
            sb.append("levitate_bgp_session_established{peer=\"").append(p.peer()).append("\"} ")
                .append(p.established() ? 1 : 0).append('\n');
        }
        help(sb, "levitate_bgp_session_flaps_total", "times the session left Established", "counter");
        for (final PeerStatus p : a.peers())
        {
            sb.append("levitate_bgp_session_flaps_total{peer=\"").append(p.peer()).append("\"} ").append(p.flaps()).append('\n');
        }
        help(sb, "levitate_bgp_prefixes_advertised", "routes the peer holds from us", "gauge");
        for (final PeerStatus p : a.peers())
        {
            sb.append("levitate_bgp_prefixes_advertised{peer=\"").append(p.peer()).append("\",afi=\"ipv4\"} ")
                .append(p.prefixesV4()).append('\n');
            sb.append("levitate_bgp_prefixes_advertised{peer=\"").append(p.peer()).append("\",afi=\"ipv6\"} ")
                .append(p.prefixesV6()).append('\n');
        }
        help(sb, "levitate_bgp_last_notification_info", "last NOTIFICATION sent to / received from the peer", "gauge");
        for (final PeerStatus p : a.peers())
        {
            if (p.lastNotificationSent() != null)
            {
                sb.append("levitate_bgp_last_notification_info{peer=\"").append(p.peer()).append("\",direction=\"sent\",reason=\"")
                    .append(label(p.lastNotificationSent())).append("\"} 1\n");
            }
            if (p.lastNotificationReceived() != null)
            {
                sb.append("levitate_bgp_last_notification_info{peer=\"").append(p.peer())
                    .append("\",direction=\"received\",reason=\"").append(label(p.lastNotificationReceived())).append("\"} 1\n");
            }
        }
        help(sb, "levitate_announcer_forwarder_alive", "1 while the forwarder's heartbeat is fresh", "gauge");
        sb.append("levitate_announcer_forwarder_alive ").append(a.forwarderAlive() ? 1 : 0).append('\n');
        help(sb, "levitate_announcer_vip_announced", "1 while the VIP is announced (2 with GRACEFUL_SHUTDOWN)", "gauge");
        final Map<java.net.InetAddress, Boolean> announced = a.announced();
        for (final Announcer.Vip v : a.vips())
        {
            final Boolean b = announced.get(v.address());
            sb.append("levitate_announcer_vip_announced{vip=\"").append(io.levitate.packet.Addresses.format(v.address())).append("\",services=\"")
                .append(label(String.join(",", v.serviceNames()))).append("\"} ").append(b == null ? 0 : b ? 2 : 1).append('\n');
        }
        help(sb, "levitate_announcer_vip_flaps_total", "withdrawals of an announced VIP because health went away", "counter");
        for (final Announcer.Vip v : a.vips())
        {
            sb.append("levitate_announcer_vip_flaps_total{vip=\"").append(io.levitate.packet.Addresses.format(v.address())).append("\"} ")
                .append(v.policy().flaps()).append('\n');
        }
        bfdPrometheus(sb, a.bfd(), a.bfdDrops());
        return sb.toString();
    }

    /** The BFD metrics (nothing when no peer enables BFD). */
    static void bfdPrometheus(final StringBuilder sb, final List<BfdStatus> sessions, final Map<String, Long> drops)
    {
        if (sessions.isEmpty())
        {
            return;
        }
        help(sb, "levitate_bfd_session_state", "BFD state per peer (RFC 5880): 0 AdminDown, 1 Down, 2 Init, 3 Up", "gauge");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_session_state{peer=\"").append(b.peer()).append("\"} ").append(b.stateCode()).append('\n');
        }
        help(sb, "levitate_bfd_session_up", "1 while the BFD session is Up", "gauge");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_session_up{peer=\"").append(b.peer()).append("\"} ").append(b.up() ? 1 : 0).append('\n');
        }
        help(sb, "levitate_bfd_bgp_held", "1 while BFD keeps the BGP session down (it went down after having been Up)", "gauge");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_bgp_held{peer=\"").append(b.peer()).append("\"} ").append(b.bgpHeld() ? 1 : 0).append('\n');
        }
        help(sb, "levitate_bfd_session_flaps_total", "times the BFD session left Up", "counter");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_session_flaps_total{peer=\"").append(b.peer()).append("\"} ").append(b.flaps()).append('\n');
        }
        help(sb, "levitate_bfd_tx_interval_seconds", "negotiated transmit interval before jitter (RFC 5880 6.8.7)", "gauge");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_tx_interval_seconds{peer=\"").append(b.peer()).append("\"} ")
                .append(seconds(b.txIntervalMicros())).append('\n');
        }
        help(sb, "levitate_bfd_detection_time_seconds", "negotiated detection time (RFC 5880 6.8.4); 0 before the peer is heard",
            "gauge");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_detection_time_seconds{peer=\"").append(b.peer()).append("\"} ")
                .append(seconds(b.detectionTimeMicros())).append('\n');
        }
        help(sb, "levitate_bfd_packets_sent_total", "BFD control packets sent", "counter");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_packets_sent_total{peer=\"").append(b.peer()).append("\"} ").append(b.packetsSent()).append('\n');
        }
        help(sb, "levitate_bfd_packets_received_total", "valid BFD control packets received for the session", "counter");
        for (final BfdStatus b : sessions)
        {
            sb.append("levitate_bfd_packets_received_total{peer=\"").append(b.peer()).append("\"} ")
                .append(b.packetsReceived()).append('\n');
        }
        help(sb, "levitate_bfd_packets_dropped_total", "received BFD packets dropped, by reason (RFC 5880 6.8.6, RFC 5881 5)",
            "counter");
        for (final Map.Entry<String, Long> e : drops.entrySet())
        {
            sb.append("levitate_bfd_packets_dropped_total{reason=\"").append(e.getKey()).append("\"} ").append(e.getValue())
                .append('\n');
        }
    }

    private static String seconds(final long micros)
    {
        return Double.toString(micros / 1e6);
    }

    private static void help(final StringBuilder sb, final String name, final String help, final String type)
    {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String label(final String s)
    {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    public static String json(final Announcer a)
    {
        final StringBuilder sb = new StringBuilder(1024);
        sb.append("{\n  \"instance\": ").append(str(a.config().instanceName()))
            .append(",\n  \"pid\": ").append(ProcessHandle.current().pid())
            .append(",\n  \"updated_ms\": ").append(System.currentTimeMillis())
            .append(",\n  \"started_ms\": ").append(a.startedAt())
            .append(",\n  \"draining\": ").append(a.draining())
            .append(",\n  \"forwarder\": {\"alive\": ").append(a.forwarderAlive())
            .append(", \"state\": ").append(a.forwarderState())
            .append(", \"reason\": ").append(str(a.forwarderReason())).append("},\n  \"peers\": [");
        boolean first = true;
        for (final PeerStatus p : a.peers())
        {
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"peer\": ").append(str(p.peer()))
                .append(", \"remote_as\": ").append(p.remoteAs())
                .append(", \"state\": ").append(str(p.state()))
                .append(", \"since_ms\": ").append(p.sinceEpochMillis())
                .append(", \"hold_time\": ").append(p.negotiatedHoldSeconds())
                .append(", \"flaps\": ").append(p.flaps())
                .append(", \"prefixes_v4\": ").append(p.prefixesV4())
                .append(", \"prefixes_v6\": ").append(p.prefixesV6())
                .append(", \"last_notification_sent\": ").append(str(p.lastNotificationSent()))
                .append(", \"last_notification_received\": ").append(str(p.lastNotificationReceived()))
                .append(", \"last_error\": ").append(str(p.lastError())).append('}');
        }
        sb.append("\n  ],\n  \"vips\": [");
        first = true;
        final Map<java.net.InetAddress, Boolean> announced = a.announced();
        for (int i = 0; i < a.vips().size(); i++)
        {
            final Announcer.Vip v = a.vips().get(i);
            final Boolean b = announced.get(v.address());
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"vip\": ").append(str(io.levitate.packet.Addresses.format(v.address())))
                .append(", \"services\": ").append(str(String.join(",", v.serviceNames())))
                .append(", \"announced\": ").append(b != null)
                .append(", \"graceful_shutdown\": ").append(Boolean.TRUE.equals(b))
                .append(", \"phase\": ").append(str(a.vipPhase(i)))
                .append(", \"flaps\": ").append(v.policy().flaps())
                .append(", \"reason\": ").append(str(v.policy().lastReason())).append('}');
        }
        sb.append("\n  ],\n  \"bfd\": [");
        first = true;
        for (final BfdStatus b : a.bfd())
        {
            sb.append(first ? "\n" : ",\n");
            first = false;
            sb.append("    {\"peer\": ").append(str(b.peer()))
                .append(", \"state\": ").append(str(b.state()))
                .append(", \"remote_state\": ").append(str(b.remoteState()))
                .append(", \"diagnostic\": ").append(str(b.localDiag()))
                .append(", \"tx_interval_ms\": ").append(b.txIntervalMicros() / 1000.0)
                .append(", \"detection_time_ms\": ").append(b.detectionTimeMicros() / 1000.0)
                .append(", \"multiplier\": ").append(b.multiplier())
                .append(", \"remote_min_rx_ms\": ").append(b.remoteMinRxMicros() / 1000.0)
                .append(", \"remote_min_tx_ms\": ").append(b.remoteMinTxMicros() / 1000.0)
                .append(", \"remote_multiplier\": ").append(b.remoteMultiplier())
                .append(", \"flaps\": ").append(b.flaps())
                .append(", \"bgp_held\": ").append(b.bgpHeld())
                .append(", \"error\": ").append(str(b.sendError())).append('}');
        }
        return sb.append("\n  ]\n}\n").toString();
    }

    private static String str(final String s)
    {
        if (s == null)
        {
            return "null";
        }
        final StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default ->
                {
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
