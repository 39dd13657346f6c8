package dev.vigil.cli;

import java.nio.file.Path;
import org.slf4j.Logger;

/**
 * SIGHUP reloads the rules, but an ignored signal stays ignored across exec, and the JVM silently
 * declines to handle a signal it inherited as ignored (started under {@code nohup}, or by a
 * supervisor that ignores it): {@code kill -HUP} would then do nothing at all. So before the handler
 * is registered, an inherited "ignore" is put back to the default.
 */
final class HangupSignal {
    private HangupSignal() {
    }

    /** True if SIGHUP was ignored and is now back to the default (the caller registers its handler next). */
    static boolean restoreIfIgnored(Logger log) {
        long ignored = LinuxCalls.statusHex(Path.of("/proc/self/status"), "SigIgn:");
        if ((ignored & (1L << (LinuxCalls.SIGHUP - 1))) == 0) {
            return false;
        }
        try {
            LinuxCalls.libc().signal(LinuxCalls.SIGHUP, null);
        } catch (UnsatisfiedLinkError | RuntimeException e) { // LastErrorException is one
            log.warn("SIGHUP is ignored by this process (started under nohup?) and could not be restored: "
                + "kill -HUP will not reload the rules ({})", e.getMessage());
            return false;
        }
        log.info("SIGHUP was ignored when the agent started (nohup?); it reloads the rules again");
        return true;
    }
}
