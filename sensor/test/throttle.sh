#!/bin/bash
# Integration test: the per-cgroup budget (--cgroup-rate 100 --cgroup-burst 500)
# on real runc containers (a burst of 500: runc's own set-up of a container,
# its mounts, pivot_root and sethostname, spends ~50 of the security budget).
# Container A storms raw sockets for 2 s while B opens three packet sockets:
#   - one throttle start line names A (reason security_budget, rate, burst),
#     and one stop line follows with what was refused;
#   - A's sockets delivered stay within burst + rate x time, and delivered plus
#     throttled are A's calls, exactly (nothing lost at the ring);
#   - every packet socket of B arrives: B has its own budget;
#   - an exec in A after the storm still arrives: the process budget is A's other one.
set -eu
. "$(dirname "$0")/lib.sh"
require_bpf
require_oci_containers
OUT="$WORK/events.jsonl"
SENSOR_ARGS=(--cgroup-rate 100 --cgroup-burst 500)
start_listener "$OUT"
start_sensor

ida=$(random_id) idb=$(random_id)
"$OCI" --id "$ida" -- sh -c 'storm socket 2; sleep 0.2; /bin/true' >"$WORK/storm.out" 2>/dev/null &
A_PID=$!
CLEANUP_PIDS+=("$A_PID")
sleep 0.7
"$OCI" --id "$idb" -- sh -c 'afpacket; afpacket; afpacket' >/dev/null 2>&1
wait "$A_PID"
expect "$OUT" evt.type=vigil_sensor_throttle evt.arg.state=start container.id="${ida:0:12}" \
	evt.arg.reason=security_budget evt.arg.rate=100 evt.arg.burst=500 proc.name=storm
expect --timeout 5 "$OUT" evt.type=vigil_sensor_throttle evt.arg.state=stop container.id="${ida:0:12}"
expect "$OUT" evt.type=execve container.id="${ida:0:12}" proc.exepath=/bin/true
stop_sensor
python3 - "$OUT" "${ida:0:12}" "${idb:0:12}" "$WORK/storm.out" <<'PY' || fail "budget not kept"
import json, sys
path, a, b, storm = sys.argv[1:]
calls = json.loads(open(storm).read().strip().splitlines()[-1])["calls"]
delivered = b_sockets = starts = lost = 0
stop = None
for raw in open(path, "rb"):
    e = json.loads(raw)
    t, cid = e["evt.type"], e.get("container.id")
    if t == "socket" and cid == a and e["proc.name"] == "storm":  # runc's set-up opens 2 netlink ones
        delivered += 1
    elif t == "socket" and cid == b and e.get("evt.arg.domain") == 17:
        b_sockets += 1
    elif t == "vigil_sensor_lost":
        lost += e["evt.arg.lost"]
    elif t == "vigil_sensor_throttle" and cid == a:
        starts += e["evt.arg.state"] == "start"
        stop = e if e["evt.arg.state"] == "stop" else stop
throttled = stop["evt.arg.throttled_security"]
print(f"info: A made {calls} raw sockets: {delivered} delivered, {throttled} throttled; B's packet sockets: {b_sockets}")
ok = True
def check(cond, what):
    global ok
    if not cond:
        print("FAIL: " + what)
        ok = False
check(starts == 1, f"one episode, got {starts} starts")
check(delivered <= 500 + 100 * 3, f"A delivered {delivered}, over burst + rate x 3 s")
check(throttled > 0 and stop["evt.arg.throttled_process"] == 0, f"stop line {stop}")
check(stop["evt.arg.throttled"] == throttled, "throttled = the sum of the budgets")
check(lost or delivered + throttled == calls, f"delivered + throttled = {delivered + throttled}, calls {calls}")
check(b_sockets == 3, f"B's packet sockets: {b_sockets} of 3")
sys.exit(0 if ok else 1)
PY
echo "PASS: $(basename "$0")"
