#!/usr/bin/env bash
# End-to-end load test of `vigil run` over its Unix socket, beside the socket's own ceiling.
#
#   bench/load-test.sh [--seconds S] [--rate EVENTS_PER_S] [--streams "churny block"]
#                      [--connections "1 2"] [--no-default-rules] [--agent-config FILE]
#                      [--agent-jar JAR] [--skip-build] [--skip-fixed]
#
# Two streams (LoadGenerator --stream): `churny`, short-lived processes with fresh pids, as the
# bundled sensor sends them on a busy node (clone/execve/capable/procexit, ~370 B/line); `block`, the
# node mix of NodeStreamGenerator, long-lived processes repeated loop after loop (~460 B/line).
# --agent-config passes a config file to `vigil run`; --agent-jar runs another build of the agent
# (a baseline, for a before/after in one run). The command-line flags below still win over the config.
#
# For each stream, a fresh agent (socket and state.stateDir in a fresh 0700 temp dir unless
# --agent-config is given, metrics on a free port, --sensor off, the Dockerfile's JVM options unless
# AGENT_JAVA_OPTS is set, on AGENT_JAVA if set):
# 1. cold: the first million lines after start (JIT included), one connection;
# 2. warm: the maximum rate for S seconds (default 20) at each number of connections, each followed by
#    SocketCeiling (a server that only frames and counts lines) behind the same client and bytes;
#    the agent's VmRSS sampled (/proc/PID/status) and its CPU time (/proc/PID/stat) taken over the
#    rate's own window, first byte to idle.
# Then, on the last agent (unless --skip-fixed): a fixed-rate run (default 100000 events/s) for the
# in-agent latency percentiles, and the agent's idle CPU over 10 s with no events.
# Prints a table and writes the JSON reports under bench/results/load-<UTC stamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."

run_seconds=20
rate=100000
streams="churny block"
conn_list="1 2"
rules_flag=""
config_flag=()
agent_jar_arg=""
build=1
fixed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) run_seconds="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --streams) streams="$2"; shift 2 ;;
    --connections) conn_list="$2"; shift 2 ;;
    --no-default-rules) rules_flag="--no-default-rules"; shift ;;
    --agent-config)
      [ -f "$2" ] || { echo "load-test: --agent-config $2: no such file" >&2; exit 2; }
      config_flag=(--config "$(realpath "$2")"); shift 2 ;;
    --agent-jar)
      [ -f "$2" ] || { echo "load-test: --agent-jar $2: no such file" >&2; exit 2; }
      agent_jar_arg="$(realpath "$2")"; shift 2 ;;
    --skip-build) build=0; shift ;;
    --skip-fixed) fixed=0; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
for s in $streams; do
  case "$s" in churny|block) ;; *) echo "load-test: unknown stream $s (churny, block)" >&2; exit 2 ;; esac
done
for c in $conn_list; do
  case "$c" in ''|*[!0-9]*|0) echo "load-test: --connections takes positive numbers, not $c" >&2; exit 2 ;; esac
done

if [ "$build" = 1 ]; then
  ./mvnw -q -B package -DskipTests -pl bench -am
fi
. bench/lib.sh
[ -n "$agent_jar_arg" ] && agent_jar="$agent_jar_arg"
require_jars
bench_dirs load
agent_pid=""
ceiling_pid=""
sampler_pid=""

cleanup() {
  for p in "$sampler_pid" "$ceiling_pid" "$agent_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  cat "$work"/agent-*.log > "$results/agent.log" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cpu_ticks() { # utime + stime of a pid, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)

load() { # label, extra LoadGenerator args…
  local label="$1"; shift
  java $LG_JAVA_OPTS -cp "$jar" dev.vigil.bench.load.LoadGenerator \
    --label "$label" --out "$results/$label.json" "$@" >/dev/null
}

start_agent() { # name
  agent_port=$(free_port)
  if [ ${#config_flag[@]} -eq 0 ]; then
    # A fresh state directory each time: nothing learned or spooled by an earlier run (or another
    # user of /var/lib/vigil) changes this one.
    mkdir -p "$work/state-$1"
    printf 'state:\n  stateDir: %s\n' "$work/state-$1" > "$work/config-$1.yaml"
    agent_config=(--config "$work/config-$1.yaml")
  else
    agent_config=("${config_flag[@]}")
  fi
  agent_metrics="http://127.0.0.1:$agent_port/metrics"
  # shellcheck disable=SC2086
  "$AGENT_JAVA" $AGENT_JAVA_OPTS -jar "$agent_jar" run "${agent_config[@]}" --socket "$work/vigil.sock" \
    --metrics-address "127.0.0.1:$agent_port" --sensor off $rules_flag \
    >>"$work/alerts.jsonl" 2>"$work/agent-$1.log" &
  agent_pid=$!
  wait_http "http://127.0.0.1:$agent_port/readyz" "vigil run"
  sleep 2
  ( peak=0
    while kill -0 "$agent_pid" 2>/dev/null; do
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$agent_pid/status" 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" > "$work/rss-peak-kb-$1"
      sleep 0.5
    done ) &
  sampler_pid=$!
}

stop_agent() {
  kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; sampler_pid=""
  kill -TERM "$agent_pid"; local rc=0; wait "$agent_pid" || rc=$?; agent_pid=""
  [ "$rc" = 0 ] || { echo "load-test: the agent exited $rc on SIGTERM (its log: $results/agent.log)" >&2; exit 1; }
}

agent_load() { # label, LoadGenerator args…: writes the agent's CPU % beside the JSON
  local label="$1"; shift
  # over the rate's own window, first byte to idle (not the generator's preparation of its block)
  load "$label" --socket "$work/vigil.sock" --metrics "$agent_metrics" --cpu-pid "$agent_pid" --clock-ticks "$hz" "$@"
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['agent_cpu_percent'])" "$results/$label.json" \
    > "$results/$label.cpu"
}

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); agent $agent_jar on $("$AGENT_JAVA" -version 2>&1 | head -1); results in $results"
cut -d' ' -f1-3 /proc/loadavg > "$results/loadavg-start"

ceiling_port=$(free_port)
java -Xmx256m -XX:ActiveProcessorCount=2 -cp "$jar" dev.vigil.bench.load.SocketCeiling --socket "$work/ceiling.sock" \
  --metrics-address "127.0.0.1:$ceiling_port" 2>"$work/ceiling.log" &
ceiling_pid=$!
wait_http "http://127.0.0.1:$ceiling_port/metrics" "socket ceiling"

last_stream=""
for stream in $streams; do
  [ -n "$agent_pid" ] && stop_agent
  start_agent "$stream"
  last_stream=$stream
  echo "== $stream: a fresh agent, cold (the first million lines, 1 connection)"
  agent_load "$stream-cold" --stream "$stream" --connections 1 --events 1000000
  for c in $conn_list; do
    echo "== $stream: agent at the maximum rate for ${run_seconds}s, $c connection(s); then the socket ceiling"
    agent_load "$stream-$c" --stream "$stream" --connections "$c" --seconds "$run_seconds"
    load "ceiling-$stream-$c" --stream "$stream" --connections "$c" --socket "$work/ceiling.sock" \
      --metrics "http://127.0.0.1:$ceiling_port/metrics" --seconds "$run_seconds"
  done
done
kill "$ceiling_pid"; wait "$ceiling_pid" 2>/dev/null || true; ceiling_pid=""

idle_cpu=""
rss_idle_kb=0
if [ "$fixed" = 1 ]; then
  echo "== $last_stream: agent at a fixed $rate events/s for ${run_seconds}s"
  load agent-fixed --stream "$last_stream" --connections 1 --socket "$work/vigil.sock" --metrics "$agent_metrics" \
    --seconds "$run_seconds" --rate "$rate" --write-bytes 65536
  echo "== agent idle for 10 s"
  sleep 2
  k0=$(cpu_ticks "$agent_pid"); t0=$(date +%s.%N)
  sleep 10
  k1=$(cpu_ticks "$agent_pid"); t1=$(date +%s.%N)
  idle_cpu=$(python3 -c "print(round(100*($k1-$k0)/$hz/($t1-$t0),2))")
  rss_idle_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$agent_pid/status")
fi
stop_agent
for s in $streams; do cp "$work/rss-peak-kb-$s" "$results/$s.rss-peak-kb" 2>/dev/null || echo 0 > "$results/$s.rss-peak-kb"; done
alerts=$(wc -l < "$work/alerts.jsonl")
cut -d' ' -f1-3 /proc/loadavg > "$results/loadavg-end"

python3 - "$results" "$streams" "$conn_list" "$idle_cpu" "$rss_idle_kb" "$alerts" "${rules_flag:-default rules}" "$agent_jar" <<'PY'
import json, sys, os
d, streams, conns, idle_cpu, rss_idle, alerts, rules, agent_jar = sys.argv[1:9]
streams, conns = streams.split(), conns.split()
def load(n):
    return json.load(open(os.path.join(d, n + ".json")))
def cpu(n):
    return float(open(os.path.join(d, n + ".cpu")).read())
def lat(x, k):
    l = x.get("agent_latency")
    return "-" if not l else f'{l[k]:.0f}'
summary = {"rules": rules.strip(), "agent_jar": agent_jar,
           "load_average_start": open(os.path.join(d, "loadavg-start")).read().strip(),
           "load_average_end": open(os.path.join(d, "loadavg-end")).read().strip(), "streams": {}}
rows = []
for s in streams:
    cold = load(f"{s}-cold")
    st = {"bytes_per_line": cold["bytes_per_line"], "cold_events_per_second": cold["agent_events_per_second"],
          "cold_dropped": cold["dropped"], "cold_rejected": cold["rejected"],
          "agent_rss_peak_mib": round(int(open(os.path.join(d, s + ".rss-peak-kb")).read() or 0) / 1024, 1)}
    rows.append((f"{s} ({cold['bytes_per_line']} B/line): cold, first 1M lines, 1 connection", f'{cold["agent_events_per_second"]:,}', "-"))
    for c in conns:
        a, ce = load(f"{s}-{c}"), load(f"ceiling-{s}-{c}")
        st[f"connections_{c}"] = {
            "agent_events_per_second": a["agent_events_per_second"],
            "ceiling_events_per_second": ce["agent_events_per_second"],
            "agent_vs_ceiling": round(a["agent_events_per_second"] / ce["agent_events_per_second"], 3),
            "dropped": a["dropped"], "rejected": a["rejected"], "agent_cpu_percent": cpu(f"{s}-{c}"),
            "latency_micros": {k: a["agent_latency"][k] for k in ("p50_micros", "p99_micros", "p999_micros")} if a.get("agent_latency") else None,
        }
        x = st[f"connections_{c}"]
        rows.append((f"{s}: warm max rate, {c} connection(s): events/s", f'{x["agent_events_per_second"]:,} ({x["agent_vs_ceiling"]}x)', f'{x["ceiling_events_per_second"]:,} (socket ceiling)'))
        rows.append((f"{s}, {c} conn: dropped / rejected; agent CPU %", f'{x["dropped"]} / {x["rejected"]}; {x["agent_cpu_percent"]}', "-"))
        rows.append((f"{s}, {c} conn: in-agent latency p50/p99/p99.9 us", f'{lat(a,"p50_micros")} / {lat(a,"p99_micros")} / {lat(a,"p999_micros")}', "-"))
    rows.append((f"{s}: agent peak RSS MiB", st["agent_rss_peak_mib"], "-"))
    summary["streams"][s] = st
if idle_cpu:
    af = load("agent-fixed")
    summary.update({
        "fixed_rate_stream": af["stream"], "fixed_rate_target": af["target_rate"], "fixed_rate_achieved": af["agent_events_per_second"],
        "fixed_latency_micros": {k: af["agent_latency"][k] for k in ("p50_micros", "p99_micros", "p999_micros")} if af.get("agent_latency") else None,
        "agent_idle_cpu_percent": float(idle_cpu), "agent_rss_idle_mib": round(int(rss_idle) / 1024, 1)})
    rows += [
        (f'fixed {af["target_rate"]}/s ({af["stream"]}, 1 conn): achieved events/s', f'{af["agent_events_per_second"]:,}', f'{af["client_events_per_second"]:,} (client sent)'),
        ("fixed rate: in-agent latency p50/p99/p99.9 us", f'{lat(af,"p50_micros")} / {lat(af,"p99_micros")} / {lat(af,"p999_micros")}', "-"),
        ("fixed rate: client schedule lag p99/max us", f'{af["client_schedule_lag_micros"]["p99"]} / {af["client_schedule_lag_micros"]["max"]}', "-"),
        ("idle: agent CPU over 10 s (% of one core)", idle_cpu, "-"),
        ("idle: agent RSS MiB", summary["agent_rss_idle_mib"], "-"),
    ]
summary["alerts"] = int(alerts)
rows.append(("alerts written (all runs)", alerts, "-"))
json.dump(summary, open(os.path.join(d, "summary.json"), "w"), indent=2)
w = max(len(a) for a, _, _ in rows)
print(f'\nload average {summary["load_average_start"]} at the start, {summary["load_average_end"]} at the end')
print(f'{"measure".ljust(w)} | vigil ({rules.strip()}) | baseline (same run)')
print("-" * (w + 50))
for a, b, c in rows:
    print(f"{a.ljust(w)} | {str(b)} | {c}")
print(f"\nJSON: {d}/")
PY
