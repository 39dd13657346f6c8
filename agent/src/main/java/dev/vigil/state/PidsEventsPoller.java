package dev.vigil.state;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import dev.vigil.runtime.ContainerIdentity;
import io.micrometer.core.instrument.Clock;
import java.util.function.Consumer;

/**
 * Reads each known container's {@code pids.events} (the kernel's count of forks refused at
 * {@code pids.max}) and synthesizes a {@code pids_max_hit} event for each rise of its {@code max}
 * counter, so that a fork bomb is confirmed even when the sensor lost the clone events in the flood.
 * Also forgets containers with no live process for {@link StateEnricher#CONTAINER_IDLE_NANOS}, unless
 * the runtime identified them (those leave on its delete event, or by eviction when the table is full).
 *
 * <p>Threading: pipeline thread only (between batches). Reads files: allocates, once a second.
 */
final class PidsEventsPoller {
    private static final int PIDS_MAX_HIT_TYPE = EventTypes.id(StateEnricher.PIDS_MAX_HIT);

    private final ContainerTable containers;
    private final EventFiller filler;
    private final StateMetrics metrics;
    private final Clock clock;
    private final char[] scratch = new char[24];
    private long lastPollNanos = Long.MIN_VALUE;

    PidsEventsPoller(ContainerTable containers, EventFiller filler, StateMetrics metrics, Clock clock) {
        this.containers = containers;
        this.filler = filler;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** See {@link StateEnricher#pollPidsEvents}. */
    int poll(long nowNanos, Event slot, Consumer<Event> sink) {
        if (lastPollNanos != Long.MIN_VALUE && nowNanos - lastPollNanos < StateEnricher.POLL_INTERVAL_NANOS) {
            return 0;
        }
        lastPollNanos = nowNanos;
        ContainerTable ct = containers;
        int hits = 0;
        for (int c = 0; c < ct.capacity(); c++) {
            if (!ct.used[c]) {
                continue;
            }
            if (ct.live[c] > 0) {
                ct.lastSeenNanos[c] = nowNanos;
            } else if (ct.identity[c] == null && nowNanos - ct.lastSeenNanos[c] > StateEnricher.CONTAINER_IDLE_NANOS) {
                // an identified container leaves on the runtime's delete (or eviction), not for being idle:
                // created long before its first process, it must still be known when that process runs
                ct.remove(c);
                continue;
            }
            String dir = ct.pidsCgroupDir[c];
            if (dir == null || dir.isEmpty()) {
                continue;
            }
            if (!ct.limitFromEvent[c] && ct.pidsLimit[c] == ProcReader.LIMIT_UNKNOWN) {
                ct.pidsLimit[c] = ProcReader.readPidsMax(dir);
            }
            long max = ProcReader.readPidsEventsMax(dir);
            if (max < 0) {
                continue;
            }
            long before = ct.eventsMax[c];
            ct.eventsMax[c] = max;
            if (before >= 0 && max > before) {
                fillPidsMaxHit(slot, c, max - before, nowNanos);
                metrics.pidsMaxHit();
                sink.accept(slot);
                hits++;
            }
        }
        return hits;
    }

    private void fillPidsMaxHit(Event slot, int c, long count, long nowNanos) {
        ContainerTable ct = containers;
        slot.clear();
        slot.setText(Field.EVT_TYPE, StateEnricher.PIDS_MAX_HIT);
        slot.setEventType(PIDS_MAX_HIT_TYPE);
        slot.setLong(Field.EVT_RAWTIME, clock.wallTime() * 1_000_000L);
        filler.writeContainerId(c, slot);
        long limit = ct.pidsLimit[c];
        if (limit != ProcReader.LIMIT_UNKNOWN) {
            slot.setLong(Field.CONTAINER_PIDS_LIMIT, limit);
        }
        int live = Math.max(0, ct.live[c]);
        slot.setLong(Field.CONTAINER_LIVE_PROCS, live);
        if (limit > 0) {
            slot.setLong(Field.CONTAINER_PIDS_USAGE, live * 100L / limit);
        }
        ContainerIdentity id = ct.identity[c];
        if (id != null) {
            filler.fillIdentity(id, slot);
        }
        if (ct.privileged[c]) {
            slot.setBool(Field.CONTAINER_PRIVILEGED, true);
        }
        int len = writeDecimal(count, scratch);
        slot.addExtra(StateEnricher.ARG_COUNT, scratch, 0, len, count);
        slot.setReceiveNanos(nowNanos);
        slot.setValid(true);
    }

    private static int writeDecimal(long v, char[] out) {
        int n = 0;
        long x = v;
        do {
            n++;
            x /= 10;
        } while (x > 0);
        for (int i = n - 1; i >= 0; i--) {
            out[i] = (char) ('0' + (v % 10));
            v /= 10;
        }
        return n;
    }
}
