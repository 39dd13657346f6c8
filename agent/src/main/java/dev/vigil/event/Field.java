package dev.vigil.event;

import java.util.HashMap;
import java.util.Map;

/**
 * The fields the agent knows by id: the wire contract's keys (DESIGN.md) and the derived fields the
 * state stage fills. A field's ordinal is its id; an {@link Event} keeps values in arrays indexed by it.
 * Any other key on the wire is kept as an extra (see {@link Event#extraCount()}).
 */
public enum Field {
    EVT_TYPE("evt.type", FieldKind.STRING),
    /** Event time, ns since the epoch: from {@code evt.rawtime}, else {@code evt.time}, else receive time. */
    EVT_RAWTIME("evt.rawtime", FieldKind.LONG),
    /** Return value: {@code evt.rawres} wins over {@code evt.res}; names such as EAGAIN are resolved. */
    EVT_RES("evt.res", FieldKind.LONG),
    EVT_DIR("evt.dir", FieldKind.STRING),
    /** Derived from {@link #EVT_RES} when the producer did not send it. */
    EVT_FAILED("evt.failed", FieldKind.BOOL),
    PROC_PID("proc.pid", FieldKind.LONG),
    PROC_PPID("proc.ppid", FieldKind.LONG),
    PROC_NAME("proc.name", FieldKind.STRING),
    PROC_EXE("proc.exe", FieldKind.STRING),
    PROC_EXEPATH("proc.exepath", FieldKind.STRING),
    PROC_CMDLINE("proc.cmdline", FieldKind.STRING),
    PROC_ARGS("proc.args", FieldKind.STRING),
    PROC_PNAME("proc.pname", FieldKind.STRING),
    PROC_VPID("proc.vpid", FieldKind.LONG),
    THREAD_TID("thread.tid", FieldKind.LONG),
    USER_UID("user.uid", FieldKind.LONG),
    USER_NAME("user.name", FieldKind.STRING),
    CONTAINER_ID("container.id", FieldKind.STRING),
    CONTAINER_NAME("container.name", FieldKind.STRING),
    CONTAINER_IMAGE("container.image", FieldKind.STRING),
    CONTAINER_IMAGE_REPOSITORY("container.image.repository", FieldKind.STRING),
    CONTAINER_IMAGE_TAG("container.image.tag", FieldKind.STRING),
    /** {@code sha256:…} where the runtime knows it. */
    CONTAINER_IMAGE_DIGEST("container.image.digest", FieldKind.STRING),
    /** The runtime: {@code containerd}, {@code docker}, {@code cri-o}, {@code podman}. */
    CONTAINER_TYPE("container.type", FieldKind.STRING),
    K8S_NS_NAME("k8s.ns.name", FieldKind.STRING),
    K8S_POD_NAME("k8s.pod.name", FieldKind.STRING),
    K8S_POD_UID("k8s.pod.uid", FieldKind.STRING),
    CONTAINER_PRIVILEGED("container.privileged", FieldKind.BOOL),
    /** The container's pids.max; -1 for no limit. */
    CONTAINER_PIDS_LIMIT("container.pids_limit", FieldKind.LONG),
    THREAD_CAP_EFFECTIVE("thread.cap_effective", FieldKind.CAPS),
    THREAD_CAP_PERMITTED("thread.cap_permitted", FieldKind.CAPS),
    THREAD_CAP_INHERITABLE("thread.cap_inheritable", FieldKind.CAPS),
    /** For {@code capable}: the capability number (names such as CAP_SYS_ADMIN are resolved). */
    EVT_ARG_CAP("evt.arg.cap", FieldKind.LONG),
    EVT_ARG_AUDIT("evt.arg.audit", FieldKind.BOOL),
    EVT_ARG_USERNS_LEVEL("evt.arg.userns_level", FieldKind.LONG),
    /** For {@code socket}: the address family (AF_PACKET = 17; names resolved). */
    EVT_ARG_DOMAIN("evt.arg.domain", FieldKind.LONG),
    /** For {@code socket}: the type with SOCK_CLOEXEC/SOCK_NONBLOCK masked off (SOCK_RAW = 3). */
    EVT_ARG_TYPE("evt.arg.type", FieldKind.LONG),
    EVT_ARG_PROTO("evt.arg.proto", FieldKind.LONG),
    /** Derived: live processes the agent counts in the container. */
    CONTAINER_LIVE_PROCS("container.live_procs", FieldKind.LONG),
    /** Derived: live processes / pids.max, in percent (absent when there is no known limit). */
    CONTAINER_PIDS_USAGE("container.pids_usage", FieldKind.LONG),
    /**
     * Derived, on every event of a process in a container: the process is the container runtime's
     * set-up (it entered the container from outside, or was forked by such a process, and has not yet
     * exec'd the workload). Decided by the state stage from the process's history, never from a name.
     */
    PROC_IS_CONTAINER_SETUP("proc.is_container_setup", FieldKind.BOOL),
    /**
     * Derived by the rules stage: the capabilities the container was granted, as its processes showed
     * them when the agent first saw it (narrowed by its first {@code execve}); filled on execve, capable
     * and the CAP_SYS_ADMIN syscalls.
     */
    CONTAINER_CAP_GRANTED("container.cap_granted", FieldKind.CAPS),
    /**
     * Derived by the rules stage: capabilities this event shows held or used (a granted {@code capable}
     * check against the initial user namespace) that the container was never granted nor Docker's
     * default set holds; 0 when none. Present with {@link #CONTAINER_CAP_GRANTED}.
     */
    THREAD_CAP_UNGRANTED("thread.cap_ungranted", FieldKind.CAPS);

    /** Number of known fields; arrays indexed by field id have this length. */
    public static final int COUNT = values().length;

    private static final Field[] BY_ID = values();
    private static final Map<String, Field> BY_NAME = new HashMap<>();

    static {
        for (Field f : BY_ID) {
            BY_NAME.put(f.wireName, f);
        }
        if (COUNT > 64) {
            throw new AssertionError("Event keeps presence in one long: at most 64 known fields");
        }
    }

    private final String wireName;
    private final FieldKind kind;

    Field(String wireName, FieldKind kind) {
        this.wireName = wireName;
        this.kind = kind;
    }

    /** The Falco field name, as on the wire and in rules. */
    public String wireName() {
        return wireName;
    }

    public FieldKind kind() {
        return kind;
    }

    public int id() {
        return ordinal();
    }

    public static Field byId(int id) {
        return BY_ID[id];
    }

    /** The known field with this wire name, or null. A map lookup: no allocation. */
    public static Field byName(String wireName) {
        return BY_NAME.get(wireName);
    }
}
