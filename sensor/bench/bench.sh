#!/bin/bash
# Sensor throughput benchmark: a synthetic syscall storm (bench/storm.c, one
# process per CPU), the sensor writing to a counting reader. Reports the storm
# rate with and without the sensor attached, the events delivered per second,
# the events lost (ring buffer full), and the sensor's CPU time.
# usage: bench.sh [socket|fork|exec] [SECONDS] [RING_MB]   (root)
#   SENSOR_EXTRA="…"  more sensor options; default "--cgroup-rate 0": the storm runs in one
#                     cgroup, which the per-cgroup budget would throttle (bench/fairness.sh
#                     shows that); "--cgroup-rate 1000000000" measures the budget's cost
set -eu
MODE=${1:-socket} SECS=${2:-5} RING_MB=${3:-4}
SENSOR_EXTRA=${SENSOR_EXTRA---cgroup-rate 0}
DIR=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: bench.sh needs root"; exit 0; }
make -s -C "$DIR" build/vigil-sensor build/storm
WORK=$(mktemp -d /tmp/vigil-bench.XXXXXX)
NPROC=$(nproc)
trap 'kill ${SENSOR_PID:-} ${READER_PID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT
case "$MODE" in fork) EVT=clone ;; exec) EVT=execve ;; *) EVT=socket ;; esac

# run_storm PREFIX: NPROC storm processes, each writing its summary to PREFIX.N
run_storm() {
	local pids=()
	for i in $(seq "$NPROC"); do "$DIR/build/storm" "$MODE" "$SECS" >"$1.$i" & pids+=($!); done
	wait "${pids[@]}"
}
calls() { cat "$@" | python3 -c 'import sys,json; print(sum(json.loads(l)["calls"] for l in sys.stdin))'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_storm "$WORK/base"
BASE_CALLS=$(calls "$WORK"/base.*)

python3 "$DIR/bench/reader.py" "$WORK/s.sock" "$EVT" >"$WORK/reader.json" &
READER_PID=$!
for _ in $(seq 50); do [ -S "$WORK/s.sock" ] && break; sleep 0.1; done
# shellcheck disable=SC2086 # word splitting of SENSOR_EXTRA is the point
"$DIR/build/vigil-sensor" --socket "$WORK/s.sock" --ring-mb "$RING_MB" $SENSOR_EXTRA 2>"$WORK/sensor.log" &
SENSOR_PID=$!
for _ in $(seq 100); do grep -q connected "$WORK/sensor.log" && break; sleep 0.1; done
T0=$(cpu_ticks $SENSOR_PID)
START=$(date +%s.%N)
run_storm "$WORK/storm"
sleep 1.5 # let the sensor drain and report its losses
T1=$(cpu_ticks $SENSOR_PID)
END=$(date +%s.%N)
kill -TERM $SENSOR_PID
wait $SENSOR_PID
wait $READER_PID
CALLS=$(calls "$WORK"/storm.*)
python3 - "$MODE" "$SECS" "$NPROC" "$RING_MB" "$BASE_CALLS" "$CALLS" "$((T1 - T0))" "$(getconf CLK_TCK)" \
	"$START" "$END" "$WORK/reader.json" "$SENSOR_EXTRA" <<'PY'
import json, sys
mode, secs, nproc, ring, base, calls, ticks, hz, start, end, rpath, extra = sys.argv[1:]
secs, base, calls, ticks, hz = float(secs), int(base), int(calls), int(ticks), int(hz)
r = json.load(open(rpath))
cpu = ticks / hz
got = r["events_of_type"]
print(f"storm: {mode} x{nproc} for {secs:.0f}s, ring {ring} MiB, sensor options: {extra or 'none'}")
print(f"  storm rate without sensor: {base / secs:,.0f} calls/s")
print(f"  storm rate with sensor:    {calls / secs:,.0f} calls/s ({calls / base:.0%} of baseline)")
print(f"  events delivered:          {got:,} of {calls:,} ({got / calls:.1%}), {got / secs:,.0f}/s")
print(f"  reported lost:             {r['lost']}")
print(f"  lines {r['lines']:,} in {r['reads']:,} reads ({r['lines'] / max(r['reads'], 1):.0f} lines/read)")
print(f"  sensor CPU: {cpu:.2f}s over {float(end) - float(start):.1f}s wall "
      f"({cpu / secs:.0%} of one core during the storm), {cpu / max(got, 1) * 1e9:.0f} ns/event")
PY
tail -1 "$WORK/sensor.log"
