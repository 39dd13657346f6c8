package dev.vigil.bench.gen;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The discrete-event clock behind the stream: actions are scheduled at simulated times and run in
 * time order, each writing at most a few event lines, so the stream comes out in event-time order
 * ({@code evt.rawtime} strictly increasing). Also the process operations every workload shares
 * (clone, execve, exit) and the common fields of an event line.
 *
 * <p>Threading: one thread. Deterministic: everything random comes from one seeded generator.
 */
final class Sim {
    /** 2026-11-19T…: a fixed epoch so that a seed gives the same bytes on every run. */
    static final long EPOCH_NANOS = 1_795_000_000_000_000_000L;

    final SplittableRandom rnd;
    private final LineWriter out;
    private final PriorityQueue<Pending> queue = new PriorityQueue<>();
    private final List<Trigger> triggers = new ArrayList<>();
    private long seq;
    private long now = EPOCH_NANOS;
    private long lastStamp = EPOCH_NANOS;
    private int nextPid;
    /** The attack whose action is running: its events are recorded in the truth. */
    private Attack current;

    private record Pending(long time, long seq, Runnable action, Attack attack) implements Comparable<Pending> {
        @Override
        public int compareTo(Pending o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private record Trigger(long atLine, Runnable action) {
    }

    Sim(long seed, LineWriter out, int firstPid) {
        this.rnd = new SplittableRandom(seed);
        this.out = out;
        this.nextPid = firstPid;
    }

    long now() {
        return now;
    }

    /** Runs {@code action} {@code delayNanos} after now, as part of the running attack if any. */
    void after(long delayNanos, Runnable action) {
        queue.add(new Pending(now + Math.max(1, delayNanos), seq++, action, current));
    }

    /** Runs {@code action} after {@code delayNanos}, on behalf of {@code attack}. */
    void afterFor(Attack attack, long delayNanos, Runnable action) {
        queue.add(new Pending(now + Math.max(1, delayNanos), seq++, action, attack));
    }

    /** Runs {@code action} once the stream holds {@code line} lines (attacks start at known places). */
    void atLine(long line, Runnable action) {
        triggers.add(new Trigger(line, action));
    }

    /** An exponentially distributed delay with this mean: Poisson arrivals. */
    long expo(double meanNanos) {
        return 1 + (long) (-Math.log(1.0 - rnd.nextDouble()) * meanNanos);
    }

    /** Uniform in [lo, hi). */
    long between(long lo, long hi) {
        return lo + rnd.nextLong(hi - lo);
    }

    boolean chance(double p) {
        return rnd.nextDouble() < p;
    }

    <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

    <T> T pick(T[] array) {
        return array[rnd.nextInt(array.length)];
    }

    /** Runs actions in time order until the stream holds {@code lines} lines. */
    void run(long lines) {
        while (out.lines() < lines) {
            for (int i = 0; i < triggers.size(); i++) {
                if (out.lines() >= triggers.get(i).atLine) {
                    Runnable a = triggers.remove(i--).action;
                    a.run();
                }
            }
            Pending p = queue.poll();
            if (p == null) {
                throw new IllegalStateException("nothing left to simulate");
            }
            now = Math.max(now, p.time);
            current = p.attack;
            p.action.run();
            current = null;
        }
        out.flush();
    }

    long lines() {
        return out.lines();
    }

    int newPid() {
        return nextPid++;
    }

    /**
     * Starts an event line with the fields the sensor sends on every event: the caller's process,
     * its container and capability set. The caller adds evt.res and arguments, then {@link LineWriter#end()}.
     */
    LineWriter event(String type, Proc p) {
        long stamp = Math.max(now, lastStamp + 1);
        lastStamp = stamp;
        if (current != null) {
            current.emitted(stamp);
        }
        Container c = p.container;
        LineWriter w = out.begin().str("evt.type", type).num("evt.rawtime", stamp)
            .num("proc.pid", p.pid).num("proc.ppid", p.ppid).str("proc.name", p.name)
            .str("proc.exepath", p.exepath).num("user.uid", p.uid).str("container.id", c.id);
        if (!c.host) {
            w.str("container.name", c.name).str("container.image.repository", c.image)
                .str("k8s.ns.name", c.namespace).str("k8s.pod.name", c.pod)
                .num("container.pids_limit", c.pidsLimit);
            if (c.privileged) {
                w.bool("container.privileged", true);
            }
        }
        return w.str("thread.cap_effective", c.capHex);
    }

    /** A process that exists before the stream starts (no clone is seen for it). */
    Proc existing(Container c, int ppid, int uid, String name, String exepath, String cmdline) {
        Proc p = new Proc(newPid(), ppid, c, uid, name, exepath, cmdline);
        c.live++;
        return p;
    }

    /** {@code parent} forks: the clone event (parent side, evt.res = the child's pid) and the child. */
    Proc clone(Proc parent) {
        Proc child = new Proc(newPid(), parent.pid, parent.container, parent.uid, parent.name, parent.exepath,
            parent.cmdline);
        event("clone", parent).num("evt.res", child.pid)
            .str("evt.arg.flags", "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD")
            .str("proc.cmdline", parent.cmdline).end();
        parent.container.live++;
        return child;
    }

    /** A thread in {@code parent}: a clone with CLONE_THREAD, which creates no process. */
    void cloneThread(Proc parent) {
        event("clone", parent).num("evt.res", newPid())
            .str("evt.arg.flags", "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM")
            .end();
    }

    /** A fork refused at pids.max: EAGAIN. */
    void cloneRefused(Proc parent) {
        event("clone", parent).num("evt.res", -11)
            .str("evt.arg.flags", "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD").end();
    }

    void execve(Proc p, String name, String exepath, String cmdline) {
        p.name = name;
        p.exepath = exepath;
        p.cmdline = cmdline;
        event("execve", p).num("evt.res", 0).str("proc.cmdline", cmdline).end();
    }

    void exit(Proc p) {
        if (!p.alive) {
            return;
        }
        p.alive = false;
        event("procexit", p).num("evt.res", 0).num("evt.arg.status", 0).end();
        p.container.live--;
    }

    /** A capability check (cap_capable): a use when audited and granted, a probe otherwise. */
    void capable(Proc p, String cap, boolean audit, long res) {
        event("capable", p).num("evt.res", res).str("evt.arg.cap", cap).bool("evt.arg.audit", audit)
            .num("evt.arg.userns_level", 0).end();
    }

    void socket(Proc p, int domain, int type, int proto, long res) {
        event("socket", p).num("evt.res", res).num("evt.arg.domain", domain).num("evt.arg.type", type)
            .num("evt.arg.proto", proto).end();
    }

    void mount(Proc p, String dev, String dir, String fstype, String flags, long res) {
        event("mount", p).num("evt.res", res).str("evt.arg.dev", dev).str("evt.arg.dir", dir)
            .str("evt.arg.type", fstype).str("evt.arg.flags", flags).end();
    }

    /** A syscall with one file or socket name: the bulk of a node's events. */
    void syscall(Proc p, String type, long res, String fdName) {
        event(type, p).num("evt.res", res).str("fd.name", fdName).end();
    }
}
