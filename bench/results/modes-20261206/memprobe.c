// memprobe.c: how fast this VM's memory hierarchy answers right now. A dependent walk over a 1 MiB
// table (random order: each load waits for the one before; it spills from L2 into the shared L3), 4M
// loads on each CPU named, printed as ns per load. On the 2-vCPU VM of these benchmarks it reads
// ~7.2 ns or ~10 ns, switching every few seconds while the VM itself is idle: the host's neighbours.
//   gcc -O2 -o memprobe memprobe.c && ./memprobe 0 1
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    size_t n = (1 << 20) / sizeof(uint64_t);
    uint64_t *next = malloc(n * sizeof *next);
    for (size_t i = 0; i < n; i++) {
        next[i] = i;
    }
    for (size_t i = n - 1; i > 0; i--) { // one random cycle through every entry (Sattolo)
        size_t j = (size_t) rand() % i;
        uint64_t t = next[i]; next[i] = next[j]; next[j] = t;
    }
    for (int a = 1; a < argc; a++) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(atoi(argv[a]), &set);
        sched_setaffinity(0, sizeof set, &set);
        uint64_t p = 0;
        for (long i = 0; i < 1000000; i++) p = next[p]; // warm the table into this CPU's caches
        double t0 = now();
        for (long i = 0; i < 4000000; i++) p = next[p];
        double t1 = now();
        printf("%s%.2f", a > 1 ? " " : "", (t1 - t0) / 4e6 * 1e9 + (p == (uint64_t) -1));
    }
    printf("\n");
    return 0;
}
