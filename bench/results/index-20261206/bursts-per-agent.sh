#!/usr/bin/env bash
# bursts-per-agent.sh JAR [AGENTS] [BURSTS]: is a slow run slow for an agent's whole life, or does it move within one?
# For each of AGENTS fresh agents (default 3): 1M churny lines of warm-up, then BURSTS (default 4) max-rate bursts of
# 8 s over one connection; prints each burst's rate and the agent's CPU over it (first byte to idle).
set -euo pipefail
cd "$(dirname "$0")/../../.."
. bench/lib.sh
jarA="$1"; agents="${2:-3}"; bursts="${3:-4}"
hz=$(getconf CLK_TCK)
for a in $(seq 1 "$agents"); do
  work=$(mktemp -d /tmp/w.XXXX); chmod 700 "$work"
  port=$(free_port)
  java $AGENT_JAVA_OPTS -jar "$jarA" run --socket "$work/v.sock" --metrics-address 127.0.0.1:$port --sensor off \
    >/dev/null 2>"$work/agent.log" &
  apid=$!
  wait_http "http://127.0.0.1:$port/readyz" agent
  java $LG_JAVA_OPTS -cp "$jar" dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --events 1000000 \
    --socket "$work/v.sock" --metrics "http://127.0.0.1:$port/metrics" >/dev/null 2>&1
  for b in $(seq 1 "$bursts"); do
    java $LG_JAVA_OPTS -cp "$jar" dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --seconds 8 \
      --socket "$work/v.sock" --metrics "http://127.0.0.1:$port/metrics" --cpu-pid "$apid" --clock-ticks "$hz" 2>/dev/null \
      | python3 -c "import json,sys; d=json.load(sys.stdin); r=d['agent_events_per_second']; c=d['agent_cpu_percent']; print(f'agent $a burst $b: {r:,} events/s, {c} % CPU, {c/100/r*1e6:.2f} us an event, dropped {d[\"dropped\"]}')"
  done
  kill "$apid"; wait "$apid" || true
  rm -rf "$work"
done
