package dev.vigil.runtime;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A runtime call that failed, with the reason the resolver counts and logs
 * ({@code vigil.runtime.errors{reason}}). The message names the socket and says what happened.
 */
public final class RuntimeCallException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why a call failed; {@link #tag()} is the metric's tag value. */
    public enum Reason {
        UNAVAILABLE, PERMISSION_DENIED, TIMEOUT, OTHER;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public RuntimeCallException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Classifies a failed gRPC call to the runtime listening on {@code socket}. */
    static RuntimeCallException from(StatusRuntimeException e, String socket) {
        Status.Code code = e.getStatus().getCode();
        String detail = describe(e);
        Reason reason = switch (code) {
            case DEADLINE_EXCEEDED -> Reason.TIMEOUT;
            case PERMISSION_DENIED, UNAUTHENTICATED -> Reason.PERMISSION_DENIED;
            case UNAVAILABLE -> detail.toLowerCase(Locale.ROOT).contains("permission denied")
                || socketUnreadable(socket) ? Reason.PERMISSION_DENIED : Reason.UNAVAILABLE;
            default -> Reason.OTHER;
        };
        String what = switch (reason) {
            case PERMISSION_DENIED -> "permission denied (the agent needs the socket's group; see deploy/README.md)";
            case UNAVAILABLE -> Files.exists(Path.of(socket)) ? "refused or closed (" + detail + ")" : "no such socket";
            case TIMEOUT -> "no answer in time";
            default -> code + " " + detail;
        };
        return new RuntimeCallException(reason, socket + ": " + what, e);
    }

    private static boolean socketUnreadable(String socket) {
        Path p = Path.of(socket);
        return Files.exists(p) && !(Files.isReadable(p) && Files.isWritable(p));
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            if (t.getMessage() != null) {
                sb.append(t.getMessage()).append("; ");
            }
        }
        return sb.toString();
    }
}
