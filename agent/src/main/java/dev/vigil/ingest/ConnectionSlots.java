package dev.vigil.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Who holds the producers' places, and who gives one up. A producer is <em>active</em> while it
 * delivers lines the decoder accepts; a connection that has only connected, sends garbage, trickles
 * a line byte by byte or sends keep-alives is not. At the cap a newcomer takes the place of the
 * connection idle longest, preferring those that never delivered a line (oldest first), then those
 * quiet for at least {@link #activeGraceNanos} (quiet longest first); a producer that delivered a
 * line within that grace is never replaced, so one that has lines to send keeps its place. The
 * trusted producer (the sensor the agent started) is never replaced nor closed for idleness, and
 * always gets in: if no place is replaceable it takes the one idle longest all the same.
 *
 * <p>Separately, a connection with no line at all (keep-alives count) for the idle timeout is closed.
 *
 * <p>Threading: confined to the socket's event loop; time is passed in, so it is tested without a clock.
 *
 * @param <C> the connection (a channel; anything in tests)
 */
final class ConnectionSlots<C> {
    /** One place. Fields are the event loop's. */
    static final class Slot<C> {
        final C connection;
        final boolean trusted;
        final long connectedNanos;
        /** Last accepted line; meaningful only when {@link #delivered}. */
        long lastDeliveredNanos;
        boolean delivered;
        /** Last line of any kind, blank keep-alives included: what the idle timeout looks at. */
        long lastLineNanos;

        Slot(C connection, boolean trusted, long now) {
            this.connection = connection;
            this.trusted = trusted;
            this.connectedNanos = now;
            this.lastLineNanos = now;
        }
    }

    /** The verdict on a newcomer: admitted (with the slot it holds), and the place it took, if any. */
    record Admission<C>(Slot<C> slot, Slot<C> replaced) {
        boolean admitted() {
            return slot != null;
        }
    }

    private final int capacity;
    private final long activeGraceNanos;
    private final long idleTimeoutNanos;
    private final List<Slot<C>> slots = new ArrayList<>();

    ConnectionSlots(int capacity, long activeGraceNanos, long idleTimeoutNanos) {
        this.capacity = capacity;
        this.activeGraceNanos = activeGraceNanos;
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    /**
     * Admits {@code c}, taking a replaceable place when all are held. The caller closes
     * {@code replaced}'s connection (already removed here). Not admitted: refused, all places active.
     */
    Admission<C> admit(C c, boolean trusted, long now) {
        Slot<C> replaced = null;
        if (slots.size() >= capacity) {
            replaced = victim(now, trusted);
            if (replaced == null) {
                return new Admission<>(null, null);
            }
            slots.remove(replaced);
        }
        Slot<C> s = new Slot<>(c, trusted, now);
        slots.add(s);
        return new Admission<>(s, replaced);
    }

    private Slot<C> victim(long now, boolean forTrusted) {
        Slot<C> neverDelivered = null;
        Slot<C> quiet = null;
        for (Slot<C> s : slots) {
            if (s.trusted) {
                continue;
            }
            if (!s.delivered) {
                if (neverDelivered == null || s.connectedNanos - neverDelivered.connectedNanos < 0) {
                    neverDelivered = s;
                }
            } else if (quiet == null || s.lastDeliveredNanos - quiet.lastDeliveredNanos < 0) {
                quiet = s;
            }
        }
        if (neverDelivered != null) {
            return neverDelivered;
        }
        if (quiet != null && (forTrusted || now - quiet.lastDeliveredNanos >= activeGraceNanos)) {
            return quiet;
        }
        return null;
    }

    /** A line arrived on {@code s}; {@code accepted}: the decoder took it (not a reject, not a keep-alive). */
    void line(Slot<C> s, boolean accepted, long now) {
        s.lastLineNanos = now;
        if (accepted) {
            s.delivered = true;
            s.lastDeliveredNanos = now;
        }
    }

    /** The connection ended (closed by either side). */
    void remove(Slot<C> s) {
        slots.remove(s);
    }

    /** Removes and returns the connections with no line for the idle timeout (the trusted one never). */
    List<C> expire(long now) {
        List<C> out = new ArrayList<>();
        slots.removeIf(s -> {
            if (!s.trusted && now - s.lastLineNanos >= idleTimeoutNanos) {
                out.add(s.connection);
                return true;
            }
            return false;
        });
        return out;
    }

    int size() {
        return slots.size();
    }
}
