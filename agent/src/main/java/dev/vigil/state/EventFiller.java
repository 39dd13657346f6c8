package dev.vigil.state;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import dev.vigil.runtime.ContainerIdentity;

/**
 * Writes what the tables know into the event's slot. Process fields the producer did not send
 * ({@code proc.name, proc.exepath, proc.cmdline, proc.ppid, proc.pname, user.uid,
 * thread.cap_effective/_permitted/_inheritable}, {@code container.id} = {@code host} outside any
 * container); container fields: {@code container.id} from the entry's short id text (over the
 * event's when the /proc cgroup overruled it), {@code container.pids_limit}, {@code container.privileged}
 * when known true, the derived {@code container.live_procs} and {@code container.pids_usage}
 * (live × 100 / limit, only when the limit is > 0), the derived {@code proc.is_container_setup} (always,
 * over a producer's); and, for a container with a runtime identity,
 * its fields (which win over the producer's) and a reference to it for the label fields.
 * Also records in the container entry what the event says of it (pids limit, capabilities, privilege).
 *
 * <p>Threading: pipeline thread only. Allocates nothing but a new String's bytes, once ({@link Utf8Memo}):
 * texts are copied into the slot's arena.
 */
final class EventFiller {
    private final ProcessTable processes;
    private final ContainerTable containers;
    private final long fullCapSet;
    private final char[] scratch = new char[ContainerIds.SHORT_LENGTH];
    private final Utf8Memo utf8 = new Utf8Memo(1024);

    EventFiller(ProcessTable processes, ContainerTable containers, long fullCapSet) {
        this.processes = processes;
        this.containers = containers;
        this.fullCapSet = fullCapSet;
    }

    /** The process entry's fields the producer did not send; container.id {@code host} for a host process. */
    void fillProcess(int e, Event ev) {
        ProcessTable t = processes;
        setTextIfAbsent(ev, Field.PROC_NAME, t.name[e]);
        setTextIfAbsent(ev, Field.PROC_EXEPATH, t.exepath[e]);
        setTextIfAbsent(ev, Field.PROC_CMDLINE, t.cmdline[e]);
        int ppid = t.ppid[e];
        if (ppid > 0) {
            if (!ev.has(Field.PROC_PPID)) {
                ev.setLong(Field.PROC_PPID, ppid);
            }
            if (!ev.has(Field.PROC_PNAME)) {
                int pe = t.find(ppid);
                if (pe >= 0) {
                    setTextIfAbsent(ev, Field.PROC_PNAME, t.name[pe]);
                }
            }
        }
        if (!ev.has(Field.USER_UID) && t.uid[e] >= 0) {
            ev.setLong(Field.USER_UID, t.uid[e]);
        }
        byte known = t.capsKnown[e];
        if ((known & 1) != 0 && !ev.has(Field.THREAD_CAP_EFFECTIVE)) {
            ev.setLong(Field.THREAD_CAP_EFFECTIVE, t.capEffective[e]);
        }
        if ((known & 2) != 0 && !ev.has(Field.THREAD_CAP_PERMITTED)) {
            ev.setLong(Field.THREAD_CAP_PERMITTED, t.capPermitted[e]);
        }
        if ((known & 4) != 0 && !ev.has(Field.THREAD_CAP_INHERITABLE)) {
            ev.setLong(Field.THREAD_CAP_INHERITABLE, t.capInheritable[e]);
        }
        if (!ev.has(Field.CONTAINER_ID) && t.containerKey[e] == ContainerIds.HOST_KEY) {
            utf8.setText(ev, Field.CONTAINER_ID, ContainerIds.HOST);
        }
    }

    /**
     * The container's fields into the event of process entry {@code e} in container entry {@code c};
     * {@code overruled}: the event's container.id named another container than the process's cgroup.
     */
    void fillContainer(int c, int e, Event ev, long nowNanos, boolean overruled) {
        ContainerTable ct = containers;
        ct.lastSeenNanos[c] = nowNanos;
        if (overruled || !ev.has(Field.CONTAINER_ID)) {
            writeContainerId(c, ev);
        }
        boolean setup = processes.setup[e] != ProcessTable.WORKLOAD;
        ev.setBool(Field.PROC_IS_CONTAINER_SETUP, setup); // the state's word, over anything sent
        if ((processes.capsKnown[e] & 1) != 0) {
            long eff = processes.capEffective[e];
            ct.capsSeen[c] |= eff;
            // Only a program the container runs tells what the container holds: one it exec'd, or one
            // found running in /proc. Before that exec the runtime's own init (runc:[2:INIT]) runs in
            // the container's cgroup with the runtime's full set, and would make every container look
            // privileged: the set-up mark says so; a memfd re-exec not seen to enter (its fork lost)
            // is not taken for the workload either.
            boolean workload = !setup && (ev.eventType() == EventTypes.EXECVE
                ? !ProcessLifecycle.isRuntimeReexec(ev) : processes.capsFromProc[e]);
            if ((eff & fullCapSet) == fullCapSet && workload) {
                ct.privileged[c] = true;
            }
        }
        fillCounts(c, ev);
        if (ev.has(Field.CONTAINER_PRIVILEGED)) {
            if (ev.getBool(Field.CONTAINER_PRIVILEGED)) {
                ct.privileged[c] = true;
            }
        } else if (ct.privileged[c]) {
            ev.setBool(Field.CONTAINER_PRIVILEGED, true);
        }
    }

    /** An event with no proc.pid, or the exit of a pid never seen, in container entry {@code c}. */
    void fillFromEventContainer(int c, Event ev) {
        fillCounts(c, ev);
    }

    /** pids limit, live count and usage, and the identity. */
    private void fillCounts(int c, Event ev) {
        ContainerTable ct = containers;
        if (ev.has(Field.CONTAINER_PIDS_LIMIT)) {
            ct.pidsLimit[c] = ev.getLong(Field.CONTAINER_PIDS_LIMIT);
            ct.limitFromEvent[c] = true;
        } else if (ct.pidsLimit[c] != ProcReader.LIMIT_UNKNOWN) {
            ev.setLong(Field.CONTAINER_PIDS_LIMIT, ct.pidsLimit[c]);
        }
        int live = Math.max(0, ct.live[c]);
        ev.setLong(Field.CONTAINER_LIVE_PROCS, live);
        long limit = ct.pidsLimit[c];
        if (limit > 0) {
            ev.setLong(Field.CONTAINER_PIDS_USAGE, live * 100L / limit);
        }
        ContainerIdentity id = ct.identity[c];
        if (id != null) {
            fillIdentity(id, ev);
        }
    }

    /** container.id from the entry's short id text (a hex key's digits when the text is unknown). */
    void writeContainerId(int c, Event ev) {
        String text = containers.idText[c];
        if (text != null) {
            utf8.setText(ev, Field.CONTAINER_ID, text);
        } else if (ContainerIds.writeShortId(containers.key[c], scratch, 0)) { // a hex key's digits
            ev.setText(Field.CONTAINER_ID, scratch, 0, ContainerIds.SHORT_LENGTH);
        }
    }

    /**
     * What the runtime says of the container, over what the producer sent: names, image, pod, and
     * privileged when its spec says so; the identity itself for {@code container.label[…]} and
     * {@code k8s.pod.label[…]}.
     */
    void fillIdentity(ContainerIdentity id, Event ev) {
        setText(ev, Field.CONTAINER_NAME, id.name());
        setText(ev, Field.CONTAINER_IMAGE, id.image());
        setText(ev, Field.CONTAINER_IMAGE_REPOSITORY, id.imageRepository());
        setText(ev, Field.CONTAINER_IMAGE_TAG, id.imageTag());
        setText(ev, Field.CONTAINER_IMAGE_DIGEST, id.imageDigest());
        setText(ev, Field.CONTAINER_TYPE, id.type());
        setText(ev, Field.K8S_NS_NAME, id.podNamespace());
        setText(ev, Field.K8S_POD_NAME, id.podName());
        setText(ev, Field.K8S_POD_UID, id.podUid());
        if (Boolean.TRUE.equals(id.privileged())) {
            ev.setBool(Field.CONTAINER_PRIVILEGED, true);
        }
        ev.setContainerMeta(id);
    }

    private void setText(Event ev, Field f, String s) {
        if (s != null) {
            utf8.setText(ev, f, s);
        }
    }

    private static void setTextIfAbsent(Event ev, Field f, byte[] text) {
        if (text != null && !ev.has(f)) {
            ev.setTextUtf8(f, text, 0, text.length);
        }
    }
}
