package io.levitate.bgp.bfd;

/**
 * One BFD session as the metrics and the status file show it (built on demand from the session's
 * volatile fields by the reading thread).
 *
 * @param peer                 the BGP peer's address.
 * @param state                AdminDown, Down, Init or Up.
 * @param stateCode            0..3 in that order (RFC 5880 §4.1 codes).
 * @param remoteState          the state the peer last reported.
 * @param localDiag            our diagnostic (why we last left Up), as RFC 5880 §4.1 names it.
 * @param localDiscriminator   bfd.LocalDiscr.
 * @param remoteDiscriminator  bfd.RemoteDiscr (0 until the peer is heard).
 * @param txIntervalMicros     the negotiated transmit interval before jitter (§6.8.7).
 * @param detectionTimeMicros  the negotiated detection time (§6.8.4), 0 before the first packet.
 * @param desiredMinTxMicros   what we advertise as Desired Min TX (1 s while not Up).
 * @param requiredMinRxMicros  what we advertise as Required Min RX.
 * @param multiplier           our Detect Mult.
 * @param remoteMinRxMicros    the peer's Required Min RX.
 * @param remoteMinTxMicros    the peer's Desired Min TX.
 * @param remoteMultiplier     the peer's Detect Mult.
 * @param packetsSent          control packets sent.
 * @param packetsReceived      valid control packets received for this session.
 * @param upTransitions        times the session came Up.
 * @param flaps                times it left Up.
 * @param pollSequences        Poll Sequences we started (§6.5).
 * @param finalsSent           Finals we sent in answer to the peer's Polls.
 * @param sinceMicros          monotonic microseconds when the state was entered.
 * @param sendError            the last socket error, or null.
 * @param bgpHeld              true while the BGP session is kept down because BFD went down.
 */
public record BfdStatus(
        String peer,
        String state,
        int stateCode,
        String remoteState,
        String localDiag,
        long localDiscriminator,
        long remoteDiscriminator,
        long txIntervalMicros,
        long detectionTimeMicros,
        long desiredMinTxMicros,
        long requiredMinRxMicros,
        int multiplier,
        long remoteMinRxMicros,
        long remoteMinTxMicros,
        int remoteMultiplier,
        long packetsSent,
        long packetsReceived,
        long upTransitions,
        long flaps,
        long pollSequences,
        long finalsSent,
        long sinceMicros,
        String sendError,
        boolean bgpHeld) {
    public boolean up() {
        return stateCode == BfdState.UP.code();
    }
}
