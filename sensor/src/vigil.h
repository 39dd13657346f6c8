/* Record passed from the BPF programs to user space through the ring buffer.
 * Shared by vigil.bpf.c (producer) and sensor.c/format.c (consumer). */
#ifndef VIGIL_H
#define VIGIL_H

#define VIGIL_COMM_LEN 16
#define VIGIL_CGNAME_LEN 96  /* "cri-containerd-" + 64 hex + ".scope" fits */
#define VIGIL_PARENT_LEN 16  /* enough to recognise "docker" and "pod..." */
#define VIGIL_PATH_LEN 256
#define VIGIL_NR_SYSCALLS 512 /* covers every x86_64 and arm64 syscall number */

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
	EV_TYPE_COUNT
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
	char comm[VIGIL_COMM_LEN];
	char cg_name[VIGIL_CGNAME_LEN];     /* leaf name of the pids cgroup */
	char cg_parent[VIGIL_PARENT_LEN];   /* its parent's name */
	char path[VIGIL_PATH_LEN];          /* execve only: filename */
};

#endif
