// alu.c: a fixed piece of CPU-bound work (dependent multiply-add chain plus a 1 MiB array walk), timed, on one CPU:
// prints ns per iteration of each, every interval, so that the core's speed can be watched over time.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sched.h>
#include <stdint.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int cpu=atoi(argv[1]); int secs=atoi(argv[2]);
  cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu,&s); sched_setaffinity(0,sizeof s,&s);
  size_t n=(1<<20)/8; uint64_t *a=malloc(n*8); for(size_t i=0;i<n;i++) a[i]=(i*2654435761u)%n;
  double end=now()+secs;
  while(now()<end){
    double t0=now(); uint64_t x=1; for(long i=0;i<20000000;i++){x=x*6364136223846793005ULL+1442695040888963407ULL;}
    double t1=now(); uint64_t p=0; for(long i=0;i<4000000;i++){p=a[p]; p^=i&7; if(p>=n)p%=n;}
    double t2=now();
    printf("%.1f cpu%d alu %.3f ns/it mem %.3f ns/it (%lu %lu)\n", end-secs>0?t0-(end-secs):0, cpu,(t1-t0)/2e7*1e9,(t2-t1)/4e6*1e9,(unsigned long)(x&1),(unsigned long)(p&1));
    fflush(stdout);
    struct timespec z={0,400000000}; nanosleep(&z,0);
  }
}
