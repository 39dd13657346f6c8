/* vigil-sensor: loads the BPF programs, drains their ring buffer, and writes
 * the events as JSON lines to the agent's Unix stream socket in large writes.
 *
 * One thread. The loop: wait on the ring (at most --flush-ms), render every
 * queued record into the output buffer, write the buffer when it holds
 * FLUSH_BYTES, when the ring is empty, or when its oldest line is --flush-ms
 * old. While the agent is away, records are drained and their lines kept in
 * the backlog (--buffer-bytes), so that the kernel ring never backs up behind
 * a dead peer; when the agent is back the backlog is replayed, in order,
 * before any new line, and what it could not keep is reported as one
 * vigil_sensor_lost line (reason agent_away_buffer_full) with the first and
 * last event time of the lost events. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "backlog.h"
#include "format.h"
#include "vigil.skel.h"

#define FLUSH_BYTES (64 * 1024)
#define OUT_CAPACITY (FLUSH_BYTES + VIGIL_LINE_MAX)
#define LOST_REPORT_NS 1000000000LL       /* at most one loss line per second */
#define BACKOFF_MIN_NS 100000000LL        /* reconnect backoff: 100 ms ... */
#define BACKOFF_MAX_NS 5000000000LL       /* ... doubling up to 5 s */
#define MAX_NAMESPACES 16                 /* --containerd-namespaces entries */
#define BUFFER_BYTES_DEFAULT (64ULL << 20) /* --buffer-bytes: about a minute of a busy node */
#define REPLAY_CHUNK (1 << 20)            /* backlog bytes sent between two looks at the ring */
/* --cgroup-rate, --cgroup-burst: events a second per cgroup and budget, and
 * the burst above it. About 1,700 fork + exec + exit a second from one
 * container, sustained: more than a busy node's whole normal load (README). */
#define CGROUP_RATE_DEFAULT 5000ULL
/* Throttle episodes are looked at this often: less than the quiet second
 * that ends one, so that every quiet gap has a look in it (see episodes_tick). */
#define EPISODE_TICK_NS 250000000LL

/* Capabilities whose checks become "capable" events (when fexit works):
 * the ones rules about container breakout look at. */
#define CAPABLE_DEFAULT_MASK ((1ULL << 21) /* SYS_ADMIN */ | (1ULL << 16) /* SYS_MODULE */ | \
	(1ULL << 17) /* SYS_RAWIO */ | (1ULL << 19) /* SYS_PTRACE */ | (1ULL << 13) /* NET_RAW */ | \
	(1ULL << 12) /* NET_ADMIN */ | (1ULL << 39) /* BPF */ | (1ULL << 38) /* PERFMON */ | \
	(1ULL << 2) /* DAC_READ_SEARCH */ | (1ULL << 22) /* SYS_BOOT */)

struct sensor {
	const char *socket_path;
	long long flush_ns;
	long long epoch_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME at start */
	int fd;                    /* connection to the agent, -1 when away */
	long long next_connect_ns; /* boottime of the next connection attempt */
	long long backoff_ns;
	char out[OUT_CAPACITY];
	size_t out_len;
	unsigned long out_lines;
	long long oldest_ns;       /* boottime when the first buffered line came */
	int lost_fd;               /* the per-CPU "lost" map */
	int ncpus;
	unsigned long long ringbuf_lost_seen; /* kernel counter, already reported */
	long long ringbuf_since_ns;           /* epoch ns of the last ringbuf report */
	struct vigil_backlog backlog;         /* lines kept while the agent is away */
	char line[VIGIL_LINE_MAX];            /* one line on its way to the backlog */
	unsigned long long delivered, lost_ringbuf_total, lost_away_total, replayed;
	long long last_report_ns;
	const char *const *namespaces;     /* containerd's, NULL-terminated */
	int stop_on_stdin_eof;             /* --stop-on-stdin-eof */
	unsigned long long cgroup_rate, cgroup_burst; /* 0: no budget */
	int budgets_fd;                    /* the "budgets" map */
	long long episodes_ns;             /* boottime of the last look at the episodes */
	int n_episodes;
	struct episode *episodes;          /* VIGIL_BUDGET_CGROUPS of them */
	unsigned long long throttled_total[VIGIL_BUDGETS]; /* in the stop lines sent */
};

/* A throttle episode of one cgroup, from its start line to its stop line: what
 * the kernel's "budgets" entry said at the last look. */
struct episode {
	unsigned long long cgid;
	char id[13];                       /* container id, when known */
	int id_known;
	unsigned long long first_ns;       /* boot ns: the kernel's first_deny_ns */
	unsigned long long last_ns;        /* boot ns: its last_deny_ns */
	unsigned long long base[VIGIL_BUDGETS], seen[VIGIL_BUDGETS];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Waits up to timeout_ms on stdin, when --stop-on-stdin-eof: its end (the
 * writer closed the pipe: the agent that started us stopped or died, in any
 * way) or any byte is a stop request, as SIGTERM is. Without the option, a
 * plain sleep. Nothing is read: a stop is final. */
static void wait_on_stdin(const struct sensor *s, int timeout_ms)
{
	if (!s->stop_on_stdin_eof) {
		usleep(timeout_ms * 1000);
		return;
	}
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) > 0 && !stopping) {
		fprintf(stderr, "vigil-sensor: stdin %s: stopping\n", (p.revents & POLLIN) ? "readable" : "closed");
		stopping = 1;
	}
}

static long long now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* sent: bytes of the output buffer the socket took before it failed. The
 * lines after the last whole one sent go to the backlog, to be sent again. */
static void disconnect(struct sensor *s, const char *why, size_t sent)
{
	fprintf(stderr, "vigil-sensor: agent connection lost: %s\n", why);
	close(s->fd);
	s->fd = -1;
	size_t whole = 0;
	for (size_t i = 0; i < sent; i++)
		if (s->out[i] == '\n') {
			whole = i + 1;
			s->delivered++;
		}
	vigil_backlog_rewind(&s->backlog);
	vigil_backlog_push_lines(&s->backlog, s->out + whole, s->out_len - whole);
	s->out_len = s->out_lines = 0;
	s->backoff_ns = BACKOFF_MIN_NS;
	s->next_connect_ns = now_ns(CLOCK_BOOTTIME) + s->backoff_ns;
}

static void try_connect(struct sensor *s)
{
	long long now = now_ns(CLOCK_BOOTTIME);
	if (s->fd >= 0 || now < s->next_connect_ns)
		return;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strncpy(addr.sun_path, s->socket_path, sizeof(addr.sun_path) - 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		fprintf(stderr, "vigil-sensor: connected to %s\n", s->socket_path);
		s->fd = fd;
		return;
	}
	if (fd >= 0)
		close(fd);
	s->next_connect_ns = now + s->backoff_ns;
	s->backoff_ns = s->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : s->backoff_ns * 2;
}

/* Blocks until the agent accepts a connection (or a signal stops us), trying
 * every 50 ms. The sensor attaches nothing before: what happens on the node
 * before anybody listens has nowhere to go, and capturing it would only be
 * kept in the backlog, or reported lost, at every start. */
static void wait_for_agent(struct sensor *s)
{
	fprintf(stderr, "vigil-sensor: waiting for the agent on %s\n", s->socket_path);
	while (!stopping && s->fd < 0) {
		s->next_connect_ns = 0;
		s->backoff_ns = BACKOFF_MIN_NS;
		try_connect(s);
		if (s->fd < 0)
			wait_on_stdin(s, 50);
	}
}

static void flush(struct sensor *s)
{
	size_t done = 0;
	while (s->fd >= 0 && done < s->out_len) {
		ssize_t n = send(s->fd, s->out + done, s->out_len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += n;
		} else if (n < 0 && errno == EINTR && !stopping) {
			continue;
		} else {
			disconnect(s, n < 0 ? strerror(errno) : "short write", done);
			return;
		}
	}
	s->delivered += s->out_lines;
	s->out_len = s->out_lines = 0;
}

static void append_line(struct sensor *s, size_t len)
{
	if (s->out_lines == 0)
		s->oldest_ns = now_ns(CLOCK_BOOTTIME);
	s->out_len += len;
	s->out_lines++;
	if (s->out_len >= FLUSH_BYTES)
		flush(s);
}

static void episode_start(struct sensor *s, const struct vigil_event *e);

/* The line for record e at out. */
static size_t render(struct sensor *s, char *out, const struct vigil_event *e, size_t size)
{
	if (e->type != EV_THROTTLE)
		return vigil_format_event(out, e, size, s->epoch_offset_ns, s->namespaces);
	return vigil_format_throttle_start(out, e, s->epoch_offset_ns, s->namespaces, s->cgroup_rate,
					   s->cgroup_burst);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct sensor *s = ctx;
	if (size < sizeof(struct vigil_event) || ((struct vigil_event *)data)->type >= EV_TYPE_COUNT)
		return 0;
	/* An episode's start ends the cgroup's previous one, whose stop line
	 * goes out first. */
	if (((struct vigil_event *)data)->type == EV_THROTTLE)
		episode_start(s, data);
	/* Execve records are a struct vigil_exec_event (with the arguments);
	 * vigil_format_event reads that part only when size covers it. */
	if (s->fd < 0 || s->backlog.used) {
		/* Away, or what was kept is not all sent yet: keep, in order. */
		const struct vigil_event *e = data;
		size_t n = render(s, s->line, e, size);
		if (!vigil_backlog_push(&s->backlog, s->line, n, (long long)e->boot_ns + s->epoch_offset_ns))
			s->lost_away_total++;
		return 0;
	}
	append_line(s, render(s, s->out + s->out_len, data, size));
	return 0;
}

/* A stop line (into the output buffer, or the backlog while the agent is away
 * or the backlog is being replayed, so that it follows the start line). */
static void emit_line(struct sensor *s, const char *line, size_t n, long long rawtime)
{
	if (s->fd < 0 || s->backlog.used) {
		if (!vigil_backlog_push(&s->backlog, line, n, rawtime))
			s->lost_away_total++;
		return;
	}
	memcpy(s->out + s->out_len, line, n);
	append_line(s, n);
}

/* Ends episode i: its stop line, with what the last look saw. */
static void episode_stop(struct sensor *s, int i)
{
	struct episode *ep = &s->episodes[i];
	unsigned long long n[VIGIL_BUDGETS];
	for (int b = 0; b < VIGIL_BUDGETS; b++) {
		n[b] = ep->seen[b] - ep->base[b];
		s->throttled_total[b] += n[b];
	}
	long long now = now_ns(CLOCK_BOOTTIME) + s->epoch_offset_ns;
	size_t len = vigil_format_throttle_stop(s->line, now, ep->id_known ? ep->id : NULL, n,
						(long long)ep->first_ns + s->epoch_offset_ns,
						(long long)ep->last_ns + s->epoch_offset_ns);
	emit_line(s, s->line, len, now);
	s->episodes[i] = s->episodes[--s->n_episodes];
}

/* Looks at episode i's kernel entry: 1 when it is still going (seen[] and
 * last_ns brought up to date), 0 when it ended: quiet for
 * VIGIL_THROTTLE_QUIET_NS, forgotten by the LRU map, or followed by a new
 * episode of the same cgroup whose start line is still to come. */
static int episode_look(struct sensor *s, int i, long long now_boot)
{
	struct episode *ep = &s->episodes[i];
	struct vigil_budget_state b;
	if (bpf_map_lookup_elem(s->budgets_fd, &ep->cgid, &b) != 0)
		return 0;
	if (ep->first_ns && b.first_deny_ns != ep->first_ns)
		return 0;
	ep->first_ns = b.first_deny_ns;
	ep->last_ns = b.last_deny_ns;
	memcpy(ep->base, b.episode_base, sizeof(ep->base));
	memcpy(ep->seen, b.throttled, sizeof(ep->seen));
	return now_boot - (long long)b.last_deny_ns <= (long long)VIGIL_THROTTLE_QUIET_NS;
}

static void episode_start(struct sensor *s, const struct vigil_event *e)
{
	unsigned long long cgid = e->arg[1];
	for (int i = 0; i < s->n_episodes; i++)
		if (s->episodes[i].cgid == cgid) {
			episode_stop(s, i); /* the kernel began a new one: the old one ended */
			break;
		}
	if (s->n_episodes == VIGIL_BUDGET_CGROUPS)
		return; /* more than the kernel map holds: cannot be */
	struct episode *ep = &s->episodes[s->n_episodes++];
	memset(ep, 0, sizeof(*ep));
	ep->cgid = cgid;
	ep->id_known = vigil_container_id(e, s->namespaces, ep->id) >= 0;
	/* The episode's first refusal is the kernel entry's, not this record's time: with
	 * the ring full at the first refusal, the kernel writes the start record at a later
	 * one, and taking its time for the first would end the episode at the first look
	 * (a stop line with nothing counted while the storm went on). */
	ep->first_ns = 0;
	ep->last_ns = e->boot_ns;
	episode_look(s, s->n_episodes - 1, e->boot_ns);
	if (!ep->first_ns)
		ep->first_ns = e->boot_ns; /* the entry is gone already: the next look ends it */
}

/* Every EPISODE_TICK_NS: a stop line for each episode that ended. The tick is
 * shorter than the quiet second that ends an episode, so an episode's last
 * counts are seen before the kernel can begin the next one. */
static void episodes_tick(struct sensor *s, int all)
{
	long long now = now_ns(CLOCK_BOOTTIME);
	if (!all && now - s->episodes_ns < EPISODE_TICK_NS)
		return;
	s->episodes_ns = now;
	for (int i = s->n_episodes - 1; i >= 0; i--)
		if (!episode_look(s, i, now) || all)
			episode_stop(s, i);
}

static unsigned long long read_ringbuf_lost(struct sensor *s)
{
	unsigned long long per_cpu[s->ncpus], sum = 0;
	unsigned zero = 0;
	if (bpf_map_lookup_elem(s->lost_fd, &zero, per_cpu) == 0)
		for (int i = 0; i < s->ncpus; i++)
			sum += per_cpu[i];
	return sum;
}

/* Sends the backlog, REPLAY_CHUNK bytes at most, then looks at the ring
 * again (whose new lines join the backlog's tail until it is empty). */
static void replay(struct sensor *s)
{
	size_t budget = REPLAY_CHUNK;
	const char *p;
	size_t len;
	while (s->fd >= 0 && budget && (len = vigil_backlog_peek(&s->backlog, &p))) {
		ssize_t n = send(s->fd, p, len < budget ? len : budget, MSG_NOSIGNAL);
		if (n > 0) {
			unsigned long long lines = vigil_backlog_sent(&s->backlog, n);
			s->delivered += lines;
			s->replayed += lines;
			budget -= n < (ssize_t)budget ? (size_t)n : budget;
		} else if (n < 0 && errno == EINTR && !stopping) {
			continue;
		} else {
			disconnect(s, n < 0 ? strerror(errno) : "short write", 0);
		}
	}
}

/* The gap at once when the backlog is replayed (the line follows the last
 * replayed line); the kernel ring's losses once a second at most, with the
 * interval they happened in. */
static void report_losses(struct sensor *s)
{
	long long now = now_ns(CLOCK_BOOTTIME);
	long long first, last;
	if (s->fd < 0)
		return;
	unsigned long long gap = vigil_backlog_take_gap(&s->backlog, &first, &last);
	if (gap)
		append_line(s, vigil_format_lost(s->out + s->out_len, now + s->epoch_offset_ns, gap,
						 "agent_away_buffer_full", first, last));
	if (now - s->last_report_ns < LOST_REPORT_NS || s->fd < 0)
		return;
	s->last_report_ns = now;
	unsigned long long ringbuf = read_ringbuf_lost(s);
	if (ringbuf > s->ringbuf_lost_seen) {
		s->lost_ringbuf_total += ringbuf - s->ringbuf_lost_seen;
		append_line(s, vigil_format_lost(s->out + s->out_len, now + s->epoch_offset_ns,
						 ringbuf - s->ringbuf_lost_seen, "ringbuf_full",
						 s->ringbuf_since_ns, now + s->epoch_offset_ns));
		s->ringbuf_lost_seen = ringbuf;
	}
	s->ringbuf_since_ns = now + s->epoch_offset_ns;
}

static void fill_syscall_table(struct vigil_bpf *skel)
{
	static const struct { long nr; enum vigil_type type; } table[] = {
		{ SYS_clone, EV_CLONE_FAIL }, { SYS_clone3, EV_CLONE3_FAIL },
		{ SYS_fork, EV_FORK_FAIL }, { SYS_vfork, EV_VFORK_FAIL },
		{ SYS_socket, EV_SOCKET }, { SYS_mount, EV_MOUNT },
		{ SYS_umount2, EV_UMOUNT2 }, { SYS_unshare, EV_UNSHARE },
		{ SYS_setns, EV_SETNS }, { SYS_pivot_root, EV_PIVOT_ROOT },
		{ SYS_bpf, EV_BPF }, { SYS_init_module, EV_INIT_MODULE },
		{ SYS_finit_module, EV_FINIT_MODULE }, { SYS_swapon, EV_SWAPON },
		{ SYS_sethostname, EV_SETHOSTNAME }, { SYS_setdomainname, EV_SETDOMAINNAME },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		skel->rodata->syscall_event[table[i].nr] = table[i].type + 1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN && getenv("VIGIL_SENSOR_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

/* Opens and loads the programs. fexit needs BPF trampolines, which some
 * kernels lack; then the object is loaded again without it. */
static struct vigil_bpf *load(unsigned ring_mb, unsigned long long rate, unsigned long long burst,
			      int with_capable)
{
	struct vigil_bpf *skel = vigil_bpf__open();
	if (!skel)
		return NULL;
	skel->rodata->self_tgid = getpid();
	skel->rodata->capable_mask = CAPABLE_DEFAULT_MASK;
	skel->rodata->wakeup_bytes = FLUSH_BYTES;
	fill_syscall_table(skel);
	bpf_map__set_max_entries(skel->maps.events, ring_mb << 20);
	if (rate) {
		skel->rodata->budget_interval_ns = 1000000000ULL / rate;
		skel->rodata->budget_tolerance_ns = (burst - 1) * skel->rodata->budget_interval_ns;
	}
	bpf_program__set_autoload(skel->progs.on_capable, with_capable);
	if (vigil_bpf__load(skel)) {
		vigil_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Splits LIST (comma-separated, in place) into out (NULL-terminated). An
 * empty LIST is no namespace; empty names between commas are skipped; a
 * name with '/' (never a path segment) is an error. */
static int parse_namespaces(char *list, const char **out)
{
	int n = 0;
	if (*list)
		for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
			if (n == MAX_NAMESPACES || strchr(name, '/'))
				return -1;
			out[n++] = name;
		}
	if (*list && n == 0)
		return -1; /* only commas */
	out[n] = NULL;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: vigil-sensor --socket PATH [--flush-ms N] [--ring-mb N]\n"
			"                    [--buffer-bytes N[K|M|G]] [--containerd-namespaces LIST]\n"
			"                    [--cgroup-rate N] [--cgroup-burst N] [--stop-on-stdin-eof]\n"
			"  --socket PATH  the agent's Unix stream socket: attaches once it accepts,\n"
			"                 reconnects when it goes away\n"
			"  --flush-ms N   write buffered lines at least every N ms (default 10)\n"
			"  --ring-mb N    kernel ring buffer size in MiB, a power of 2 (default 4)\n"
			"  --buffer-bytes N  lines kept while the agent is away, replayed in order when\n"
			"                 it is back; past it the newest are dropped and reported\n"
			"                 (default 64M; 0: keep none)\n"
			"  --containerd-namespaces LIST  comma-separated containerd namespaces: a cgroup\n"
			"                 /<namespace>/<id> is container <id> (default k8s.io,moby,default;\n"
			"                 empty: none)\n"
			"  --cgroup-rate N  events a second each cgroup may put in the ring, for each of\n"
			"                 its two budgets (process lifecycle; security events); what is\n"
			"                 over is counted and reported, not sent (default 5000; 0: off)\n"
			"  --cgroup-burst N  events above the rate a cgroup may send at once (default:\n"
			"                 the rate)\n"
			"  --stop-on-stdin-eof  stop (flush, as on SIGTERM) when stdin reaches its end or\n"
			"                 becomes readable: the agent that started it holds a pipe's\n"
			"                 other end, which closes however the agent ends\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct sensor s = { .fd = -1, .backoff_ns = BACKOFF_MIN_NS };
	static const struct option opts[] = {
		{ "socket", required_argument, 0, 's' },
		{ "flush-ms", required_argument, 0, 'f' },
		{ "ring-mb", required_argument, 0, 'r' },
		{ "containerd-namespaces", required_argument, 0, 'n' },
		{ "buffer-bytes", required_argument, 0, 'b' },
		{ "stop-on-stdin-eof", no_argument, 0, 'e' },
		{ "cgroup-rate", required_argument, 0, 'c' },
		{ "cgroup-burst", required_argument, 0, 'u' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	long flush_ms = 10, ring_mb = 4;
	unsigned long long buffer_bytes = BUFFER_BYTES_DEFAULT;
	char *suffix;
	static const char *namespaces[MAX_NAMESPACES + 1];
	int c;
	s.namespaces = vigil_default_namespaces;
	s.cgroup_rate = CGROUP_RATE_DEFAULT;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': s.socket_path = optarg; break;
		case 'f': flush_ms = atol(optarg); break;
		case 'r': ring_mb = atol(optarg); break;
		case 'b':
			errno = 0;
			buffer_bytes = strtoull(optarg, &suffix, 10);
			if (*suffix == 'K' || *suffix == 'k')
				buffer_bytes <<= 10, suffix++;
			else if (*suffix == 'M' || *suffix == 'm')
				buffer_bytes <<= 20, suffix++;
			else if (*suffix == 'G' || *suffix == 'g')
				buffer_bytes <<= 30, suffix++;
			if (errno || *suffix || suffix == optarg || *optarg == '-' ||
			    buffer_bytes > (16ULL << 30)) {
				fprintf(stderr, "vigil-sensor: --buffer-bytes: a size up to 16G\n");
				return 2;
			}
			break;
		case 'e': s.stop_on_stdin_eof = 1; break;
		case 'c':
		case 'u': {
			errno = 0;
			unsigned long long v = strtoull(optarg, &suffix, 10);
			if (errno || *suffix || suffix == optarg || *optarg == '-' || v > 1000000000ULL) {
				fprintf(stderr, "vigil-sensor: --cgroup-%s: a number up to 1000000000\n",
					c == 'c' ? "rate" : "burst");
				return 2;
			}
			if (c == 'c')
				s.cgroup_rate = v;
			else
				s.cgroup_burst = v;
			break;
		}
		case 'n':
			if (parse_namespaces(optarg, namespaces) < 0) {
				fprintf(stderr, "vigil-sensor: --containerd-namespaces: at most %d "
						"names, none with '/'\n", MAX_NAMESPACES);
				return 2;
			}
			s.namespaces = namespaces;
			break;
		default: usage();
		}
	}
	if (!s.socket_path || optind != argc || flush_ms < 1 || ring_mb < 1 ||
	    ring_mb > 1024 || (ring_mb & (ring_mb - 1)))
		usage();
	if (strlen(s.socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "vigil-sensor: socket path too long\n");
		return 2;
	}
	if (s.stop_on_stdin_eof && fcntl(STDIN_FILENO, F_GETFD) < 0) {
		fprintf(stderr, "vigil-sensor: --stop-on-stdin-eof: stdin is not open\n");
		return 2;
	}
	s.flush_ns = flush_ms * 1000000LL;
	if (!s.cgroup_burst)
		s.cgroup_burst = s.cgroup_rate ? s.cgroup_rate : 1;
	s.episodes = calloc(VIGIL_BUDGET_CGROUPS, sizeof(*s.episodes));
	if (!s.episodes)
		return 1;
	if (vigil_backlog_init(&s.backlog, buffer_bytes) < 0) {
		fprintf(stderr, "vigil-sensor: cannot reserve --buffer-bytes %llu\n", buffer_bytes);
		return 1;
	}
	libbpf_set_print(libbpf_quiet);

	struct vigil_bpf *skel = load(ring_mb, s.cgroup_rate, s.cgroup_burst, 1);
	if (!skel) {
		fprintf(stderr, "vigil-sensor: could not load fexit/cap_capable: %s "
				"(this kernel refuses BPF trampolines): no \"capable\" events\n",
			strerror(errno));
		skel = load(ring_mb, s.cgroup_rate, s.cgroup_burst, 0);
	}
	if (!skel) {
		fprintf(stderr, "vigil-sensor: cannot load the BPF programs: %s "
				"(needs CAP_BPF and CAP_PERFMON, and a kernel with BTF; "
				"VIGIL_SENSOR_DEBUG=1 shows the verifier log)\n", strerror(errno));
		return 1;
	}

	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: wake the loop */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	wait_for_agent(&s);
	if (stopping) {
		vigil_bpf__destroy(skel);
		return 0;
	}

	/* Attach one by one, so that stderr says exactly what works here. */
	struct bpf_program *prog;
	int attached = 0;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		if (!bpf_program__autoload(prog))
			continue;
		if (bpf_program__attach(prog)) {
			fprintf(stderr, "vigil-sensor: attached %s\n", sec);
			attached++;
		} else {
			fprintf(stderr, "vigil-sensor: could not attach %s: %s\n", sec, strerror(errno));
		}
	}
	if (attached == 0) {
		fprintf(stderr, "vigil-sensor: nothing attached\n");
		return 1;
	}

	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &s, NULL);
	if (!rb) {
		fprintf(stderr, "vigil-sensor: ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}
	s.lost_fd = bpf_map__fd(skel->maps.lost);
	s.budgets_fd = bpf_map__fd(skel->maps.budgets);
	s.ncpus = libbpf_num_possible_cpus();
	s.epoch_offset_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	s.ringbuf_since_ns = now_ns(CLOCK_BOOTTIME) + s.epoch_offset_ns;
	/* The line after which everything attached is captured: tests wait for it. */
	fprintf(stderr, "vigil-sensor: running, %d programs attached\n", attached);

	while (!stopping) {
		try_connect(&s);
		int replaying = s.fd >= 0 && s.backlog.used;
		if (replaying)
			replay(&s);
		/* Records are submitted without a wakeup until FLUSH_BYTES are
		 * queued, so a poll timeout is the normal way to find them. */
		if (s.stop_on_stdin_eof) {
			/* The ring's epoll descriptor and stdin, in one wait. */
			struct pollfd p[2] = { { .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
					       { .fd = STDIN_FILENO, .events = POLLIN } };
			if (poll(p, 2, replaying ? 0 : flush_ms) > 0 && p[1].revents)
				wait_on_stdin(&s, 0);
		} else {
			ring_buffer__poll(rb, replaying ? 0 : flush_ms);
		}
		int n = ring_buffer__consume(rb);
		if (s.out_len && (n <= 0 || now_ns(CLOCK_BOOTTIME) - s.oldest_ns >= s.flush_ns))
			flush(&s);
		report_losses(&s);
		episodes_tick(&s, 0);
	}
	ring_buffer__consume(rb);
	episodes_tick(&s, 1); /* what was throttled is reported before the end */
	while (s.fd >= 0 && s.backlog.used)
		replay(&s);
	flush(&s);
	fprintf(stderr, "vigil-sensor: stopping: %llu events delivered (%llu of them replayed after "
			"the agent was away), %llu lost (ring buffer full), %llu lost (agent away, "
			"buffer full), %llu kept but undelivered, %llu throttled (process budget), "
			"%llu throttled (security budget)\n", s.delivered, s.replayed,
		s.lost_ringbuf_total + read_ringbuf_lost(&s) - s.ringbuf_lost_seen,
		s.lost_away_total, s.backlog.lines, s.throttled_total[VIGIL_BUDGET_PROCESS],
		s.throttled_total[VIGIL_BUDGET_SECURITY]);
	ring_buffer__free(rb);
	vigil_bpf__destroy(skel);
	return 0;
}
