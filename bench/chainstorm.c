/* The syscall storm and the attacker of bench/chain-capacity.sh, run inside real runc containers
 * (static, so that it runs in a busybox rootfs).
 *
 *   chainstorm storm socket|setns RATE SECONDS PROCS START_NS
 *       PROCS processes, each making RATE/PROCS calls a second (RATE 0: as fast as it can) from
 *       START_NS (CLOCK_REALTIME, ns since the epoch; the past: at once) for SECONDS:
 *       socket: socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) + close — one `socket` line from the
 *               sensor per call (it reports raw and packet sockets; close is not reported);
 *               needs CAP_NET_RAW (Docker's default set has it);
 *       setns:  setns(-1, 0), which fails at once (EBADF) — one `setns` line per call, the
 *               cheapest call the sensor reports.
 *       Each process prints {"calls":N,"seconds":S,"late_ns":L,"behind_resets":R} (late_ns: how
 *       long after START_NS it began; behind_resets: times it fell 50 ms behind its schedule and
 *       gave up the calls it owed, i.e. the target rate was more than it could make).
 *   chainstorm attack COUNT INTERVAL_MS START_NS
 *       from START_NS, every INTERVAL_MS: socket(AF_PACKET, SOCK_RAW, ETH_P_ALL) (what a sniffer
 *       does; one alert from the default rules), printing "t0 t1 fd" per attack: CLOCK_REALTIME in
 *       ns just before and just after the call.
 * The pacing sleeps on absolute deadlines (clock_nanosleep) at most ~1,000 times a second per
 * process, so the storm's own cost is the calls. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ETH_P_ALL 0x0003
#define BEHIND_LIMIT_NS 50000000LL

static long long now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(clockid_t clock, long long t)
{
	struct timespec ts = {.tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL};
	while (clock_nanosleep(clock, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int one_call(int setns_mode)
{
	if (setns_mode) {
		/* Fails with EBADF before any work; the sensor reports failures too. */
		syscall(SYS_setns, -1, 0);
		return 0;
	}
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("chainstorm: socket(AF_INET, SOCK_RAW)");
		return -1;
	}
	close(fd);
	return 0;
}

static int storm_process(int setns_mode, double rate, double seconds, long long start_ns)
{
	sleep_until(CLOCK_REALTIME, start_ns);
	long long late = start_ns > 0 ? now_ns(CLOCK_REALTIME) - start_ns : 0;
	long long t0 = now_ns(CLOCK_MONOTONIC), end = t0 + (long long)(seconds * 1e9);
	/* Calls between two looks at the clock: ~1 ms of calls at the target rate. */
	long batch = rate > 0 ? (long)(rate / 1000) : 256;
	if (batch < 1)
		batch = 1;
	unsigned long long calls = 0, behind_resets = 0;
	long long sched0 = t0, sched_calls = 0; /* the schedule: sched_calls due at sched0 + n / rate */
	for (;;) {
		for (long i = 0; i < batch; i++, calls++, sched_calls++)
			if (one_call(setns_mode) < 0)
				return 1;
		long long now = now_ns(CLOCK_MONOTONIC);
		if (now >= end)
			break;
		if (rate > 0) {
			long long due = sched0 + (long long)(sched_calls * 1e9 / rate);
			if (due > now) {
				sleep_until(CLOCK_MONOTONIC, due < end ? due : end);
			} else if (now - due > BEHIND_LIMIT_NS) {
				/* Cannot keep up: start the schedule again from now rather than burst to catch up. */
				sched0 = now;
				sched_calls = 0;
				behind_resets++;
			}
		}
	}
	double secs = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	printf("{\"calls\":%llu,\"seconds\":%.3f,\"late_ns\":%lld,\"behind_resets\":%llu}\n", calls, secs, late,
	       behind_resets);
	fflush(stdout);
	return 0;
}

static int storm(int argc, char **argv)
{
	if (argc != 7 || (strcmp(argv[2], "socket") && strcmp(argv[2], "setns")))
		return -1;
	int setns_mode = strcmp(argv[2], "setns") == 0;
	double rate = atof(argv[3]), seconds = atof(argv[4]);
	int procs = atoi(argv[5]);
	long long start_ns = atoll(argv[6]);
	if (procs < 1 || seconds <= 0 || rate < 0)
		return -1;
	fflush(stdout);
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("chainstorm: fork");
			return 1;
		}
		if (pid == 0)
			_exit(storm_process(setns_mode, rate / procs, seconds, start_ns));
	}
	int rc = 0, status;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
	return rc;
}

static int attack(int argc, char **argv)
{
	if (argc != 5)
		return -1;
	int count = atoi(argv[2]);
	long long interval = atoll(argv[3]) * 1000000LL, start_ns = atoll(argv[4]);
	if (count < 1 || interval <= 0)
		return -1;
	for (int i = 0; i < count; i++) {
		sleep_until(CLOCK_REALTIME, start_ns + i * interval);
		long long t0 = now_ns(CLOCK_REALTIME);
		int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		long long t1 = now_ns(CLOCK_REALTIME);
		printf("%lld %lld %d\n", t0, t1, fd < 0 ? -errno : fd);
		fflush(stdout);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = -1;
	if (argc >= 2 && strcmp(argv[1], "storm") == 0)
		rc = storm(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "attack") == 0)
		rc = attack(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "usage: chainstorm storm socket|setns RATE SECONDS PROCS START_NS\n"
				"       chainstorm attack COUNT INTERVAL_MS START_NS\n");
		return 2;
	}
	return rc;
}
