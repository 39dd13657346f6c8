package dev.vigil.bench.load;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The churny node stream, as the bundled sensor sends it on a busy node: many short-lived processes,
 * each a fresh pid living five lines — its parent's {@code clone} (the child's pid in {@code evt.res}),
 * its {@code execve}, two {@code capable} probes (40 % of the lines), its {@code procexit} — with 64
 * lives interleaved at random phases across 40 containers. Every line carries the sensor's fields and
 * the container's, namespace's and pod's names (~374 B a line; the image is left to the runtime's
 * identity); only the exec carries the path and command line (thin events otherwise; the sensor sends
 * no clone flags, as it filters threads out in the kernel). Nothing in it should alert: the capability
 * checks are denied non-audit probes, and every container has a pids limit.
 *
 * <p>A fresh pid is written as 8 digits ({@link #FIRST_FRESH_PID} up), and where each one's digits lie
 * is kept, so that {@link EventBlock#copy} can move every pid on by a loop's worth: the block then
 * reads, loop after loop, as processes never seen before, and the agent's process table churns
 * (insert at clone, evict at exit) as on a real node. Parents (one per container) keep their pids.
 *
 * <p>Stateless; the same seed gives the same bytes.
 */
final class ChurnStream {
    /** The first fresh pid: 8 digits, above any pid_max, so a live agent never finds it in its /proc. */
    static final int FIRST_FRESH_PID = 10_000_000;
    static final int PID_DIGITS = 8;
    /** Fresh pids wrap within [FIRST_FRESH_PID, 10^8): they keep their 8 digits. */
    static final int FRESH_PIDS = 100_000_000 - FIRST_FRESH_PID;
    private static final int CONTAINERS = 40;
    private static final int CONCURRENT_LIVES = 64;
    private static final int LINES_PER_LIFE = 5;
    private static final long RAWTIME_0 = 1_795_000_000_000_000_000L;
    /** One line per 2 µs of event time: a node at 500k events/s. */
    private static final long NANOS_PER_LINE = 2_000;

    private static final String[][] WORKLOADS = {
        // parent name, parent exe, child name, child exe, child cmdline, image, namespace, base name
        {"gunicorn", "/usr/local/bin/python3.12", "sh", "/bin/sh", "sh -c /usr/local/bin/healthcheck --quiet", "ghcr.io/acme/shop-api", "shop", "api"},
        {"node", "/usr/local/bin/node", "git", "/usr/bin/git", "git rev-parse --short HEAD", "ghcr.io/acme/web-frontend", "shop", "frontend"},
        {"make", "/usr/bin/make", "cc1", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "cc1 -quiet -O2 src/main.c -o /tmp/ccA1b2.s", "ghcr.io/acme/ci-builder", "ci", "runner"},
        {"java", "/opt/java/openjdk/bin/java", "ps", "/usr/bin/ps", "ps -o rss= -p 1", "docker.io/library/eclipse-temurin", "payments", "ledger"},
        {"postgres", "/usr/lib/postgresql/16/bin/postgres", "postgres", "/usr/lib/postgresql/16/bin/postgres", "postgres: app shop 10.0.3.7(51234) idle", "docker.io/library/postgres", "data", "pg"},
    };
    /** CAP_SYS_ADMIN and CAP_NET_ADMIN, as the sensor writes them (numbers). */
    private static final int[] PROBED_CAPS = {21, 12};

    /** The stream's bytes and where each fresh pid's digits are (ascending offsets). */
    record Result(byte[] bytes, int[] freshPidAt, int freshPids) {
    }

    private ChurnStream() {
    }

    /** At least {@code lines} lines (every life started is finished, so a few more). */
    static Result generate(int lines, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Container[] containers = new Container[CONTAINERS];
        for (int i = 0; i < CONTAINERS; i++) {
            containers[i] = new Container(i, WORKLOADS[i % WORKLOADS.length]);
        }
        Life[] lives = new Life[CONCURRENT_LIVES];
        int nextPid = 0;
        for (int i = 0; i < lives.length; i++) {
            // every life starts at its clone (a pid first seen mid-life is a /proc read): the random
            // choice of which life moves next spreads the phases within a few lines
            lives[i] = new Life(containers[rnd.nextInt(CONTAINERS)], nextPid++);
        }
        Out out = new Out(lines * 360);
        long time = RAWTIME_0;
        int written = 0;
        int open = lives.length;
        while (open > 0) {
            int i = rnd.nextInt(lives.length);
            Life l = lives[i];
            if (l == null) {
                continue;
            }
            l.write(out, time, rnd);
            time += NANOS_PER_LINE;
            written++;
            if (++l.step == LINES_PER_LIFE) {
                if (written < lines) {
                    lives[i] = new Life(containers[rnd.nextInt(CONTAINERS)], nextPid++);
                } else {
                    lives[i] = null;
                    open--;
                }
            }
        }
        return new Result(out.bytes(), out.freshPidAt(), nextPid);
    }

    private record Container(String id, String name, String image, String ns, String pod, int parentPid,
                             String[] workload, int pidsLimit) {
        Container(int i, String[] w) {
            this(String.format("%012x", 0x5e1f0000_0000L + i * 0x1_0001_0001L), w[7] + "-" + i, w[5], w[6],
                w[7] + "-" + i + "-" + String.format("%05x", 0x1a2b3 + i * 7919), 3_100_000 + i, w, 256 << (i % 4));
        }
    }

    /** One short-lived process: clone (by its parent), execve, capable, capable, procexit. */
    private static final class Life {
        final Container c;
        final int pidIndex;
        int step;

        Life(Container c, int pidIndex) {
            this.c = c;
            this.pidIndex = pidIndex;
        }

        void write(Out o, long time, SplittableRandom rnd) {
            String[] w = c.workload;
            boolean clone = step == 0;
            o.raw("{\"evt.type\":\"").raw(switch (step) {
                case 0 -> "clone";
                case 1 -> "execve";
                case 2, 3 -> "capable";
                default -> "procexit";
            }).raw("\",\"evt.rawtime\":").num(time).raw(",\"evt.res\":");
            if (clone) {
                o.freshPid(pidIndex);
            } else {
                o.num(step == 2 || step == 3 ? -1 : 0);
            }
            o.raw(",\"proc.pid\":");
            if (clone) {
                o.num(c.parentPid);
            } else {
                o.freshPid(pidIndex);
            }
            o.raw(",\"proc.ppid\":").num(clone ? 1 : c.parentPid)
                .raw(",\"proc.name\":\"").raw(clone ? w[0] : w[2]).raw("\"");
            if (step == 1) {
                o.raw(",\"proc.exepath\":\"").raw(w[3]).raw("\",\"proc.cmdline\":\"").raw(w[4]).raw("\"");
            }
            o.raw(",\"user.uid\":1000,\"thread.cap_effective\":\"0x00000000a80425fb\",\"container.id\":\"").raw(c.id)
                .raw("\",\"container.pids_limit\":").num(c.pidsLimit)
                .raw(",\"container.name\":\"").raw(c.name)
                .raw("\",\"k8s.ns.name\":\"").raw(c.ns)
                .raw("\",\"k8s.pod.name\":\"").raw(c.pod).raw("\"");
            switch (step) {
                case 2, 3 -> o.raw(",\"evt.arg.cap\":").num(PROBED_CAPS[rnd.nextInt(PROBED_CAPS.length)])
                    .raw(",\"evt.arg.audit\":false,\"evt.arg.userns_level\":0");
                case 4 -> o.raw(",\"evt.arg.status\":0");
                default -> { }
            }
            o.raw("}\n");
        }
    }

    /** ASCII output that remembers where each fresh pid was written. */
    private static final class Out {
        private final ByteArrayOutputStream buf;
        private final List<Integer> pidAt = new ArrayList<>();

        Out(int size) {
            buf = new ByteArrayOutputStream(size);
        }

        Out raw(String s) {
            buf.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Out num(long v) {
            return raw(Long.toString(v));
        }

        Out freshPid(int index) {
            pidAt.add(buf.size());
            return num(FIRST_FRESH_PID + index % FRESH_PIDS);
        }

        byte[] bytes() {
            return buf.toByteArray();
        }

        int[] freshPidAt() {
            return pidAt.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
