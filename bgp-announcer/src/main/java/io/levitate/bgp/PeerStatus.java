package io.levitate.bgp;

/**
 * An immutable view of one session, published by the speaker thread whenever it changes and read
 * by the metrics exporter and the status file.
 *
 * @param peer                  the peer's address.
 * @param remoteAs              the peer's configured AS.
 * @param state                 FSM state name (Idle, Connect, Active, OpenSent, OpenConfirm, Established).
 * @param stateCode             0..5 in that order (for Prometheus).
 * @param sinceEpochMillis      when the state was entered.
 * @param flaps                 times the session left Established.
 * @param prefixesV4            IPv4 routes the peer holds from us now.
 * @param prefixesV6            IPv6 routes the peer holds from us now.
 * @param lastNotificationSent  description of the last NOTIFICATION sent, or null.
 * @param lastNotificationReceived description of the last NOTIFICATION received, or null.
 * @param lastError             last connection error (connect refused, hold timer, ...), or null.
 * @param negotiatedHoldSeconds hold time in force (Established only), else -1.
 */
public record PeerStatus(
        String peer,
        long remoteAs,
        String state,
        int stateCode,
        long sinceEpochMillis,
        long flaps,
        int prefixesV4,
        int prefixesV6,
        String lastNotificationSent,
        String lastNotificationReceived,
        String lastError,
        int negotiatedHoldSeconds) {
    public boolean established() {
        return stateCode == 5;
    }
}
