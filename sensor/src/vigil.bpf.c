// SPDX-License-Identifier: GPL-2.0
/* Vigil sensor: kernel side. Turns scheduler and syscall tracepoints into
 * struct vigil_event records in one ring buffer. Everything a rule cannot
 * use is dropped here, before it costs a copy to user space. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vigil.h"

char LICENSE[] SEC("license") = "GPL"; /* probe_read helpers are GPL-only */

/* Set by user space before load. */
const volatile __u32 self_tgid;        /* never report the sensor's own syscalls */
const volatile __u64 capable_mask;     /* capabilities worth a "capable" event */
const volatile __u64 wakeup_bytes;     /* wake the reader once this much is queued */
/* The per-cgroup budgets (GCRA, one word per budget): an event is let through
 * when its cgroup's theoretical arrival time is at most budget_tolerance_ns
 * ahead of now, and pushes it budget_interval_ns further. interval = 1 s /
 * --cgroup-rate; tolerance = (--cgroup-burst - 1) * interval. 0: no budget. */
const volatile __u64 budget_interval_ns;
const volatile __u64 budget_tolerance_ns;
/* Syscall number -> enum vigil_type + 1 (0: not of interest). Filled by user
 * space from its own <sys/syscall.h>, so the numbers match the build's arch. */
const volatile __u8 syscall_event[VIGIL_NR_SYSCALLS];

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by user space (--ring-mb) */
} events SEC(".maps");

/* Reserve failures (ring full), per CPU so that counting never contends. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Each pids cgroup's budgets and what they refused (struct vigil_budget_state).
 * Bounded and LRU: a cgroup that stopped making events is forgotten first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VIGIL_BUDGET_CGROUPS);
	__type(key, __u64);
	__type(value, struct vigil_budget_state);
} budgets SEC(".maps");

/* Before 6.3, kernel_cap_t was struct kernel_cap_struct { __u32 cap[2]; }. */
struct kernel_cap_struct___pre63 {
	__u32 cap[2];
};
struct cred___pre63 {
	struct kernel_cap_struct___pre63 cap_effective;
};

static __always_inline __u64 cap_effective(struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);

	if (bpf_core_field_exists(cred->cap_effective.val))
		return BPF_CORE_READ(cred, cap_effective.val);
	struct cred___pre63 *old = (void *)cred;
	__u32 c[2] = {};
	bpf_core_read(&c, sizeof(c), &old->cap_effective.cap);
	return c[0] | (__u64)c[1] << 32;
}

/* The pids cgroup's path into e->cg_path, root-first: levels 1..VIGIL_CG_TOP
 * and the leaf-most VIGIL_CG_DEPTH - VIGIL_CG_TOP levels (all of them when
 * the cgroup is at most VIGIL_CG_DEPTH deep). Those are the segments the
 * container id rule (format.c) looks at: containerd's /<namespace>/<id> at
 * the top, a runtime's 64-hex id at or just above the leaf. User space knows
 * from cg_level whether levels were left out between them. */
static __always_inline void fill_cgroup_path(struct vigil_event *e, struct cgroup *cg, int level)
{
	const char *name[VIGIL_CG_DEPTH] = {};
	int lo = level - (VIGIL_CG_DEPTH - VIGIL_CG_TOP) + 1; /* leaf-most kept level */
	int want;

	if (lo <= VIGIL_CG_TOP)
		lo = VIGIL_CG_TOP + 1;
	want = level <= VIGIL_CG_TOP ? level : VIGIL_CG_TOP + level - lo + 1;
	if (level == 0) {
		e->cg_path[0] = '/';
		e->cg_path[1] = 0;
		return;
	}
	/* Walk up from the leaf; cgroup c is at level - i. */
	struct cgroup *c = cg;
	for (int i = 0; i < VIGIL_CG_WALK && c; i++) {
		int lv = level - i;
		if (lv <= 0)
			break;
		if (lv <= VIGIL_CG_TOP)
			name[(lv - 1) & (VIGIL_CG_DEPTH - 1)] = BPF_CORE_READ(c, kn, name);
		else if (lv >= lo)
			name[(VIGIL_CG_TOP + lv - lo) & (VIGIL_CG_DEPTH - 1)] = BPF_CORE_READ(c, kn, name);
		struct cgroup_subsys_state *parent = BPF_CORE_READ(c, self.parent);
		c = parent ? BPF_CORE_READ(parent, cgroup) : NULL;
	}
	/* Then "/" name "/" name ..., each name read where the last one's NUL
	 * was. The offset is masked so that the verifier sees it in bounds. */
	__u32 off = 0;
	int i;
	for (i = 0; i < VIGIL_CG_DEPTH && i < want; i++) {
		if (!name[i] || off >= VIGIL_CGPATH_LEN - 1)
			break;
		e->cg_path[off & (VIGIL_CGPATH_LEN - 1)] = '/';
		__u32 o = off + 1;
		barrier_var(o); /* keep the mask: clang drops it, knowing o < 256 */
		o &= VIGIL_CGPATH_LEN - 1;
		__u32 room = VIGIL_CGPATH_LEN - o;
		long r = bpf_probe_read_kernel_str(&e->cg_path[o], room, name[i]);
		if (r <= 0 || r >= room) /* unreadable, or cut at the buffer's end */
			break;
		off = o + r - 1;
	}
	if (i == want)
		return;
	e->cg_path[VIGIL_CGPATH_LEN - 1] = 0;
	e->cg_flags |= VIGIL_CG_CUT;
}

/* The task's v1 (or v2) pids cgroup, or NULL. */
static __always_inline struct cgroup_subsys_state *pids_css(struct task_struct *task)
{
	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, pids_cgrp_id))
		return NULL;
	int id = bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id);
	if (id < 0 || id >= 12) /* keep the verifier sure of the bound */
		return NULL;
	return BPF_CORE_READ(task, cgroups, subsys[id]);
}

/* The pids cgroup css (may be NULL): its path, its depth and its pids.max.
 * User space turns the path into a container id. */
static __always_inline void fill_cgroup(struct vigil_event *e, struct cgroup_subsys_state *css)
{
	e->cg_level = -1;
	e->pids_limit = -2; /* unknown */
	if (!css)
		return;
	struct cgroup *cg = BPF_CORE_READ(css, cgroup);
	int level = BPF_CORE_READ(cg, level);
	e->cg_level = level;
	fill_cgroup_path(e, cg, level);
	/* css is the first member of struct pids_cgroup. */
	struct pids_cgroup *pids = (void *)css;
	if (bpf_core_type_exists(struct pids_cgroup)) {
		long long limit = BPF_CORE_READ(pids, limit.counter);
		e->pids_limit = limit >= VIGIL_PIDS_MAX ? -1 : limit;
	}
}

/* Reserve a record of size bytes, or count a loss (the ring is full). */
static __always_inline void *reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			(*n)++;
	}
	return e;
}

/* The fields every record has, for the current task in the pids cgroup css. */
static __always_inline void fill_common(struct vigil_event *e, __u32 type, long long res,
					struct task_struct *task, struct cgroup_subsys_state *css, __u64 now)
{
	e->boot_ns = now;
	e->type = type;
	e->res = res;
	e->arg[0] = e->arg[1] = e->arg[2] = 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->cap_effective = cap_effective(task);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->cg_path[0] = e->path[0] = 0;
	e->cg_flags = 0;
	fill_cgroup(e, css);
}

/* Waking the reader per record costs more than the record; wake it only when
 * a batch is waiting. The reader's poll timeout (--flush-ms) bounds latency. */
static __always_inline void submit(struct vigil_event *e)
{
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* The EV_THROTTLE record that starts an episode: who hit the budget, in which
 * cgroup (arg[1]: its id, which user space follows until the episode ends). */
static __always_inline bool announce(__u32 budget, __u64 cgid, struct task_struct *task,
				     struct cgroup_subsys_state *css, __u64 now)
{
	struct vigil_event *e = reserve(sizeof(struct vigil_event));
	if (!e)
		return false;
	fill_common(e, EV_THROTTLE, 0, task, css, now);
	e->arg[0] = budget;
	e->arg[1] = cgid;
	submit(e);
	return true;
}

/* A refused event: counted, and the first refusal after a quiet second starts
 * an episode, announced by one record (retried at the next refusal when the
 * ring is full). Only the CPU whose exchange saw the quiet gap starts it. */
static __always_inline void refuse(struct vigil_budget_state *b, __u32 budget, __u64 cgid,
				   struct task_struct *task, struct cgroup_subsys_state *css, __u64 now)
{
	__u64 prev = __sync_lock_test_and_set(&b->last_deny_ns, now);
	if (prev == 0 || (long long)(now - prev) > (long long)VIGIL_THROTTLE_QUIET_NS) {
		b->episode_base[VIGIL_BUDGET_PROCESS] = b->throttled[VIGIL_BUDGET_PROCESS];
		b->episode_base[VIGIL_BUDGET_SECURITY] = b->throttled[VIGIL_BUDGET_SECURITY];
		b->first_deny_ns = now;
		b->announce = 1;
	}
	__sync_fetch_and_add(&b->throttled[budget & 1], 1);
	if (b->announce && __sync_val_compare_and_swap(&b->announce, 1, 0) == 1 &&
	    !announce(budget, cgid, task, css, now))
		b->announce = 1;
}

/* Whether the cgroup's budget for this event type has room (GCRA, a token
 * bucket in one word: compare-and-swap, no lock, which tracing programs may
 * not take). A lost race twice in a row lets the event through. */
static __always_inline bool within_budget(__u32 type, struct task_struct *task,
					  struct cgroup_subsys_state *css, __u64 now)
{
	if (!budget_interval_ns)
		return true;
	__u32 budget = type <= EV_VFORK_FAIL ? VIGIL_BUDGET_PROCESS : VIGIL_BUDGET_SECURITY;
	__u64 cgid = css ? BPF_CORE_READ(css, cgroup, kn, id) : 0;
	struct vigil_budget_state *b = bpf_map_lookup_elem(&budgets, &cgid);
	if (!b) {
		struct vigil_budget_state fresh = {};
		bpf_map_update_elem(&budgets, &cgid, &fresh, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&budgets, &cgid);
		if (!b)
			return true;
	}
	for (int i = 0; i < 2; i++) {
		__u64 tat = b->tat[budget & 1];
		__u64 base = tat > now ? tat : now;
		if (base - now > budget_tolerance_ns) {
			refuse(b, budget, cgid, task, css, now);
			return false;
		}
		if (__sync_val_compare_and_swap(&b->tat[budget & 1], tat, base + budget_interval_ns) == tat)
			return true;
	}
	return true;
}

/* Reserve a record of size bytes (a constant: sizeof(struct vigil_event), or
 * more for a record that begins with one) for the current task and fill the
 * common fields; NULL when its cgroup is over budget (counted there) or the
 * ring is full (counted as lost). The caller fills the rest and calls submit(). */
static __always_inline struct vigil_event *start_sized(__u32 type, long long res, __u64 size)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct cgroup_subsys_state *css = pids_css(task);
	__u64 now = bpf_ktime_get_boot_ns();
	if (!within_budget(type, task, css, now))
		return NULL;
	struct vigil_event *e = reserve(size);
	if (e)
		fill_common(e, type, res, task, css, now);
	return e;
}

static __always_inline struct vigil_event *start(__u32 type, long long res)
{
	return start_sized(type, res, sizeof(struct vigil_event));
}

static __always_inline bool is_self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

/* Everything is attached to raw tracepoints: they need neither tracefs (not
 * mounted on many nodes and in most sensor containers) nor kprobes (absent on
 * some kernels), only CAP_BPF + CAP_PERFMON. */

/* Process lifecycle. Thread creation and thread exit are filtered out: the
 * contract's proc.* fields are per process, and pids.max failures of thread
 * creation still arrive through the clone family's sys_exit. */

SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(child, tgid);
	if (BPF_CORE_READ(child, pid) != tgid || is_self())
		return 0;
	struct vigil_event *e = start(EV_CLONE, tgid);
	if (e)
		submit(e);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct vigil_exec_event *x =
		(void *)start_sized(EV_EXECVE, 0, sizeof(struct vigil_exec_event));
	if (!x)
		return 0;
	bpf_probe_read_kernel_str(x->ev.path, sizeof(x->ev.path), BPF_CORE_READ(bprm, filename));
	/* The new program's argv, as the kernel just laid it out on its stack:
	 * mm->arg_start .. arg_end, NUL-separated. Those pages were written by
	 * this exec, so the non-faulting read finds them present. */
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long arg_start = BPF_CORE_READ(mm, arg_start), arg_end = BPF_CORE_READ(mm, arg_end);
	__u32 len = VIGIL_ARGS_LEN;
	x->args_len = 0;
	x->args_state = VIGIL_ARGS_FAILED;
	if (arg_start && arg_end >= arg_start) {
		x->args_state = VIGIL_ARGS_OK;
		if (arg_end - arg_start > VIGIL_ARGS_LEN)
			x->args_state = VIGIL_ARGS_TRUNCATED;
		else
			len = arg_end - arg_start;
		barrier_var(len); /* keep the bound check below where the verifier sees it */
		if (len > VIGIL_ARGS_LEN || bpf_probe_read_user(x->args, len, (void *)arg_start) != 0)
			x->args_state = VIGIL_ARGS_FAILED;
		else
			x->args_len = len;
	}
	submit(&x->ev);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid)) /* a thread */
		return 0;
	struct vigil_event *e = start(EV_PROCEXIT, 0);
	if (!e)
		return 0;
	e->arg[0] = BPF_CORE_READ(task, exit_code); /* wait(2) status */
	submit(e);
	return 0;
}

/* Syscalls. raw sys_enter/sys_exit fire for every syscall, so the first thing
 * done is one load from syscall_event[]; only the listed syscalls go on.
 * sys_enter remembers the arguments by thread id, sys_exit emits one event
 * with the result. */

struct pending {
	__u32 type;
	long long arg[3];
};

/* LRU so that a thread killed inside a syscall cannot leak an entry. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

static __always_inline int interesting(long nr)
{
	if (nr < 0 || nr >= VIGIL_NR_SYSCALLS)
		return -1;
	return (int)syscall_event[nr] - 1;
}

#define AF_PACKET 17
#define SOCK_RAW 3
#define SOCK_TYPE_MASK 0xf

SEC("raw_tp/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long nr)
{
	int type = interesting(nr);
	if (type < 0 || is_self())
		return 0;
	struct pending p = { .type = type };
	switch (type) {
	case EV_CLONE_FAIL: case EV_CLONE3_FAIL: case EV_FORK_FAIL: case EV_VFORK_FAIL:
		return 0; /* nothing to remember: only the result matters */
	case EV_SOCKET: /* only packet and raw sockets cross to user space */
		p.arg[0] = PT_REGS_PARM1_CORE_SYSCALL(regs); /* domain */
		p.arg[1] = PT_REGS_PARM2_CORE_SYSCALL(regs); /* type */
		p.arg[2] = PT_REGS_PARM3_CORE_SYSCALL(regs); /* protocol */
		if (p.arg[0] != AF_PACKET && (p.arg[1] & SOCK_TYPE_MASK) != SOCK_RAW)
			return 0;
		break;
	case EV_MOUNT:
		p.arg[0] = PT_REGS_PARM4_CORE_SYSCALL(regs); /* mountflags */
		break;
	case EV_UMOUNT2: case EV_SWAPON: case EV_INIT_MODULE:
		p.arg[0] = PT_REGS_PARM2_CORE_SYSCALL(regs); /* flags; init_module: len */
		break;
	case EV_UNSHARE: case EV_BPF:
		p.arg[0] = PT_REGS_PARM1_CORE_SYSCALL(regs); /* flags; bpf: cmd */
		break;
	case EV_SETNS:
		p.arg[0] = PT_REGS_PARM1_CORE_SYSCALL(regs); /* fd */
		p.arg[1] = PT_REGS_PARM2_CORE_SYSCALL(regs); /* nstype */
		break;
	case EV_FINIT_MODULE:
		p.arg[0] = PT_REGS_PARM1_CORE_SYSCALL(regs); /* fd */
		p.arg[1] = PT_REGS_PARM3_CORE_SYSCALL(regs); /* flags */
		break;
	}
	__u32 tid = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	int type = interesting(BPF_CORE_READ(regs, orig_ax));
	if (type < 0)
		return 0;
	struct vigil_event *e;
	switch (type) {
	case EV_CLONE_FAIL: case EV_CLONE3_FAIL: case EV_FORK_FAIL: case EV_VFORK_FAIL:
		/* A success is already reported once, by sched_process_fork:
		 * only failures (e.g. -EAGAIN at pids.max) cross here. */
		if (ret >= 0 || is_self())
			return 0;
		e = start(type, ret);
		if (e)
			submit(e);
		return 0;
	}
	__u32 tid = bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return 0;
	if (p->type == type && (e = start(type, ret))) {
		e->arg[0] = p->arg[0];
		e->arg[1] = p->arg[1];
		e->arg[2] = p->arg[2];
		submit(e);
	}
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/* cap_capable(cred, target_ns, cap, opts) -> 0 or -EPERM. Needs BPF
 * trampolines (fexit); user space loads this only when the kernel has them. */
#define CAP_OPT_NOAUDIT 2

SEC("fexit/cap_capable")
int BPF_PROG(on_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	if (cap < 0 || cap > 63 || !(capable_mask & (1ULL << cap)) || is_self())
		return 0;
	struct vigil_event *e = start(EV_CAPABLE, ret);
	if (!e)
		return 0;
	e->arg[0] = cap;
	e->arg[1] = !(opts & CAP_OPT_NOAUDIT);
	e->arg[2] = BPF_CORE_READ(ns, level);
	submit(e);
	return 0;
}
