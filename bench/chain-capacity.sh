#!/usr/bin/env bash
# The real chain's capacity: the bundled eBPF sensor and the agent (`vigil run --sensor on`) under a
# rate-controlled syscall storm in real runc containers, with an attack amid it.
#
#   bench/chain-capacity.sh [--steps "25000 50000 100000 200000 400000 800000"] [--seconds 15]
#                           [--syscall setns|socket] [--procs N] [--storm-containers N]
#                           [--attack-interval-ms 500] [--warmup-seconds 5] [--all-steps] [--retries 2]
#                           [--agent-jar JAR] [--skip-build] [--allow-other-sensors]
#
# For each step (a target rate of syscalls a second; 0 = as fast as the storm can), a fresh storm
# container (--storm-containers, each --procs processes, default one per CPU; bench/chainstorm.c:
# `setns` (default), a setns(-1) that fails at once, the cheapest call the sensor reports, so that the
# storm outruns the chain; or `socket`, socket(AF_INET, SOCK_RAW) + close, allowed by the run's rules
# as ping is: one sensor line per call either way) and, beside it, an attacker container opening a packet socket every
# --attack-interval-ms (the "Packet socket in container" rule), both from the same instant. Then it
# waits until the agent is idle and reports: the storm's achieved rate; the lines the agent received
# (= what the sensor delivered: the socket loses nothing); the sensor's kernel-ring losses
# (vigil_sensor_lost_events_total, from its vigil_sensor_lost lines); the agent's dropped and
# rejected counters; the syscall-to-alert latency p50/p99/max of the attacks, from the attacker's
# clock just before socket() to the alert line reaching the agent's stdout (and, beside it, from
# the sensor's evt.rawtime in the alert); the in-agent latency (vigil_event_latency_seconds) and
# the CPU of the agent and of the sensor. It stops after the first step that lost anything
# (unless --all-steps). A step in which other producers on the node (another session's storm) sent
# more than 5 % of the storm's lines (at least 10,000) is marked disturbed and run again, up to
# --retries times (the disturbed runs are kept as step-*.json.disturbed-N).
# Another vigil-sensor already attached on the node sees the storm too (its agent gets every line, and
# with --syscall socket raises raw-socket alerts): the run refuses to start unless --allow-other-sensors.
# Root, runc, busybox-static, gcc and kernel BTF are needed.
# Prints a table and writes step-*.json, summary.json and the logs under bench/results/chain-<UTC stamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."

steps="25000 50000 100000 200000 400000 800000"
run_seconds=15
syscall=setns
procs=$(nproc)
storm_containers=1
interval_ms=500
warmup=5
all_steps=0
retries=2
agent_jar_arg=""
build=1
allow_others=0
die() { echo "chain-capacity: $*" >&2; exit 2; }
number() { # value, option: a non-negative integer
  case "$1" in ''|*[!0-9]*) die "$2 takes a non-negative whole number, not '$1'" ;; esac
}
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --seconds) run_seconds="$2"; shift 2 ;;
    --syscall) syscall="$2"; shift 2 ;;
    --procs) procs="$2"; shift 2 ;;
    --storm-containers) storm_containers="$2"; shift 2 ;;
    --attack-interval-ms) interval_ms="$2"; shift 2 ;;
    --warmup-seconds) warmup="$2"; shift 2 ;;
    --all-steps) all_steps=1; shift ;;
    --retries) retries="$2"; shift 2 ;;
    --agent-jar)
      [ -f "$2" ] || die "--agent-jar $2: no such file"
      agent_jar_arg="$(realpath "$2")"; shift 2 ;;
    --skip-build) build=0; shift ;;
    --allow-other-sensors) allow_others=1; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done
[ -n "${steps// /}" ] || die "--steps is empty"
for s in $steps; do number "$s" --steps; done
for v in "$run_seconds:--seconds" "$procs:--procs" "$storm_containers:--storm-containers" \
         "$interval_ms:--attack-interval-ms" "$warmup:--warmup-seconds" "$retries:--retries"; do number "${v%%:*}" "${v#*:}"; done
[ "$run_seconds" -ge 2 ] || die "--seconds: at least 2"
[ "$procs" -ge 1 ] && [ "$storm_containers" -ge 1 ] && [ "$interval_ms" -ge 50 ] \
  || die "--procs and --storm-containers: at least 1; --attack-interval-ms: at least 50"
case "$syscall" in socket|setns) ;; *) die "--syscall: socket or setns, not $syscall" ;; esac

# What the run needs, named before anything is built or started.
[ "$(id -u)" = 0 ] || { echo "chain-capacity: needs root (the sensor and runc)" >&2; exit 1; }
for tool in runc gcc make; do command -v "$tool" >/dev/null || { echo "chain-capacity: no $tool (apt-get install $tool)" >&2; exit 1; }; done
[ -x /bin/busybox ] || { echo "chain-capacity: no /bin/busybox (apt-get install busybox-static)" >&2; exit 1; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "chain-capacity: no kernel BTF (/sys/kernel/btf/vmlinux): the sensor cannot run" >&2; exit 1; }
if [ "$allow_others" = 0 ] && pgrep -x vigil-sensor >/dev/null; then
  echo "chain-capacity: another vigil-sensor is attached (pid $(pgrep -x vigil-sensor | paste -sd, -)): it would see this storm too, and its agent get every line; wait for it, or --allow-other-sensors" >&2
  exit 1
fi

if [ "$build" = 1 ] && [ -z "$agent_jar_arg" ]; then
  ./mvnw -q -B package -DskipTests -pl agent -am
fi
. bench/lib.sh
[ -n "$agent_jar_arg" ] && agent_jar="$agent_jar_arg"
[ -f "$agent_jar" ] || { echo "chain-capacity: no $agent_jar: build first (./mvnw -q -B package -DskipTests -pl agent -am)" >&2; exit 1; }
bench_dirs chain
agent_pid=""
stamper_pid=""
sensor_pid=""
containers=()
container_pids=()
made_cgroups=()

cleanup() {
  local id p d
  for p in "${container_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for id in "${containers[@]}"; do runc delete -f "$id" >/dev/null 2>&1 || true; done
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then kill -TERM "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [ -n "$stamper_pid" ]; then wait "$stamper_pid" 2>/dev/null || true; fi
  for d in "${made_cgroups[@]}"; do rmdir "$d" 2>/dev/null || true; done
  cp "$work/agent.log" "$results/agent.log" 2>/dev/null || true
  cp "$work/alerts.stamped" "$results/alerts.stamped" 2>/dev/null || true
  cp "$work/containers.log" "$results/containers.log" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

py() { python3 bench/chain_capacity.py "$@"; }

# The containers' root: busybox-static, as the sensor's tests make it, plus the storm/attacker.
gcc -O2 -Wall -Wextra -static bench/chainstorm.c -o "$work/chainstorm"
rootfs="$work/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list | grep -vx busybox); do ln -s busybox "$rootfs/bin/$applet"; done
cp "$work/chainstorm" "$rootfs/bin/chainstorm"

# run_container ID OUT ARG...: a runc container in /docker/ID (Docker's cgroupfs layout: the sensor
# reports its first 12 characters as container.id), Docker's default capabilities, read-only root;
# its stdout to OUT, in the background.
run_container() {
  local id="$1" out="$2"; shift 2
  local bundle="$work/bundle-$id" ctrl
  mkdir -p "$bundle"
  (cd "$bundle" && runc spec)
  py oci "$bundle/config.json" "$rootfs" "/docker/$id" "$@"
  for ctrl in /sys/fs/cgroup/*/; do
    [ -d "${ctrl}docker" ] || made_cgroups+=("${ctrl}docker")
  done
  containers+=("$id")
  runc run --bundle "$bundle" "$id" </dev/null >"$out" 2>>"$work/containers.log" &
  container_pids+=($!)
}

# The agent, with the sensor it starts itself (`vigil run --sensor on`): the set-up of the README's
# first start; the sensor binary and its defaults (4 MiB kernel ring, 10 ms flush) are the
# DaemonSet's. Its own socket and state under the run's temp directory; uid 0 kept (no
# capabilities), so that the 0700 temp directory needs no hand-over.
mkdir -p "$work/run" "$work/state"
cat > "$work/config.yaml" <<EOF
ingest:
  socket: $work/run/vigil.sock
state:
  stateDir: $work/state
process:
  user: root
alerts:
  # Every attack is its own alert: not folded with the last one from the same container and program.
  dedupPeriodSeconds: 0
  # No runtime knows a bare runc container: without this each alert would wait the whole default
  # 300 ms for a name that never comes (a node's CRI containers are named long before an attack).
  identityWaitMillis: 0
sensor:
  # The chain's own capacity: without the per-cgroup budget, which by design holds one container's storm
  # to 5,000 lines a second (sensor/README.md, "Fairness") — the storm here is one container.
  cgroupRate: 0
EOF
# The storm's raw sockets are allowed (as ping's are): its events go through the rules without alerting.
cat > "$work/chain-rules.yaml" <<'EOF'
- list: vigil_raw_socket_binaries
  items: [/bin/chainstorm]
  override:
    items: append
EOF
agent_port=$(free_port)
metrics="http://127.0.0.1:$agent_port/metrics"
mkfifo "$work/alerts.fifo"
py stamp "$work/alerts.stamped" < "$work/alerts.fifo" &
stamper_pid=$!

others=$(pgrep -x vigil-sensor | wc -l || true)
machine="$(nproc) cores, $(java -version 2>&1 | head -1)"
echo "== machine: $machine, load average $(cut -d' ' -f1-3 /proc/loadavg); other vigil-sensor processes: $others; results in $results"
[ "$others" = 0 ] || echo "== warning: $others other sensor(s) attached: they see this storm too (and slow every syscall)"
cut -d' ' -f1-3 /proc/loadavg > "$work/loadavg-start"

# shellcheck disable=SC2086
"$AGENT_JAVA" $AGENT_JAVA_OPTS -jar "$agent_jar" run --config "$work/config.yaml" --rules "$work/chain-rules.yaml" \
  --metrics-address "127.0.0.1:$agent_port" --sensor on >"$work/alerts.fifo" 2>"$work/agent.log" &
agent_pid=$!
wait_http "http://127.0.0.1:$agent_port/readyz" "vigil run"
for _ in $(seq 1 300); do
  sensor_pid=$(sed -n 's/.*started the sensor (pid \([0-9]*\)).*/\1/p' "$work/agent.log" | head -1)
  [ -n "$sensor_pid" ] && break
  kill -0 "$agent_pid" 2>/dev/null || { cat "$work/agent.log" >&2; echo "chain-capacity: the agent exited" >&2; exit 1; }
  sleep 0.2
done
[ -n "$sensor_pid" ] || { tail -20 "$work/agent.log" >&2; echo "chain-capacity: the sensor did not attach" >&2; exit 1; }
echo "== agent pid $agent_pid, sensor pid $sensor_pid ($(grep -o 'attached: .*' "$work/agent.log" | head -1 | cut -c1-100)…)"

run_step() { # index, label, target rate, seconds
  local i="$1" label="$2" rate="$3" secs="$4" c id attacker count start_ns
  py idle "$metrics" 1 60
  py metrics "$metrics" "$work/m0-$i.json"
  local load_start; load_start=$(cut -d' ' -f1 /proc/loadavg)
  # Both containers begin at the same instant, 3 s from now: time for runc to start them on a busy machine.
  start_ns=$(( $(date +%s%N) + 3000000000 ))
  count=$(( (secs * 1000 - interval_ms / 2) / interval_ms ))
  python3 bench/chain_capacity.py sample "$sensor_pid" "$agent_pid" "$work/sampled-$i.json" "$start_ns" &
  local sampler=$!
  local pids=() storm_files=()
  for c in $(seq 1 "$storm_containers"); do
    id=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    run_container "$id" "$work/storm-$i-$c.out" /bin/chainstorm storm "$syscall" \
      $(( rate / storm_containers )) "$secs" "$procs" "$start_ns"
    pids+=("${container_pids[-1]}"); storm_files+=("$work/storm-$i-$c.out")
  done
  attacker=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  run_container "$attacker" "$work/attack-$i.out" /bin/chainstorm attack "$count" "$interval_ms" \
    $(( start_ns + interval_ms * 500000 ))
  pids+=("${container_pids[-1]}")
  for p in "${pids[@]}"; do wait "$p" || { echo "chain-capacity: a container of step $label failed:" >&2; tail -5 "$work/containers.log" >&2; exit 1; }; done
  kill -TERM "$sampler"; wait "$sampler" || true
  # The sensor reports ring losses at most once a second; the alerts of the last attacks follow.
  py idle "$metrics" 2.5 120
  py metrics "$metrics" "$work/m1-$i.json"
  python3 -c "import json,sys; json.dump({'load_start': '$load_start', 'load_end': '$(cut -d' ' -f1 /proc/loadavg)', 'sampled': json.load(open('$work/sampled-$i.json'))}, open('$work/cpu-$i.json','w'))"
  py step "$results/step-$(printf %02d "$i")-$label.json" "$label" "$rate" "$syscall" "$work/m0-$i.json" "$work/m1-$i.json" \
    "$work/cpu-$i.json" "$work/alerts.stamped" "${attacker:0:12}" "$work/attack-$i.out" "${storm_files[@]}" \
    > "$work/row-$i"
  cat "$work/row-$i"
  for id in "${containers[@]}"; do runc delete -f "$id" >/dev/null 2>&1 || true; done
  containers=(); container_pids=()
}

echo "== step | target/s | storm calls/s | agent received | ring lost | dropped/rejected | other | attacks alerted | syscall->alert ms p50/p99/max | from evt.rawtime | in-agent p99 us | CPU agent/sensor % | sensor blocked on agent % | load"
i=0
if [ "$warmup" -gt 0 ]; then
  first=${steps%% *}
  run_step 0 warm-up "$first" "$(( warmup > 2 ? warmup : 2 ))"
fi
step_json() { ls "$results"/step-"$(printf %02d "$1")"-*.json; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
for rate in $steps; do
  i=$((i + 1))
  for try in $(seq 0 "$retries"); do
    run_step "$i" "$rate" "$rate" "$run_seconds"
    f=$(step_json "$i")
    [ "$(field "$f" disturbed)" = True ] && [ "$try" -lt "$retries" ] || break
    echo "== step $rate: $(field "$f" other_lines) lines from elsewhere on the node (another storm?): once more"
    mv "$f" "$f.disturbed-$try"
  done
  if [ "$all_steps" = 0 ] && [ "$(field "$f" zero_loss)" = False ]; then
    echo "== step $rate lost events: stopping (--all-steps runs the rest)"
    break
  fi
done

kill -TERM "$agent_pid"; rc=0; wait "$agent_pid" || rc=$?; agent_pid=""
wait "$stamper_pid" 2>/dev/null || true; stamper_pid=""
[ "$rc" = 0 ] || { echo "chain-capacity: the agent exited $rc on SIGTERM (its log: $results/agent.log)" >&2; exit 1; }
sensor_summary=$(grep -o 'vigil-sensor: stopping: .*' "$work/agent.log" | tail -1 || true)
cut -d' ' -f1-3 /proc/loadavg > "$work/loadavg-end"
python3 - "$results/run.json" "$machine" "$agent_jar" "$syscall" "$procs" "$storm_containers" "$interval_ms" \
  "$run_seconds" "$others" "$sensor_summary" "$(cat "$work/loadavg-start")" "$(cat "$work/loadavg-end")" <<'PY'
import json, sys
keys = ("machine", "agent_jar", "syscall", "procs", "storm_containers", "attack_interval_ms", "seconds",
        "other_sensors_at_start", "sensor_exit_summary", "load_average_start", "load_average_end")
v = dict(zip(keys, sys.argv[2:]))
for k in ("procs", "storm_containers", "attack_interval_ms", "seconds", "other_sensors_at_start"):
    v[k] = int(v[k])
json.dump(v, open(sys.argv[1], "w"), indent=2)
PY
py summary "$results"
echo "sensor: ${sensor_summary:-no summary line in the agent log}"
