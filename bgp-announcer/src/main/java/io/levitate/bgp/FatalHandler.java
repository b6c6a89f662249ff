package io.levitate.bgp;

/**
 * What happens when a thread the announcer cannot run without (the BGP speaker, the health watch)
 * dies of an exception nobody expected, a bug. Such a thread must not die quietly: its sockets
 * would stay open in the kernel, the routers would keep our routes until their hold timer, and
 * health changes would no longer be acted on. The process's handler ends the process (see
 * {@code AnnouncerMain}); tests record the call instead.
 */
@FunctionalInterface
public interface FatalHandler {
    /**
     * Nothing beyond what the dying thread did (log the failure, close what it owned): for tests
     * and embedders that decide for themselves. The process uses its own, which halts.
     */
    FatalHandler LOG_ONLY = (thread, cause) -> {};

    /**
     * Called once, on the dying thread, after it logged the failure and closed what it owned.
     *
     * @param thread the thread's name
     * @param cause  what escaped
     */
    void fatal(String thread, Throwable cause);
}
