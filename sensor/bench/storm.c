/* Synthetic syscall storm for the sensor benchmark.
 *   storm socket SECONDS  socket(AF_INET, SOCK_RAW, ICMP) + close in a loop
 *                         (not AF_PACKET: its close waits for an RCU grace
 *                         period, ~200 calls/s, too slow to storm)
 *   storm fork SECONDS    fork + _exit + wait in a loop
 *   storm exec SECONDS    fork + execve of itself ("storm noop" with a
 *                         ~100-byte command line) + wait in a loop
 * Prints the number of calls made and the rate. Every call is one event the
 * sensor must report (socket: needs CAP_NET_RAW). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "noop") == 0)
		return 0; /* the program "storm exec" runs */
	if (argc != 3 || (strcmp(argv[1], "socket") && strcmp(argv[1], "fork") && strcmp(argv[1], "exec"))) {
		fprintf(stderr, "usage: storm socket|fork|exec SECONDS\n");
		return 2;
	}
	int forks = strcmp(argv[1], "socket") != 0, execs = strcmp(argv[1], "exec") == 0;
	double start = now(), end = start + atof(argv[2]);
	unsigned long calls = 0;
	while (1) {
		for (int i = 0; i < 256; i++, calls++) {
			if (forks) {
				pid_t pid = fork();
				if (pid == 0 && execs)
					execl("/proc/self/exe", "storm", "noop", "--config", "/etc/app/config.yaml",
					      "--listen", "0.0.0.0:8080", "--log-level", "info",
					      "--data-dir", "/var/lib/app", (char *)NULL);
				if (pid == 0)
					_exit(0);
				if (pid > 0)
					waitpid(pid, NULL, 0);
			} else {
				int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
				if (fd < 0) {
					perror("socket(AF_INET, SOCK_RAW)");
					return 1;
				}
				close(fd);
			}
		}
		if (now() >= end)
			break;
	}
	double secs = now() - start;
	printf("{\"calls\":%lu,\"seconds\":%.3f,\"rate\":%.0f}\n", calls, secs, calls / secs);
	return 0;
}
