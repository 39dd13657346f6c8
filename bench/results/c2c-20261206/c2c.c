// c2c.c: cache-line round trip between CPU 0 and CPU 1 (two threads pinned, one line bounced), median of N trials in ns
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <time.h>
static _Alignas(64) _Atomic long flag;
static int iters = 200000;
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
static void *pong(void *a){pin(1);for(long i=0;i<iters;i++){while(atomic_load_explicit(&flag,memory_order_acquire)!=2*i+1);atomic_store_explicit(&flag,2*i+2,memory_order_release);}return 0;}
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e9+t.tv_nsec;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int c,char**v){int trials=c>1?atoi(v[1]):5;double r[64];pin(0);
 for(int t=0;t<trials;t++){flag=0;pthread_t th;pthread_create(&th,0,pong,0);double s=now();
  for(long i=0;i<iters;i++){atomic_store_explicit(&flag,2*i+1,memory_order_release);while(atomic_load_explicit(&flag,memory_order_acquire)!=2*i+2);}
  r[t]=(now()-s)/iters;pthread_join(th,0);}
 qsort(r,trials,sizeof(double),cmp);printf("c2c round trip ns: median %.0f min %.0f max %.0f\n",r[trials/2],r[0],r[trials-1]);}
