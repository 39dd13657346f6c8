package dev.vigil.bench.gen;

import java.util.ArrayList;
import java.util.List;

/**
 * A busy Kubernetes node's benign activity: web servers and worker pools, databases, a CSI driver
 * that mounts all day, CI builds that fork fast, host daemons (kubelet, containerd) using
 * CAP_SYS_ADMIN, exec probes through runc, and an engineer's {@code tcpdump} on the host. Every
 * one of these is something a detector must not alert on.
 *
 * <p>The bulk of the events is per-container syscall traffic (accept, read, open, …) whose total
 * rate is the configured simulated events per second; process churn runs at realistic absolute rates.
 */
final class Node {
    enum Kind { NGINX, GUNICORN, REDIS, POSTGRES, MEMCACHED, CSI, CI, EXPORTER, FLUENTBIT, COREDNS, APP, DEBUG }

    /** A container with the processes that generate its steady traffic. */
    static final class Workload {
        final Container container;
        final Kind kind;
        final double weight;
        final List<Proc> steady = new ArrayList<>();
        final String[] fdNames;
        final String[] types;
        Proc main;
        /** The containerd-shim on the host that started it. */
        Proc shim;

        Workload(Container container, Kind kind, double weight, String[] fdNames, String[] types) {
            this.container = container;
            this.kind = kind;
            this.weight = weight;
            this.fdNames = fdNames;
            this.types = types;
        }
    }

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;

    private final Sim sim;
    private final double eventsPerSecond;
    final Container host = Container.host();
    final List<Workload> workloads = new ArrayList<>();
    private Proc systemd;
    private Proc containerd;
    private Proc kubelet;
    private Proc journald;
    private Workload hostWorkload;

    Node(Sim sim, double eventsPerSecond) {
        this.sim = sim;
        this.eventsPerSecond = eventsPerSecond;
    }

    // ---- set-up ----

    String newContainerId() {
        String hex = Long.toHexString(sim.rnd.nextLong() & 0xffffffffffffL);
        return "0".repeat(12 - hex.length()) + hex;
    }

    Workload add(String name, String image, String ns, Kind kind, long pidsLimit, long caps, boolean privileged,
                 double weight) {
        Container c = Container.of(newContainerId(), name, image, ns, pidsLimit, caps, privileged);
        Workload w = new Workload(c, kind, weight, fdNames(kind), types(kind));
        workloads.add(w);
        return w;
    }

    /** Builds the host and the benign containers; attacks add theirs with {@link #add}. */
    void build() {
        systemd = new Proc(1, 0, host, 0, "systemd", "/usr/lib/systemd/systemd", "/sbin/init");
        host.live++;
        containerd = sim.existing(host, 1, 0, "containerd", "/usr/bin/containerd", "/usr/bin/containerd");
        kubelet = sim.existing(host, 1, 0, "kubelet", "/usr/bin/kubelet",
            "/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///run/containerd/containerd.sock");
        journald = sim.existing(host, 1, 0, "systemd-journal", "/usr/lib/systemd/systemd-journald",
            "/usr/lib/systemd/systemd-journald");
        hostWorkload = new Workload(host, null, 6, new String[] {"/var/log/journal/system.journal",
            "/run/containerd/containerd.sock", "/var/lib/kubelet/pods", "/proc/self/mountinfo",
            "/sys/fs/cgroup/kubepods.slice/cpu.stat"}, new String[] {"openat", "write", "read", "connect"});
        hostWorkload.steady.add(containerd);
        hostWorkload.steady.add(kubelet);
        hostWorkload.steady.add(journald);

        long d = Container.DOCKER_DEFAULT_CAPS;
        for (int i = 0; i < 9; i++) {
            add("web-" + i, "docker.io/library/nginx", "shop", Kind.NGINX, 1024, d, false, 3);
        }
        for (int i = 0; i < 8; i++) {
            add("api-" + i, "ghcr.io/acme/shop-api", "shop", Kind.GUNICORN, 512, d, false, 3);
        }
        for (int i = 0; i < 5; i++) {
            add("redis-" + i, "docker.io/library/redis", "cache", Kind.REDIS, 256, d, false, 2);
        }
        for (int i = 0; i < 4; i++) {
            add("postgres-" + i, "docker.io/library/postgres", "db", Kind.POSTGRES, 2048, d, false, 3);
        }
        for (int i = 0; i < 2; i++) {
            add("memcached-" + i, "docker.io/library/memcached", "cache", Kind.MEMCACHED, 128, d, false, 1);
        }
        add("csi-node", "registry.k8s.io/sig-storage/csi-node-driver-registrar", "kube-system", Kind.CSI, -1,
            Container.FULL_CAPS, true, 0.5);
        add("ci-runner-0", "ghcr.io/acme/ci-builder", "ci", Kind.CI, -1, d, false, 1);
        add("ci-runner-1", "ghcr.io/acme/ci-builder", "ci", Kind.CI, 4096, d, false, 1);
        add("ci-runner-2", "ghcr.io/acme/ci-builder", "ci", Kind.CI, 4096, d, false, 1);
        add("node-exporter", "quay.io/prometheus/node-exporter", "monitoring", Kind.EXPORTER, 64, d, false, 1);
        add("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit", "logging", Kind.FLUENTBIT, 128, d, false, 2);
        for (int i = 0; i < 2; i++) {
            add("coredns-" + i, "registry.k8s.io/coredns/coredns", "kube-system", Kind.COREDNS, 256, d, false, 1);
        }
    }

    /** Creates each workload's processes and starts every recurring activity. Call after all {@link #add}s. */
    void start() {
        double total = hostWorkload.weight;
        for (Workload w : workloads) {
            total += w.weight;
        }
        startNoise(hostWorkload, total);
        for (Workload w : workloads) {
            populate(w);
            startNoise(w, total);
            startChurn(w);
        }
        startHostDaemons();
    }

    private void populate(Workload w) {
        Container c = w.container;
        Proc shim = sim.existing(host, 1, 0, "containerd-shim", "/usr/bin/containerd-shim-runc-v2",
            "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id " + c.id + " -address /run/containerd/containerd.sock");
        switch (w.kind) {
            case NGINX -> {
                w.main = sim.existing(c, shim.pid, 0, "nginx", "/usr/sbin/nginx", "nginx: master process nginx -g daemon off;");
                for (int i = 0; i < 4; i++) {
                    w.steady.add(sim.existing(c, w.main.pid, 101, "nginx", "/usr/sbin/nginx", "nginx: worker process"));
                }
            }
            case GUNICORN -> {
                w.main = sim.existing(c, shim.pid, 1000, "gunicorn", "/usr/local/bin/python3.12",
                    "/usr/local/bin/python /usr/local/bin/gunicorn shop.wsgi -w 4 -b 0.0.0.0:8000");
                for (int i = 0; i < 4; i++) {
                    w.steady.add(sim.existing(c, w.main.pid, 1000, "gunicorn", "/usr/local/bin/python3.12", w.main.cmdline));
                }
            }
            case REDIS -> w.main = sim.existing(c, shim.pid, 999, "redis-server", "/usr/local/bin/redis-server",
                "redis-server *:6379");
            case POSTGRES -> {
                w.main = sim.existing(c, shim.pid, 999, "postgres", "/usr/lib/postgresql/16/bin/postgres", "postgres");
                for (String n : new String[] {"checkpointer", "background writer", "walwriter", "autovacuum launcher"}) {
                    w.steady.add(sim.existing(c, w.main.pid, 999, "postgres", w.main.exepath, "postgres: " + n));
                }
            }
            case MEMCACHED -> w.main = sim.existing(c, shim.pid, 11211, "memcached", "/usr/local/bin/memcached", "memcached -m 256");
            case CSI -> w.main = sim.existing(c, shim.pid, 0, "csi-node-driver", "/csi-node-driver-registrar",
                "/csi-node-driver-registrar --csi-address=/csi/csi.sock --kubelet-registration-path=/var/lib/kubelet/plugins/csi/csi.sock");
            case CI -> w.main = sim.existing(c, shim.pid, 1001, "Runner.Listener", "/home/runner/bin/Runner.Listener",
                "/home/runner/bin/Runner.Listener run --startuptype service");
            case EXPORTER -> w.main = sim.existing(c, shim.pid, 65534, "node_exporter", "/bin/node_exporter",
                "/bin/node_exporter --path.rootfs=/host");
            case FLUENTBIT -> w.main = sim.existing(c, shim.pid, 0, "fluent-bit", "/fluent-bit/bin/fluent-bit",
                "/fluent-bit/bin/fluent-bit -c /fluent-bit/etc/fluent-bit.conf");
            case COREDNS -> w.main = sim.existing(c, shim.pid, 65532, "coredns", "/coredns", "/coredns -conf /etc/coredns/Corefile");
            case APP -> {
                w.main = sim.existing(c, shim.pid, 1000, "python3", "/usr/local/bin/python3.12", "python3 -m worker");
                w.steady.add(sim.existing(c, w.main.pid, 1000, "python3", w.main.exepath, "python3 -m worker --child"));
            }
            case DEBUG -> w.main = sim.existing(c, shim.pid, 0, "sleep", "/usr/bin/sleep", "sleep infinity");
        }
        if (w.steady.isEmpty()) {
            w.steady.add(w.main);
        }
        w.shim = shim;
    }

    // ---- steady syscall traffic ----

    private void startNoise(Workload w, double totalWeight) {
        double meanNanos = 1e9 / (eventsPerSecond * w.weight / totalWeight);
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            Proc p = sim.pick(w.steady);
            if (p.alive) {
                String type = sim.pick(w.types);
                long res = type.equals("read") || type.equals("write") || type.startsWith("send")
                    || type.startsWith("recv") ? sim.between(1, 16_384) : sim.between(3, 256);
                sim.syscall(p, type, res, sim.pick(w.fdNames));
            }
            sim.after(sim.expo(meanNanos), self[0]);
        };
        sim.after(sim.expo(meanNanos), self[0]);
    }

    private static String[] types(Kind k) {
        return switch (k) {
            case NGINX -> new String[] {"accept4", "recvfrom", "openat", "sendfile", "writev", "write", "close"};
            case GUNICORN -> new String[] {"accept4", "recvfrom", "sendto", "connect", "openat", "read", "write"};
            case REDIS, MEMCACHED -> new String[] {"accept4", "read", "write", "epoll_wait"};
            case POSTGRES -> new String[] {"openat", "read", "write", "recvfrom", "sendto", "fsync"};
            case COREDNS -> new String[] {"recvfrom", "sendto", "connect"};
            case EXPORTER, FLUENTBIT -> new String[] {"openat", "read", "close", "write"};
            default -> new String[] {"openat", "read", "write", "connect"};
        };
    }

    private String[] fdNames(Kind k) {
        String[] out = new String[32];
        for (int i = 0; i < out.length; i++) {
            String peer = "10.244." + (1 + sim.rnd.nextInt(30)) + "." + (2 + sim.rnd.nextInt(250)) + ":"
                + (30000 + sim.rnd.nextInt(30000));
            out[i] = switch (k) {
                case NGINX -> i % 2 == 0 ? peer + "->10.244.0.17:80" : "/usr/share/nginx/html/static/app." + i + ".js";
                case GUNICORN -> i % 3 == 0 ? "10.96.0." + (10 + i % 4) + ":5432" : peer + "->10.244.0.21:8000";
                case REDIS -> peer + "->10.244.0.31:6379";
                case MEMCACHED -> peer + "->10.244.0.41:11211";
                case POSTGRES -> i % 2 == 0 ? "/var/lib/postgresql/data/base/16384/" + (16400 + i)
                    : peer + "->10.244.0.51:5432";
                case COREDNS -> "10.96.0.10:53->" + peer;
                case EXPORTER -> "/host/proc/" + (1000 + i) + "/stat";
                case FLUENTBIT -> "/var/log/containers/pod-" + i + ".log";
                case CI -> "/home/runner/work/repo/src/file" + i + ".c";
                default -> "/app/data/" + i;
            };
        }
        return out;
    }

    // ---- process churn, per kind ----

    private void startChurn(Workload w) {
        switch (w.kind) {
            case NGINX -> {
                every(w, 10 * S, () -> execProbe(w, "curl", "/usr/bin/curl", "curl -fsS http://127.0.0.1/healthz"));
                every(w, 30 * S, () -> replaceWorker(w, false));
            }
            case GUNICORN -> {
                every(w, 10 * S, () -> execProbe(w, "python3", "/usr/local/bin/python3.12", "python3 /app/healthcheck.py"));
                every(w, 4 * S, () -> replaceWorker(w, false));
                every(w, 2 * S, () -> sim.cloneThread(sim.pick(w.steady)));
                // glibc and Python probe for CAP_SYS_ADMIN without auditing; denied in a normal container.
                every(w, 20 * S, () -> sim.capable(sim.pick(w.steady), "CAP_SYS_ADMIN", false, -1));
            }
            case REDIS -> every(w, 15 * S, () -> bgsave(w));
            case POSTGRES -> every(w, 100 * MS, () -> backend(w));
            case CSI -> {
                every(w, 2 * S, () -> {
                    sim.capable(w.main, "CAP_SYS_ADMIN", true, 0);
                    sim.after(20_000, () -> bindMount(w.main));
                });
                every(w, 8 * S, () -> mountHelper(w.main, "/var/lib/kubelet/pods/" + newContainerId() + "/volumes/csi"));
            }
            case CI -> {
                sim.after(sim.between(20 * MS, 2 * S), () -> build(w));
                // Sandboxed test runners try a user namespace and are refused in a default container.
                every(w, 30 * S, () -> sim.event("unshare", w.main).num("evt.res", -1)
                    .str("evt.arg.flags", "CLONE_NEWUSER|CLONE_NEWNS").end());
            }
            case EXPORTER -> every(w, 15 * S, () -> execProbe(w, "wget", "/bin/wget", "wget -qO- http://127.0.0.1:9100/"));
            case COREDNS -> every(w, 5 * S, () -> sim.cloneThread(w.main));
            default -> {
            }
        }
    }

    /** Runs {@code action} at Poisson-distributed times with this mean interval, for good. */
    private void every(Workload w, long meanNanos, Runnable action) {
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            action.run();
            sim.after(sim.expo(meanNanos), self[0]);
        };
        sim.after(sim.expo(meanNanos), self[0]);
    }

    /**
     * An exec probe or {@code kubectl exec}: containerd runs runc on the host, runc joins the
     * container's namespaces (setns) and executes the command inside, which then exits.
     */
    private void execProbe(Workload w, String name, String exe, String cmdline) {
        Proc runc = sim.clone(containerd);
        sim.after(200_000, () -> {
            sim.execve(runc, "runc", "/usr/bin/runc", "runc --root /run/containerd/runc/k8s.io exec " + w.container.id);
            sim.after(300_000, () -> {
                for (String ns : new String[] {"CLONE_NEWIPC", "CLONE_NEWUTS", "CLONE_NEWNET", "CLONE_NEWPID", "CLONE_NEWNS"}) {
                    sim.event("setns", runc).num("evt.res", 0).str("evt.arg.nstype", ns)
                        .str("fd.name", "/proc/" + w.main.pid + "/ns/" + ns.substring(10).toLowerCase()).end();
                }
                sim.after(400_000, () -> {
                    Proc p = new Proc(sim.newPid(), runc.pid, w.container, w.main.uid, name, exe, cmdline);
                    w.container.live++;
                    sim.execve(p, name, exe, cmdline);
                    sim.after(sim.between(5 * MS, 40 * MS), () -> {
                        sim.socket(p, 2, 1, 6, 3);
                        sim.after(sim.between(1 * MS, 10 * MS), () -> {
                            sim.exit(p);
                            sim.after(300_000, () -> sim.exit(runc));
                        });
                    });
                });
            });
        });
    }

    /** A worker pool replaces a worker (max-requests recycling): the old one exits, the master forks anew. */
    private void replaceWorker(Workload w, boolean unused) {
        Proc old = w.steady.remove(sim.rnd.nextInt(w.steady.size()));
        sim.exit(old);
        sim.after(sim.between(1 * MS, 20 * MS), () -> w.steady.add(sim.clone(w.main)));
    }

    private void bgsave(Workload w) {
        Proc child = sim.clone(w.main);
        child.name = "redis-rdb-bgsave";
        sim.after(sim.between(1 * MS, 5 * MS), () -> {
            sim.syscall(child, "openat", 7, "/data/temp-" + child.pid + ".rdb");
            sim.after(sim.between(20 * MS, 200 * MS), () -> sim.exit(child));
        });
    }

    /** Postgres forks a backend per client connection; it serves a while, then exits. */
    private void backend(Workload w) {
        if (w.container.atLimit()) {
            return;
        }
        Proc b = sim.clone(w.main);
        b.cmdline = "postgres: shop shop 10.244.3.7(51234) idle";
        w.steady.add(b);
        sim.after(sim.between(300 * MS, 3 * S), () -> {
            w.steady.remove(b);
            sim.exit(b);
        });
    }

    private void bindMount(Proc p) {
        String target = "/var/lib/kubelet/pods/" + newContainerId() + "/volumes/kubernetes.io~csi/pvc-" + p.pid + "/mount";
        sim.mount(p, "/var/lib/kubelet/plugins/kubernetes.io/csi/pv/staging", target, "none", "MS_BIND", 0);
    }

    /** A privileged helper (CSI driver, kubelet) executes mount(8), which mounts and exits. */
    private void mountHelper(Proc parent, String target) {
        Proc m = sim.clone(parent);
        sim.after(150_000, () -> {
            sim.execve(m, "mount", "/usr/bin/mount", "mount -t tmpfs tmpfs " + target);
            sim.after(300_000, () -> {
                sim.capable(m, "CAP_SYS_ADMIN", true, 0);
                sim.after(20_000, () -> {
                    sim.mount(m, "tmpfs", target, "tmpfs", "MS_NOSUID|MS_NODEV", 0);
                    sim.after(200_000, () -> sim.exit(m));
                });
            });
        });
    }

    // ---- CI builds: make -j8 ----

    /** A build: the runner starts make -j8, which keeps 8 compile jobs running until its units are done. */
    private void build(Workload w) {
        Proc make = sim.clone(w.main);
        sim.after(500_000, () -> {
            sim.execve(make, "make", "/usr/bin/make", "make -j8 all");
            int[] left = {(int) sim.between(100, 400)};
            int[] running = {0};
            Runnable[] fill = new Runnable[1];
            fill[0] = () -> {
                while (running[0] < 8 && left[0] > 0) {
                    running[0]++;
                    left[0]--;
                    int unit = left[0];
                    sim.after(sim.between(100_000, 2 * MS), () -> compile(make, unit, () -> {
                        running[0]--;
                        if (left[0] == 0 && running[0] == 0) {
                            sim.exit(make);
                            sim.after(sim.between(2 * S, 8 * S), () -> build(w));
                        } else {
                            fill[0].run();
                        }
                    }));
                }
            };
            fill[0].run();
        });
    }

    /** One compile job: sh -c gcc … which runs cc1 then as: three forks, three execs, three exits. */
    private void compile(Proc make, int unit, Runnable done) {
        Proc gcc = sim.clone(make);
        sim.after(300_000, () -> {
            sim.execve(gcc, "gcc", "/usr/bin/gcc", "gcc -O2 -c src/unit" + unit + ".c -o build/unit" + unit + ".o");
            sim.after(1 * MS, () -> {
                Proc cc1 = sim.clone(gcc);
                sim.after(200_000, () -> {
                    sim.execve(cc1, "cc1", "/usr/libexec/gcc/x86_64-linux-gnu/12/cc1", "cc1 -quiet src/unit" + unit + ".c");
                    sim.after(sim.between(120 * MS, 350 * MS), () -> {
                        sim.exit(cc1);
                        sim.after(300_000, () -> {
                            Proc as = sim.clone(gcc);
                            sim.after(200_000, () -> {
                                sim.execve(as, "as", "/usr/bin/as", "as -o build/unit" + unit + ".o /tmp/cc" + unit + ".s");
                                sim.after(sim.between(5 * MS, 25 * MS), () -> {
                                    sim.exit(as);
                                    sim.after(200_000, () -> {
                                        sim.exit(gcc);
                                        done.run();
                                    });
                                });
                            });
                        });
                    });
                });
            });
        });
    }

    // ---- host daemons ----

    private void startHostDaemons() {
        // kubelet mounts projected volumes (tokens, config maps) and tears them down, all day.
        every(hostWorkload, 500 * MS, () -> {
            sim.capable(kubelet, "CAP_SYS_ADMIN", true, 0);
            String dir = "/var/lib/kubelet/pods/" + newContainerId() + "/volumes/kubernetes.io~projected/kube-api-access";
            sim.after(30_000, () -> {
                if (sim.chance(0.5)) {
                    sim.mount(kubelet, "tmpfs", dir, "tmpfs", "MS_NOSUID|MS_NODEV", 0);
                } else {
                    sim.event("umount2", kubelet).num("evt.res", 0).str("evt.arg.name", dir).end();
                }
            });
        });
        every(hostWorkload, 5 * S, () -> mountHelper(kubelet, "/var/lib/kubelet/pods/" + newContainerId() + "/volumes/secret"));
        // containerd moves into network namespaces for CNI and stats.
        every(hostWorkload, 1 * S, () -> {
            sim.capable(containerd, "CAP_SYS_ADMIN", true, 0);
            sim.after(10_000, () -> sim.event("setns", containerd).num("evt.res", 0).str("evt.arg.nstype", "CLONE_NEWNET")
                .str("fd.name", "/var/run/netns/cni-" + newContainerId()).end());
        });
        every(hostWorkload, 3 * S, () -> sim.capable(systemd, "CAP_SYS_ADMIN", true, 0));
    }

    /** An engineer runs tcpdump on the host: a packet socket, but on the host, not in a container. */
    void hostTcpdump() {
        Proc bash = sim.existing(host, 1, 0, "bash", "/usr/bin/bash", "-bash");
        Proc td = sim.clone(bash);
        sim.after(300_000, () -> {
            sim.execve(td, "tcpdump", "/usr/bin/tcpdump", "tcpdump -i any -nn port 53");
            sim.after(500_000, () -> {
                sim.capable(td, "CAP_NET_RAW", true, 0);
                sim.after(10_000, () -> {
                    sim.socket(td, 17, 3, 768, 3);
                    sim.after(2 * S, () -> sim.exit(td));
                });
            });
        });
    }
}
