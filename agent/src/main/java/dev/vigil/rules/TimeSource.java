package dev.vigil.rules;

import dev.vigil.event.Event;
import dev.vigil.event.Field;

import java.time.Clock;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * What "now" is for aggregate windows and baseline learning periods: the event's own time
 * ({@code evt.rawtime}; for replay, so a file gives the same alerts however fast it is read) or the
 * wall clock (live). Immutable; thread-safe if the clock is.
 */
public final class TimeSource {
    private final LongSupplier wallNanos;

    private TimeSource(LongSupplier wallNanos) {
        this.wallNanos = wallNanos;
    }

    /** Event time: {@code evt.rawtime} drives windows. */
    public static TimeSource eventTime() {
        return new TimeSource(null);
    }

    /** Wall time from a clock giving ns since the epoch (tests inject a fake). */
    public static TimeSource wallTime(LongSupplier epochNanos) {
        return new TimeSource(epochNanos);
    }

    public static TimeSource wallTime(Clock clock) {
        return new TimeSource(() -> {
            Instant i = clock.instant();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        });
    }

    public boolean isEventTime() {
        return wallNanos == null;
    }

    long now(Event e) {
        return wallNanos == null ? e.getLong(Field.EVT_RAWTIME) : wallNanos.getAsLong();
    }
}
