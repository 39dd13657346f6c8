package dev.vigil.rules;

import dev.vigil.event.Field;

import java.util.Set;

/**
 * Which fields a rule may name, and how each is read.
 *
 * <ul>
 * <li>the known {@link Field}s, read by id (plus {@code evt.rawres}, an alias of the numeric
 *     {@code evt.res}, and {@code evt.rawarg.X} for a known {@code evt.arg.X});</li>
 * <li>{@code evt.arg.NAME}, {@code evt.rawarg.NAME} and {@code evt.arg[N]}: read from the event's
 *     extras by their wire name ({@code evt.rawarg.NAME} as {@code evt.arg.NAME});</li>
 * <li>{@code container.label[KEY]} and {@code k8s.pod.label[KEY]}: read from the event's
 *     {@link dev.vigil.event.ContainerMeta} (the runtime's labels), else from an extra of that full name
 *     (a producer's flat key); missing when neither has the key, as in Falco;</li>
 * <li>the sandbox fields ({@code container.seccomp}, {@code container.no_new_privs},
 *     {@code container.lsm.profile}, {@code container.userns}, {@code container.host_ns},
 *     {@code container.sensitive_mounts}, {@code container.posture.findings}): read from the event's
 *     {@link dev.vigil.event.ContainerSandbox}, else from an extra of that name;</li>
 * <li>{@code container.mount.dest[PATH]} (Falco's): the destination of the container's first mount whose
 *     source, a host path, matches {@code PATH} (a glob, as {@code /proc*}); read from the event's sandbox,
 *     else from an extra of that full name; missing when no mount matches. By path only: Falco's index
 *     ({@code [0]}) counts the runtime's mount list, which the kernel's mountinfo does not give;</li>
 * <li>{@code proc.aname[N]} ({@code [0]} is proc.name, {@code [1]} proc.pname, others the extra
 *     {@code proc.aname[N]}), and bare {@code proc.aname} = any of proc.pname, proc.aname[2..9];</li>
 * <li>the pass-through fields of {@link #PASS_THROUGH}: Falco fields the agent does not compute but
 *     a producer may send as flat keys; read as extras by name, missing when not sent.</li>
 * </ul>
 * Anything else is unknown: a rule naming it is skipped with {@code unknown field X}.
 */
public final class FieldCatalog {
    private FieldCatalog() {
    }

    /** Falco fields a producer may send; read as extras. */
    public static final Set<String> PASS_THROUGH = Set.of(
        // events
        "evt.num", "evt.cpu", "evt.category", "evt.is_open_write", "evt.is_open_read", "evt.is_open_exec",
        "evt.is_open_create", "evt.hostname", "evt.args", "evt.time", "evt.datetime", "evt.latency",
        "syscall.type", "evt.source", "evt.is_io", "evt.is_io_read", "evt.is_io_write", "evt.buffer",
        // files and sockets
        "fd.num", "fd.type", "fd.typechar", "fd.name", "fd.nameraw", "fd.directory", "fd.filename",
        "fd.l4proto", "fd.sockfamily", "fd.sport", "fd.cport", "fd.lport", "fd.rport", "fd.sip", "fd.cip",
        "fd.lip", "fd.rip", "fd.ip", "fd.port", "fd.connected", "fd.name_changed", "fd.is_server",
        "fd.dev", "fd.ino",
        // processes
        "proc.pcmdline", "proc.cwd", "proc.tty", "proc.sid", "proc.sname", "proc.vpgid", "proc.pgid",
        "proc.env", "proc.pexe", "proc.pexepath", "proc.exeline", "proc.duration", "proc.nthreads",
        "proc.nchilds", "proc.is_exe_writable", "proc.is_exe_upper_layer", "proc.is_exe_from_memfd",
        "proc.is_vpgid_leader", "proc.is_sid_leader", "proc.exe_ino", "proc.pid.ts", "proc.stdin.name",
        "proc.stdout.name", "proc.stderr.name", "proc.is_container_healthcheck",
        "proc.is_container_liveness_probe", "proc.is_container_readiness_probe", "proc.apid",
        "proc.aexepath", "proc.acmdline", "proc.ppid.duration", "thread.vtid", "thread.exectime",
        // users and groups
        "user.loginuid", "user.loginname", "user.homedir", "user.shell", "group.gid", "group.name",
        // containers and kubernetes
        "container.image.id", "container.full_id", "container.start_ts", "container.duration", "container.mounts",
        "container.label", "k8s.pod.id", "k8s.pod.label", "k8s.pod.labels",
        "k8s.ns.label", "k8s.deployment.name", "k8s.rs.name", "k8s.svc.name", "k8s.rc.name",
        "k8s.pod.sandbox_id", "k8s.pod.full_sandbox_id", "k8s.pod.ip", "k8s.pod.cni.json");

    /** Pass-through fields that take a {@code [arg]}. */
    private static final Set<String> WITH_ARG = Set.of(
        "proc.apid", "proc.aexepath", "proc.acmdline", "container.label", "k8s.pod.label", "k8s.ns.label",
        "evt.arg", "evt.rawarg", "proc.aname");

    /** How a field reference is read. */
    sealed interface Resolved {
    }

    record Known(Field field) implements Resolved {
    }

    record Extra(String name) implements Resolved {
    }

    /**
     * {@code container.label[KEY]} ({@code pod} false) or {@code k8s.pod.label[KEY]} ({@code pod} true);
     * {@code extraName} is the full name, for a value the producer sent as a flat key.
     */
    record Label(boolean pod, String key, String extraName) implements Resolved {
    }

    /**
     * One of {@link dev.vigil.event.ContainerSandbox#FIELDS}: read from the event's sandbox (the state
     * stage's reading of the container's workload), else from an extra of that name (a producer's flat key).
     */
    record Sandbox(String name) implements Resolved {
    }

    /**
     * {@code container.mount.dest[PATH]}: the destination of the first host-path mount whose source matches
     * the glob {@code sourceGlob}; {@code extraName} is the full name, for a producer's flat key.
     */
    record MountDest(String sourceGlob, String extraName) implements Resolved {
    }

    /** Bare {@code proc.aname}: any ancestor's name. */
    record AnyAncestor() implements Resolved {
    }

    /** The resolution of a field reference, or null when the field is unknown. */
    static Resolved resolve(Ast.FieldRef ref) {
        String name = ref.name();
        String arg = ref.arg();
        if (arg == null) {
            Field f = Field.byName(name);
            if (f != null) {
                return new Known(f);
            }
            if (name.equals("evt.rawres")) {
                return new Known(Field.EVT_RES);
            }
            if (name.equals("proc.aname")) {
                return new AnyAncestor();
            }
            if (dev.vigil.event.ContainerSandbox.FIELDS.contains(name)) {
                return new Sandbox(name);
            }
            if (name.startsWith("evt.rawarg.") && name.length() > 11) {
                String arg2 = "evt.arg." + name.substring(11);
                Field k = Field.byName(arg2);
                return k != null ? new Known(k) : new Extra(arg2);
            }
            if (name.startsWith("evt.arg.") && name.length() > 8) {
                return new Extra(name);
            }
            return PASS_THROUGH.contains(name) ? new Extra(name) : null;
        }
        if (name.equals("container.mount.dest")) {
            return arg.startsWith("/") || arg.startsWith("*") ? new MountDest(arg, ref.fullName()) : null;
        }
        if (name.equals("container.label") || name.equals("k8s.pod.label")) {
            return new Label(name.equals("k8s.pod.label"), arg, ref.fullName());
        }
        if (name.equals("proc.aname")) {
            if (arg.equals("0")) {
                return new Known(Field.PROC_NAME);
            }
            if (arg.equals("1")) {
                return new Known(Field.PROC_PNAME);
            }
        }
        return WITH_ARG.contains(name) ? new Extra(ref.fullName()) : null;
    }
}
