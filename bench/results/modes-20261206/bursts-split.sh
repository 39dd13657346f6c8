#!/usr/bin/env bash
# bursts-split.sh JAR [AGENTS] [BURSTS]: bench/results/index-20261206/bursts-per-agent.sh with, per burst, the share of lines
# the pipeline thread decoded (vigil_pipeline_decoded_lines_total, from aacb430 on) and the process table's size; each agent
# runs with -XX:+PrintCompilation into /tmp/vigil-jit-AGENT.log, to see whether a slow burst follows a recompilation.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. bench/lib.sh
jarA="$1"; agents="${2:-2}"; bursts="${3:-5}"
hz=$(getconf CLK_TCK)
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 ~ "^"m {s+=$2} END {printf "%d", s}'; }
for a in $(seq 1 "$agents"); do
  work=$(mktemp -d /tmp/w.XXXX); chmod 700 "$work"
  port=$(free_port)
  t0=$(date +%s%3N)
  java $AGENT_JAVA_OPTS -XX:+PrintCompilation -jar "$jarA" run --socket "$work/v.sock" --metrics-address 127.0.0.1:$port \
    --sensor off >/tmp/vigil-jit-$a.log 2>"$work/agent.log" &
  apid=$!
  wait_http "http://127.0.0.1:$port/readyz" agent
  java $LG_JAVA_OPTS -cp "$jar" dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --events 1000000 \
    --socket "$work/v.sock" --metrics "http://127.0.0.1:$port/metrics" >/dev/null 2>&1
  for b in $(seq 1 "$bursts"); do
    d0=$(metric vigil_pipeline_decoded_lines_total); p0=$(metric vigil_events_processed_total)
    s=$(( $(date +%s%3N) - t0 ))
    r=$(java $LG_JAVA_OPTS -cp "$jar" dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --seconds 8 \
      --socket "$work/v.sock" --metrics "http://127.0.0.1:$port/metrics" --cpu-pid "$apid" --clock-ticks "$hz" 2>/dev/null \
      | python3 -c "import json,sys; d=json.load(sys.stdin); r=d['agent_events_per_second']; c=d['agent_cpu_percent']; print(f'{r:,} events/s, {c} % CPU, {c/100/r*1e6:.2f} us an event')")
    e=$(( $(date +%s%3N) - t0 ))
    d1=$(metric vigil_pipeline_decoded_lines_total); p1=$(metric vigil_events_processed_total)
    share=$(python3 -c "print(f'{($d1-$d0)/max(1,$p1-$p0)*100:.1f}')")
    echo "agent $a burst $b [$s..$e ms]: $r, pipeline decoded $share %, vigil_state_processes $(metric vigil_state_processes)"
  done
  kill "$apid"; wait "$apid" || true
  rm -rf "$work"
done
