package io.levitate.bgp.fsm;

import java.net.InetAddress;
import java.util.Map;

/** The routes every session should carry now: VIP -> announce with GRACEFUL_SHUTDOWN (65535:0). */
public interface SpeakerRoutes {
    Map<InetAddress, Boolean> current();
}
