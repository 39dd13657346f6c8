package dev.vigil.bench.gen;

import dev.vigil.bench.gen.Node.Kind;
import dev.vigil.bench.gen.Node.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * The attacks mixed into the benign stream, each in its own container, each starting once the
 * stream holds a known fraction of its lines, each recorded as an {@link Attack} (the truth):
 * <ul>
 *   <li>{@code cap_sys_admin}: a web container whose effective set holds CAP_SYS_ADMIN uses it:
 *       an audited, granted {@code capable} check, a mount and an unshare that succeed;</li>
 *   <li>{@code fork_bomb}: a container with pids.max 40 forks until 40 processes live, then
 *       hundreds of clones fail with EAGAIN;</li>
 *   <li>{@code fork_storm}: a container with no pids limit forks thousands of times a second;</li>
 *   <li>{@code packet_socket} and {@code raw_socket}: socket(AF_PACKET, SOCK_RAW) and
 *       socket(AF_INET, SOCK_RAW|SOCK_CLOEXEC) in containers;</li>
 *   <li>{@code privileged_shell}: a shell in a privileged container (full capability set).</li>
 * </ul>
 */
final class Attacks {
    private static final long MS = Node.MS;
    private static final long US = 1_000L;

    private final Sim sim;
    private final Node node;
    private final List<Attack> attacks = new ArrayList<>();

    Attacks(Sim sim, Node node) {
        this.sim = sim;
        this.node = node;
    }

    List<Attack> all() {
        return attacks;
    }

    /** Adds the attack containers to the node and schedules each attack at its fraction of {@code lines}. */
    void plan(long lines) {
        plan(lines, 20);
    }

    /**
     * As {@link #plan(long)}, with the attacks spread over {@code fromPercent}..90 % of the stream: a
     * later start leaves a longer benign stretch first (e.g. past the rules' baseline learning period).
     */
    void plan(long lines, int fromPercent) {
        plan(lines, fromPercent, 90);
    }

    /**
     * As {@link #plan(long)}, with the attacks spread over {@code fromPercent}..{@code toPercent} of the
     * stream: e.g. all inside the rules' baseline learning period (the node's first 10 minutes of event
     * time), or all after it.
     */
    void plan(long lines, int fromPercent, int toPercent) {
        java.util.function.LongUnaryOperator at = p -> lines * (fromPercent * 60 + (p - 20) * (toPercent - fromPercent)) / 6000;
        long d = Container.DOCKER_DEFAULT_CAPS;
        Workload web = node.add("web-admin", "docker.io/library/nginx", "shop", Kind.NGINX, 1024,
            d | Container.CAP_SYS_ADMIN_BIT, false, 3);
        Workload bomb = node.add("jobs-worker", "docker.io/library/python", "batch", Kind.APP, 40, d, false, 1);
        Workload storm = node.add("report-gen", "ghcr.io/acme/report-gen", "batch", Kind.APP, -1, d, false, 1);
        Workload sniff = node.add("api-legacy", "ghcr.io/acme/shop-api", "shop", Kind.GUNICORN, 512, d, false, 2);
        Workload scan = node.add("toolbox", "docker.io/library/alpine", "default", Kind.APP, 256, d, false, 0.5);
        Workload priv = node.add("node-debug", "docker.io/library/ubuntu", "default", Kind.DEBUG, -1,
            Container.FULL_CAPS, true, 0.2);

        schedule(at.applyAsLong(20), "cap_sys_admin", "cap_sys_admin", web, this::capSysAdmin);
        schedule(at.applyAsLong(35), "fork_bomb", "fork_bomb", bomb, this::forkBomb);
        schedule(at.applyAsLong(45), "fork_storm", "fork_bomb", storm, this::forkStorm);
        schedule(at.applyAsLong(62), "packet_socket", "raw_socket", sniff, this::packetSocket);
        schedule(at.applyAsLong(70), "raw_socket", "raw_socket", scan, this::rawSocket);
        schedule(at.applyAsLong(80), "privileged_shell", "privileged", priv, this::privilegedShell);
        sim.atLine(lines * 40 / 100, node::hostTcpdump);
    }

    private interface Script {
        void run(Workload w, Attack a);
    }

    private void schedule(long atLine, String kind, String tag, Workload w, Script script) {
        Attack a = new Attack(kind, tag, w.container.id);
        attacks.add(a);
        sim.atLine(atLine, () -> sim.afterFor(a, 1, () -> script.run(w, a)));
    }

    /** An exploited nginx worker spawns a shell, which uses the container's CAP_SYS_ADMIN. */
    private void capSysAdmin(Workload w, Attack a) {
        Proc sh = sim.clone(w.steady.get(0));
        sim.after(200 * US, () -> {
            sim.execve(sh, "sh", "/bin/sh", "sh -c mount -t cgroup -o rdma cgroup /tmp/cg && echo 1 > /tmp/cg/notify_on_release");
            sim.after(2 * MS, () -> {
                sim.capable(sh, "CAP_SYS_ADMIN", true, 0);
                sim.after(20 * US, () -> {
                    sim.mount(sh, "cgroup", "/tmp/cg", "cgroup", "MS_MGC_VAL", 0);
                    sim.after(3 * MS, () -> {
                        sim.capable(sh, "CAP_SYS_ADMIN", true, 0);
                        sim.after(20 * US, () -> {
                            sim.event("unshare", sh).num("evt.res", 0).str("evt.arg.flags", "CLONE_NEWNS|CLONE_NEWCGROUP").end();
                            a.completed();
                            sim.afterFor(null, 5 * MS, () -> sim.exit(sh));
                        });
                    });
                });
            });
        });
    }

    /** :(){ :|:& };: under pids.max 40: forks to the limit, then EAGAIN again and again. */
    private void forkBomb(Workload w, Attack a) {
        Proc bash = sim.clone(w.main);
        List<Proc> procs = new ArrayList<>();
        sim.after(300 * US, () -> {
            sim.execve(bash, "bash", "/bin/bash", "bash -c :(){ :|:& };:");
            procs.add(bash);
            int[] refused = {0};
            int target = 300 + sim.rnd.nextInt(200);
            Runnable[] fork = new Runnable[1];
            fork[0] = () -> {
                Proc parent = sim.pick(procs);
                if (w.container.atLimit()) {
                    sim.cloneRefused(parent);
                    refused[0]++;
                } else {
                    procs.add(sim.clone(parent));
                }
                if (refused[0] < target) {
                    sim.after(sim.expo(w.container.atLimit() ? 400 * US : 150 * US), fork[0]);
                } else {
                    a.completed();
                    killAll(procs, 2 * MS); // the operator deletes the pod
                }
            };
            sim.after(100 * US, fork[0]);
        });
    }

    /** A fork storm with no pids limit: thousands of forks a second, until the OOM killer ends it. */
    private void forkStorm(Workload w, Attack a) {
        Proc bash = sim.clone(w.main);
        List<Proc> procs = new ArrayList<>();
        sim.after(300 * US, () -> {
            sim.execve(bash, "bash", "/bin/bash", "bash -c :(){ :|:& };:");
            procs.add(bash);
            int target = 4000;
            Runnable[] fork = new Runnable[1];
            fork[0] = () -> {
                procs.add(sim.clone(sim.pick(procs)));
                if (procs.size() <= target) {
                    sim.after(sim.expo(125 * US), fork[0]); // ~8000 forks/s
                } else {
                    a.completed();
                    killAll(procs, 20 * US);
                }
            };
            sim.after(100 * US, fork[0]);
        });
    }

    private void killAll(List<Proc> procs, long spacingNanos) {
        for (int i = 0; i < procs.size(); i++) {
            Proc p = procs.get(i);
            sim.afterFor(null, 50 * MS + i * spacingNanos, () -> sim.exit(p));
        }
    }

    /** A compromised API worker drops a sniffer: socket(AF_PACKET, SOCK_RAW, ETH_P_ALL). */
    private void packetSocket(Workload w, Attack a) {
        Proc p = sim.clone(w.steady.get(0));
        sim.after(300 * US, () -> {
            sim.execve(p, "python3", "/usr/local/bin/python3.12", "python3 /tmp/.x/sniff.py eth0");
            sim.after(40 * MS, () -> {
                sim.socket(p, 17, 3, 768, 5);
                a.completed();
            });
        });
    }

    /** A scanner in a toolbox container: socket(AF_INET, SOCK_RAW|SOCK_CLOEXEC, IPPROTO_RAW). */
    private void rawSocket(Workload w, Attack a) {
        Proc p = sim.clone(w.main);
        sim.after(300 * US, () -> {
            sim.execve(p, "nmap", "/usr/bin/nmap", "nmap -sS -p 1-1024 10.244.0.0/16");
            sim.after(30 * MS, () -> {
                sim.socket(p, 2, 524291, 255, 4);
                a.completed();
            });
        });
    }

    /** kubectl exec into a privileged container: runc starts bash, which escapes with nsenter. */
    private void privilegedShell(Workload w, Attack a) {
        Proc bash = new Proc(sim.newPid(), w.shim.pid, w.container, 0, "bash", "/usr/bin/bash", "bash");
        w.container.live++;
        sim.execve(bash, "bash", "/usr/bin/bash", "bash");
        sim.after(50 * MS, () -> {
            Proc ns = sim.clone(bash);
            sim.after(200 * US, () -> {
                sim.execve(ns, "nsenter", "/usr/bin/nsenter", "nsenter -t 1 -m -u -i -n -p -- sh");
                sim.after(300 * US, () -> {
                    sim.event("setns", ns).num("evt.res", 0).str("evt.arg.nstype", "CLONE_NEWNS")
                        .str("fd.name", "/proc/1/ns/mnt").end();
                    sim.after(500 * US, () -> {
                        sim.execve(ns, "sh", "/bin/sh", "sh");
                        a.completed();
                    });
                });
            });
        });
    }
}
