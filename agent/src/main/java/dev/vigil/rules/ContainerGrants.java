package dev.vigil.rules;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What each container was granted, and whether it is a suspect: the rules stage's own memory of
 * containers, for the signals that are never legitimate and for the baseline's "never learn from a
 * suspect".
 *
 * <p><b>Granted.</b> The sensor reports {@code thread.cap_effective} (and permitted) on every line, not
 * the container's bounding set. A container's grant is fixed from the first event the agent sees from it
 * (its effective and permitted sets), then narrowed once, by intersection, by its first {@code execve}:
 * the OCI runtime's init runs inside the container with the runtime's full set and drops to the
 * container's set as it executes the entrypoint, so a container seen from its creation ends with what
 * its workload was given; a container that was already running when the agent started keeps what it
 * first showed, and an attacker's later {@code execve} with more cannot widen it (an intersection only
 * narrows). A process of the container that then holds or uses (a granted, audited {@code capable}
 * against the initial user namespace) a capability outside the grant and outside Docker's default set
 * (what a non-root workload may regain through set-uid programs within a default bounding set) shows it
 * in {@code thread.cap_ungranted}; the grant in {@code container.cap_granted}. Both are filled only on
 * the event types that judge capabilities (execve, execveat, capable and the CAP_SYS_ADMIN syscalls).
 *
 * The first execve narrows only within {@value #SETTLE_NANOS} ns of the container's first sighting.
 *
 * <p><b>Suspect</b> ({@link #suspicion}): a container that raised an alert at Warning or above, or whose
 * event shows capabilities never granted; unless its image is trusted (the baseline gate passes the
 * trusted lists), one the runtime reports privileged, or whose settled grant is the full set or holds
 * capabilities beyond Docker's default set.
 *
 * <p>Bounded: {@value #SETS} sets of {@value #WAYS} containers, ids of at most {@value #MAX_ID_BYTES}
 * bytes; a new container in a full set replaces the one seen least recently there ({@code
 * vigil.rules.containers.evicted}); an id too long is not tracked ({@code vigil.rules.containers.untracked}).
 * A lookup hashes the id in the event's own arena: no allocation.
 *
 * <p>Threading: the matching thread only (one engine at a time; it outlives rule reloads, held by the
 * {@link BaselineStore}).
 */
public final class ContainerGrants {
    static final int SETS = 2048;
    static final int WAYS = 4;
    static final int MAX_ID_BYTES = 64;
    private static final int SLOTS = SETS * WAYS;
    /** Every capability up to CAP_AUDIT_READ (all kernels since 3.16): what a privileged container holds. */
    static final long FULL_38 = 0x0000003fffffffffL;
    /**
     * How long after a container is first seen its first execve may still narrow its grant: the OCI
     * runtime's init executes the entrypoint within milliseconds of entering the container.
     */
    static final long SETTLE_NANOS = 2_000_000_000L;

    private final byte[] ids = new byte[SLOTS * MAX_ID_BYTES];
    private final byte[] idLength = new byte[SLOTS];
    private final long[] granted = new long[SLOTS];
    private final long[] lastUse = new long[SLOTS];
    /** Rule time (ns) the container was first seen. */
    private final long[] firstSeen = new long[SLOTS];
    /** NARROWED, WARNED, PRIVILEGED (the runtime said so), UNSEEN (known only from an alert: no grant yet). */
    private final byte[] flags = new byte[SLOTS];
    private final boolean[] judges = new boolean[EventTypes.COUNT];
    private final int execveat = EventTypes.id("execveat");
    private long tick;
    private final Counter evicted;
    private final Counter untracked;

    private static final byte NARROWED = 1;
    private static final byte WARNED = 2;
    private static final byte PRIVILEGED = 4;
    private static final byte UNSEEN = 8;

    public ContainerGrants(MeterRegistry registry) {
        this.evicted = Counter.builder("vigil.rules.containers.evicted")
            .description("containers forgotten by the rules stage to make room (their grant is fixed again when next seen)")
            .register(registry);
        this.untracked = Counter.builder("vigil.rules.containers.untracked")
            .description("events from containers whose id is too long to track").register(registry);
        for (String t : new String[] {"execve", "execveat", "capable", "mount", "umount", "umount2", "unshare",
            "setns", "pivot_root", "bpf", "init_module", "finit_module", "swapon", "fsopen", "fsmount",
            "move_mount", "open_tree"}) {
            int id = EventTypes.id(t);
            if (id != EventTypes.OTHER) {
                judges[id] = true;
            }
        }
    }

    /**
     * Fills {@code container.cap_granted} and {@code thread.cap_ungranted} on an event that judges
     * capabilities, learning the container's grant on its first such event; removes them otherwise, so a
     * producer cannot supply them.
     */
    void fill(Event e, TimeSource time) {
        int type = e.eventType();
        if (!judges[type]) {
            return;
        }
        e.remove(Field.CONTAINER_CAP_GRANTED);
        e.remove(Field.THREAD_CAP_UNGRANTED);
        if (!e.has(Field.THREAD_CAP_EFFECTIVE) || !inContainer(e)) {
            return;
        }
        int slot = slot(e, true);
        if (slot < 0) {
            return;
        }
        long now = time.now(e);
        long held = e.getLong(Field.THREAD_CAP_EFFECTIVE);
        long shown = held | (e.has(Field.THREAD_CAP_PERMITTED) ? e.getLong(Field.THREAD_CAP_PERMITTED) : 0);
        boolean exec = (type == EventTypes.EXECVE || (type == execveat && execveat != EventTypes.OTHER))
            && !e.getBool(Field.EVT_FAILED);
        long used = held;
        if (type == EventTypes.CAPABLE && e.has(Field.EVT_ARG_CAP) && e.getLong(Field.EVT_RES) == 0
            && !(e.has(Field.EVT_ARG_AUDIT) && !e.getBool(Field.EVT_ARG_AUDIT))
            && !(e.has(Field.EVT_ARG_USERNS_LEVEL) && e.getLong(Field.EVT_ARG_USERNS_LEVEL) > 0)) {
            long cap = e.getLong(Field.EVT_ARG_CAP);
            if (cap >= 0 && cap < 64) {
                used |= 1L << cap;
            }
        }
        if (lastUse[slot] == 0 || (flags[slot] & UNSEEN) != 0) {
            granted[slot] = shown | used; // a granted check proves the capability held
            firstSeen[slot] = now;
            flags[slot] &= ~UNSEEN;
            if (exec) {
                flags[slot] |= NARROWED;
            }
        } else if (exec && (flags[slot] & NARROWED) == 0 && now - firstSeen[slot] < SETTLE_NANOS) {
            granted[slot] &= shown;
            flags[slot] |= NARROWED;
        }
        lastUse[slot] = ++tick;
        if (e.has(Field.CONTAINER_PRIVILEGED) && e.getBool(Field.CONTAINER_PRIVILEGED)) {
            flags[slot] |= PRIVILEGED;
        }
        e.setLong(Field.CONTAINER_CAP_GRANTED, granted[slot]);
        e.setLong(Field.THREAD_CAP_UNGRANTED, used & ~(granted[slot] | Capabilities.DOCKER_DEFAULT));
    }

    /** Marks the event's container as having raised an alert at Warning or above (call per alert). */
    void warned(Event e) {
        if (inContainer(e)) {
            int slot = slot(e, true);
            if (slot >= 0) {
                if (lastUse[slot] == 0) {
                    lastUse[slot] = ++tick;
                    flags[slot] |= UNSEEN; // its grant is fixed by its first event that judges capabilities
                }
                flags[slot] |= WARNED;
            }
        }
    }

    /** Why a container is a suspect; NONE when it is not. */
    enum Suspicion {
        NONE("none"), WARNED("warned"), ESCALATED("cap_not_granted"), PRIVILEGED("privileged"),
        BEYOND_DEFAULT("beyond_default_caps");

        /** As {@code output_fields."baseline.suspect"} shows it. */
        final String label;

        Suspicion(String label) {
            this.label = label;
        }
    }

    /**
     * Whether the event's container is a suspect (call after {@link #fill}): it raised an alert at
     * Warning or above, or this event shows capabilities never granted; else, unless {@code trustedImage},
     * the runtime reports it privileged, or its settled grant is the full set or holds capabilities beyond
     * Docker's default set. A grant is settled once narrowed by the first execve, or {@value
     * #SETTLE_NANOS} ns after the container was first seen: before that it may be the runtime's own set.
     */
    Suspicion suspicion(Event e, boolean trustedImage, long now) {
        if (!inContainer(e)) {
            return Suspicion.NONE;
        }
        int slot = slot(e, false);
        byte f = slot >= 0 ? flags[slot] : 0;
        if ((f & WARNED) != 0) {
            return Suspicion.WARNED;
        }
        if (e.has(Field.THREAD_CAP_UNGRANTED) && e.getLong(Field.THREAD_CAP_UNGRANTED) != 0) {
            return Suspicion.ESCALATED;
        }
        if (trustedImage) {
            return Suspicion.NONE;
        }
        if ((f & PRIVILEGED) != 0 || (e.has(Field.CONTAINER_PRIVILEGED) && e.getBool(Field.CONTAINER_PRIVILEGED))) {
            return Suspicion.PRIVILEGED;
        }
        if (slot < 0 || ((f & NARROWED) == 0 && now - firstSeen[slot] < SETTLE_NANOS)) {
            return Suspicion.NONE;
        }
        long g = granted[slot];
        if ((g & FULL_38) == FULL_38) {
            return Suspicion.PRIVILEGED;
        }
        return (g & ~Capabilities.DOCKER_DEFAULT) != 0 ? Suspicion.BEYOND_DEFAULT : Suspicion.NONE;
    }

    /** The grant known for a container id (tests and diagnostics); -1 when unknown. */
    long grantOf(String containerId) {
        Event probe = new Event();
        probe.setText(Field.CONTAINER_ID, containerId);
        int slot = slot(probe, false);
        return slot < 0 ? -1 : granted[slot];
    }

    static boolean inContainer(Event e) {
        return e.has(Field.CONTAINER_ID) && e.textLength(Field.CONTAINER_ID) > 0 && !e.textEquals(Field.CONTAINER_ID, "host");
    }

    /** The slot of the event's container; with {@code create}, claims one (evicting); -1 when none. */
    private int slot(Event e, boolean create) {
        byte[] a = e.text();
        int off = e.textStart(Field.CONTAINER_ID);
        int len = e.textLength(Field.CONTAINER_ID);
        if (len > MAX_ID_BYTES) {
            if (create) {
                untracked.increment();
            }
            return -1;
        }
        // The set is chosen by the id's length and its first and last eight bytes (a runtime's id is random
        // hex, a name differs at one end): hashing all 64 bytes of every event's id cost more than the rest
        // of the lookup. The whole id is compared.
        int h = len;
        int head = Math.min(len, 8);
        for (int i = 0; i < head; i++) {
            h = 31 * h + a[off + i];
        }
        for (int i = Math.max(head, len - 8); i < len; i++) {
            h = 31 * h + a[off + i];
        }
        h ^= h >>> 16;
        int base = (h & (SETS - 1)) * WAYS;
        int victim = base;
        for (int w = 0; w < WAYS; w++) {
            int s = base + w;
            if (lastUse[s] != 0 && idLength[s] == len && same(a, off, len, s)) {
                return s;
            }
            if (lastUse[s] < lastUse[victim]) {
                victim = s;
            }
        }
        if (!create) {
            return -1;
        }
        if (lastUse[victim] != 0) {
            evicted.increment();
        }
        System.arraycopy(a, off, ids, victim * MAX_ID_BYTES, len);
        idLength[victim] = (byte) len;
        lastUse[victim] = 0;
        granted[victim] = 0;
        firstSeen[victim] = 0;
        flags[victim] = 0;
        return victim;
    }

    private boolean same(byte[] a, int off, int len, int s) {
        int at = s * MAX_ID_BYTES;
        return java.util.Arrays.equals(ids, at, at + len, a, off, off + len);
    }
}
