#!/bin/bash
# Integration test (c): the agent goes away and comes back. The sensor keeps
# running, reconnects by itself, events flow again, and the events it had to
# discard meanwhile are reported as a vigil_sensor_lost line, reason
# "disconnected".
set -eu
. "$(dirname "$0")/lib.sh"
require_bpf

start_listener "$WORK/first.jsonl"
start_sensor
unshare -m true
expect "$WORK/first.jsonl" evt.type=unshare container.id=host

kill "$LISTENER_PID"
wait "$LISTENER_PID" 2>/dev/null || true
rm -f "$WORK/agent.sock"
# Events while nobody listens: the first write after this fails, then the
# sensor drains the ring and counts.
for _ in 1 2 3 4 5; do unshare -m true; sleep 0.1; done
for _ in $(seq 50); do grep -q 'connection lost' "$WORK/sensor.log" && break; sleep 0.1; done
grep -q 'connection lost' "$WORK/sensor.log" || fail "sensor did not notice the agent leaving"
kill -0 "$SENSOR_PID" || fail "sensor died with the agent"
for _ in 1 2 3; do unshare -m true; sleep 0.1; done

start_listener "$WORK/second.jsonl"
for _ in $(seq 100); do [ "$(grep -c '^vigil-sensor: connected' "$WORK/sensor.log")" -ge 2 ] && break; sleep 0.1; done
unshare -m true
expect "$WORK/second.jsonl" evt.type=unshare container.id=host
expect "$WORK/second.jsonl" evt.type=vigil_sensor_lost evt.arg.reason=disconnected
python3 - "$WORK/second.jsonl" <<'PY' || fail "lost count"
import json, sys
# By evt.type: execve lines carry command lines, which may name anything.
lost = [e for e in map(json.loads, open(sys.argv[1])) if e["evt.type"] == "vigil_sensor_lost"]
n = sum(e["evt.arg.lost"] for e in lost)
print(f"{'ok' if n >= 3 else 'FAIL'}: {n} events reported lost while disconnected")
sys.exit(n < 3)
PY
stop_sensor
echo "PASS: $(basename "$0")"
