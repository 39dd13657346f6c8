#!/bin/sh
# java-1cpu.sh ARGS…: java under a CFS quota of one CPU — the DaemonSet's `limits: {cpu: "1"}` for the agent, as the
# kubelet sets it on cgroup v1 (cpu.cfs_quota_us = cpu.cfs_period_us = 100 ms) — for the load test's agent:
#   AGENT_JAVA=bench/results/one-cpu-20261207/java-1cpu.sh bench/load-test.sh …
# The JVM keeps the image's -XX:ActiveProcessorCount=2 (bench/lib.sh's AGENT_JAVA_OPTS, as in the Dockerfile), so
# both agent threads run, in parallel until the period's quota is spent. Needs root (it makes the cgroup), and the
# cpu controller on cgroup v1 as here (on cgroup v2 the same limit is `100000 100000` in the cgroup's cpu.max).
set -e
cg=/sys/fs/cgroup/cpu/vigil-1cpu
[ -d "$cg" ] || mkdir "$cg"
echo 100000 > "$cg/cpu.cfs_period_us"
echo 100000 > "$cg/cpu.cfs_quota_us"
echo $$ > "$cg/cgroup.procs"
exec java "$@"
