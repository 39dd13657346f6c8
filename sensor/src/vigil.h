/* Record passed from the BPF programs to user space through the ring buffer.
 * Shared by vigil.bpf.c (producer) and sensor.c/format.c (consumer). */
#ifndef VIGIL_H
#define VIGIL_H

#define VIGIL_COMM_LEN 16
/* The pids cgroup's path as the BPF side rebuilds it (see fill_cgroup): at
 * most VIGIL_CG_DEPTH segments, the VIGIL_CG_TOP root-most ones (containerd's
 * /<namespace>/<id>) and the leaf-most others (where a runtime's 64-hex id
 * sits, and the sub-cgroups below it). A kubepods systemd path with a
 * cri-containerd scope is ~190 bytes; longer paths are cut (VIGIL_CG_CUT). */
#define VIGIL_CGPATH_LEN 256
#define VIGIL_CG_DEPTH 8
#define VIGIL_CG_TOP 2
#define VIGIL_CG_WALK 32      /* ancestors walked at most; deeper: VIGIL_CG_CUT */
#define VIGIL_PATH_LEN 256
#define VIGIL_NR_SYSCALLS 512 /* covers every x86_64 and arm64 syscall number */
/* Bytes of the exec'd program's argument area (argv[0] NUL argv[1] NUL ...)
 * carried by an execve record; longer command lines are cut here (see
 * sensor/README.md: why 1024). */
#define VIGIL_ARGS_LEN 1024

/* PIDS_MAX in kernel/cgroup/pids.c: PID_MAX_LIMIT + 1 means "max". */
#define VIGIL_PIDS_MAX (4 * 1024 * 1024 + 1)

enum vigil_type {
	EV_CLONE,        /* sched_process_fork: a new process, res = child pid */
	EV_EXECVE,
	EV_PROCEXIT,
	EV_CLONE_FAIL,   /* sys_exit_clone* with ret < 0: res = -errno */
	EV_CLONE3_FAIL,
	EV_FORK_FAIL,
	EV_VFORK_FAIL,
	EV_SOCKET,
	EV_MOUNT,
	EV_UMOUNT2,
	EV_UNSHARE,
	EV_SETNS,
	EV_PIVOT_ROOT,
	EV_BPF,
	EV_INIT_MODULE,
	EV_FINIT_MODULE,
	EV_SWAPON,
	EV_SETHOSTNAME,
	EV_SETDOMAINNAME,
	EV_CAPABLE,
	EV_THROTTLE,     /* a cgroup went over its budget: arg[0] = enum vigil_budget, arg[1] = cgroup id */
	EV_TYPE_COUNT
};

/* Per-cgroup budgets (--cgroup-rate, --cgroup-burst), checked before a record
 * is reserved so that one cgroup's storm cannot fill the ring its neighbours
 * share. Two per cgroup: the process lifecycle (clone, execve, procexit and
 * the clone family's failures) and the security events (raw and packet
 * sockets, mount, unshare, setns, bpf, modules, capable, ...), so that a
 * fork storm never costs a container its attack events (sensor/README.md). */
enum vigil_budget {
	VIGIL_BUDGET_PROCESS,
	VIGIL_BUDGET_SECURITY,
	VIGIL_BUDGETS
};

/* Cgroups with a budget at once (LRU: the least recently active is forgotten,
 * and starts again with a full bucket). */
#define VIGIL_BUDGET_CGROUPS 8192
/* A throttle episode ends after this long without a refused event. */
#define VIGIL_THROTTLE_QUIET_NS 1000000000ULL

/* The value of the "budgets" map, keyed by the pids cgroup's id (kernfs id). */
struct vigil_budget_state {
	unsigned long long tat[VIGIL_BUDGETS];          /* GCRA: theoretical arrival time, boot ns */
	unsigned long long throttled[VIGIL_BUDGETS];    /* events refused, ever */
	unsigned long long episode_base[VIGIL_BUDGETS]; /* throttled[] when the episode began */
	unsigned long long first_deny_ns;               /* boot ns: the episode's first refusal */
	unsigned long long last_deny_ns;                /* boot ns: the last refusal */
	unsigned long long announce;                    /* 1: the episode's EV_THROTTLE not yet in the ring */
};

struct vigil_event {
	unsigned long long boot_ns;   /* bpf_ktime_get_boot_ns() */
	unsigned long long cap_effective;
	long long res;
	long long arg[3];             /* meaning per type: see format.c */
	long long pids_limit;         /* pids.max of the task's v1 pids cgroup */
	unsigned int type;            /* enum vigil_type */
	unsigned int pid;             /* tgid */
	unsigned int ppid;            /* real_parent tgid */
	unsigned int uid;
	int cg_level;                 /* 0 = root pids cgroup, -1 = unknown */
	unsigned int cg_flags;        /* VIGIL_CG_CUT */
	char comm[VIGIL_COMM_LEN];
	/* "/seg1/seg2/.../leaf" of the pids cgroup, NUL-terminated. When
	 * cg_level > VIGIL_CG_DEPTH, levels VIGIL_CG_TOP+1 .. cg_level-6 are
	 * left out (a gap after the second segment). cg_path must stay right
	 * before path: the BPF side writes it at a variable offset, and the
	 * verifier accepts that only when the record extends VIGIL_CGPATH_LEN
	 * bytes past cg_path's start plus the longest write (nothing is ever
	 * written past cg_path itself). */
	char cg_path[VIGIL_CGPATH_LEN];
	char path[VIGIL_PATH_LEN];          /* execve only: filename */
};

/* cg_flags: the path is incomplete (too long for cg_path, deeper than
 * VIGIL_CG_WALK, or a name could not be read): no container id from it. */
#define VIGIL_CG_CUT 1u

/* args_state of struct vigil_exec_event. */
enum vigil_args_state {
	VIGIL_ARGS_OK,         /* args[0..args_len) is the whole argument area */
	VIGIL_ARGS_TRUNCATED,  /* args[0..args_len) is its first VIGIL_ARGS_LEN bytes */
	VIGIL_ARGS_FAILED,     /* it could not be read: no proc.cmdline */
};

/* The execve record: the common record, then the new program's arguments.
 * Only execve records are this big; every other record is a bare struct
 * vigil_event, so that clone and socket storms do not pay for the buffer.
 * The reader checks the record's size before touching the fields below. */
struct vigil_exec_event {
	struct vigil_event ev;        /* ev.type == EV_EXECVE */
	unsigned int args_len;        /* bytes of args read, <= VIGIL_ARGS_LEN */
	unsigned int args_state;      /* enum vigil_args_state */
	char args[VIGIL_ARGS_LEN];    /* raw, NUL-separated, not NUL-terminated */
};

#endif
