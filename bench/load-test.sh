#!/usr/bin/env bash
# End-to-end load test of `vigil run` over its Unix socket, beside the socket's own ceiling.
#
#   bench/load-test.sh [--seconds S] [--rate EVENTS_PER_S] [--connections N] [--no-default-rules]
#                      [--agent-config FILE] [--skip-build]
#
# --agent-config passes a config file to `vigil run` (e.g. `pipeline: {waitStrategy: sleeping}` to
# compare wait strategies); the command-line flags below still win over it.
#
# 1. builds; starts `vigil run` (socket in a fresh 0700 temp dir, metrics on a free port, --sensor off,
#    the Dockerfile's JVM options unless AGENT_JAVA_OPTS is set);
# 2. the load generator at the maximum rate for S seconds (default 20), sampling the agent's VmRSS
#    and its CPU time (/proc/PID/status, /proc/PID/stat);
# 3. SocketCeiling (a server that only counts lines) behind the same client and bytes;
# 4. a fixed-rate run (default 100000 events/s) for the in-agent latency percentiles;
# 5. the agent's idle CPU over 10 s with no events.
# Prints a table and writes the JSON reports under bench/results/load-<UTC stamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."

run_seconds=20
rate=100000
connections=2
rules_flag=""
config_flag=()
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) run_seconds="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --no-default-rules) rules_flag="--no-default-rules"; shift ;;
    --agent-config)
      [ -f "$2" ] || { echo "load-test: --agent-config $2: no such file" >&2; exit 2; }
      config_flag=(--config "$(realpath "$2")"); shift 2 ;;
    --skip-build) build=0; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  ./mvnw -q -B package -DskipTests -pl bench -am
fi
. bench/lib.sh
require_jars
bench_dirs load
agent_pid=""
ceiling_pid=""
sampler_pid=""

cleanup() {
  for p in "$sampler_pid" "$ceiling_pid" "$agent_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  [ -f "$work/agent.log" ] && cp "$work/agent.log" "$results/agent.log"
  rm -rf "$work"
}
trap cleanup EXIT

cpu_ticks() { # utime + stime of a pid, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)

load() { # label, extra LoadGenerator args…
  local label="$1"; shift
  java $LG_JAVA_OPTS -cp "$jar" dev.vigil.bench.load.LoadGenerator --connections "$connections" \
    --label "$label" --out "$results/$label.json" "$@" >/dev/null
}

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); results in $results"

# ---- the agent ----
agent_port=$(free_port)
agent_metrics="http://127.0.0.1:$agent_port/metrics"
# shellcheck disable=SC2086
java $AGENT_JAVA_OPTS -jar "$agent_jar" run "${config_flag[@]}" --socket "$work/vigil.sock" \
  --metrics-address "127.0.0.1:$agent_port" --sensor off $rules_flag \
  >"$work/alerts.jsonl" 2>"$work/agent.log" &
agent_pid=$!
wait_http "http://127.0.0.1:$agent_port/readyz" "vigil run"
sleep 2

echo "== agent at the maximum rate for ${run_seconds}s ($connections connections)"
( peak=0
  while kill -0 "$agent_pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$agent_pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" > "$work/rss-peak-kb"
    sleep 0.5
  done ) &
sampler_pid=$!
ticks0=$(cpu_ticks "$agent_pid"); t0=$(date +%s.%N)
load agent-max --socket "$work/vigil.sock" --metrics "$agent_metrics" --seconds "$run_seconds"
ticks1=$(cpu_ticks "$agent_pid"); t1=$(date +%s.%N)
kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""
rss_peak_kb=$(cat "$work/rss-peak-kb" 2>/dev/null || echo 0)
busy_cpu=$(python3 -c "print(round(100*($ticks1-$ticks0)/$hz/($t1-$t0),1))")

echo "== socket ceiling (a server that only counts lines), same client and bytes"
ceiling_port=$(free_port)
java -Xmx256m -XX:ActiveProcessorCount=2 -cp "$jar" dev.vigil.bench.load.SocketCeiling --socket "$work/ceiling.sock" \
  --metrics-address "127.0.0.1:$ceiling_port" 2>"$work/ceiling.log" &
ceiling_pid=$!
wait_http "http://127.0.0.1:$ceiling_port/metrics" "socket ceiling"
load ceiling-max --socket "$work/ceiling.sock" --metrics "http://127.0.0.1:$ceiling_port/metrics" --seconds "$run_seconds"
kill "$ceiling_pid"; wait "$ceiling_pid" 2>/dev/null || true; ceiling_pid=""

echo "== agent at a fixed $rate events/s for ${run_seconds}s"
load agent-fixed --socket "$work/vigil.sock" --metrics "$agent_metrics" --seconds "$run_seconds" \
  --rate "$rate" --write-bytes 65536

echo "== agent idle for 10 s"
sleep 2
ticks0=$(cpu_ticks "$agent_pid"); t0=$(date +%s.%N)
sleep 10
ticks1=$(cpu_ticks "$agent_pid"); t1=$(date +%s.%N)
idle_cpu=$(python3 -c "print(round(100*($ticks1-$ticks0)/$hz/($t1-$t0),2))")
rss_idle_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$agent_pid/status")
alerts=$(wc -l < "$work/alerts.jsonl")

kill -TERM "$agent_pid"; agent_rc=0; wait "$agent_pid" || agent_rc=$?; agent_pid=""
[ "$agent_rc" = 0 ] || { echo "load-test: the agent exited $agent_rc on SIGTERM (its log: $results/agent.log)" >&2; exit 1; }

python3 - "$results" "$rss_peak_kb" "$busy_cpu" "$idle_cpu" "$rss_idle_kb" "$alerts" "${rules_flag:-default rules}" <<'PY'
import json, sys, os
d, rss_peak, busy_cpu, idle_cpu, rss_idle, alerts, rules = sys.argv[1:8]
r = {n: json.load(open(os.path.join(d, n + ".json"))) for n in ("agent-max", "ceiling-max", "agent-fixed")}
am, cm, af = r["agent-max"], r["ceiling-max"], r["agent-fixed"]
def lat(x, k):
    l = x.get("agent_latency")
    return "-" if not l else f'{l[k]:.0f}'
summary = {
    "rules": rules.strip(),
    "agent_max_events_per_second": am["agent_events_per_second"],
    "ceiling_events_per_second": cm["agent_events_per_second"],
    "agent_vs_ceiling": round(am["agent_events_per_second"] / cm["agent_events_per_second"], 3),
    "agent_max_mb_per_second": am["client_mb_per_second"],
    "ceiling_mb_per_second": cm["client_mb_per_second"],
    "agent_max_dropped": am["dropped"], "agent_max_rejected": am["rejected"],
    "agent_cpu_percent_at_max": float(busy_cpu),
    "agent_rss_peak_mib": round(int(rss_peak) / 1024, 1),
    "agent_rss_idle_mib": round(int(rss_idle) / 1024, 1),
    "agent_idle_cpu_percent": float(idle_cpu),
    "fixed_rate_target": af["target_rate"], "fixed_rate_achieved": af["agent_events_per_second"],
    "fixed_latency_micros": {k: af["agent_latency"][k] for k in ("p50_micros", "p99_micros", "p999_micros")} if af.get("agent_latency") else None,
    "max_latency_micros": {k: am["agent_latency"][k] for k in ("p50_micros", "p99_micros", "p999_micros")} if am.get("agent_latency") else None,
    "alerts": int(alerts),
}
json.dump(summary, open(os.path.join(d, "summary.json"), "w"), indent=2)
rows = [
    ("max rate: events/s (agent-side)", f'{am["agent_events_per_second"]:,}', f'{cm["agent_events_per_second"]:,} (socket ceiling)'),
    ("max rate: MB/s sent", f'{am["client_mb_per_second"]}', f'{cm["client_mb_per_second"]} (socket ceiling)'),
    ("max rate: dropped / rejected", f'{am["dropped"]} / {am["rejected"]}', "-"),
    ("max rate: in-agent latency p50/p99/p99.9 us", f'{lat(am,"p50_micros")} / {lat(am,"p99_micros")} / {lat(am,"p999_micros")}', "-"),
    ("max rate: agent CPU (% of one core)", busy_cpu, "-"),
    ("max rate: agent peak RSS MiB", summary["agent_rss_peak_mib"], "-"),
    (f'fixed {af["target_rate"]}/s: achieved events/s', f'{af["agent_events_per_second"]:,}', f'{af["client_events_per_second"]:,} (client sent)'),
    (f'fixed rate: in-agent latency p50/p99/p99.9 us', f'{lat(af,"p50_micros")} / {lat(af,"p99_micros")} / {lat(af,"p999_micros")}', "-"),
    ("fixed rate: client schedule lag p99/max us", f'{af["client_schedule_lag_micros"]["p99"]} / {af["client_schedule_lag_micros"]["max"]}', "-"),
    ("idle: agent CPU over 10 s (% of one core)", idle_cpu, "-"),
    ("idle: agent RSS MiB", summary["agent_rss_idle_mib"], "-"),
    ("alerts written (all runs)", alerts, "-"),
]
w = max(len(a) for a, _, _ in rows)
print(f'\n{"measure".ljust(w)} | vigil ({rules.strip()}) | baseline (same run)')
print("-" * (w + 50))
for a, b, c in rows:
    print(f"{a.ljust(w)} | {str(b)} | {c}")
print(f"\nJSON: {d}/")
PY
