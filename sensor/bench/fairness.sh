#!/bin/bash
# Fairness at the kernel ring: container A storms (raw sockets, bench/storm.c,
# one process per CPU) while its neighbour B opens a few packet sockets (the
# attack a rule looks for). With a small ring, does B's attack reach the agent?
# Prints one JSON line: B's packet sockets opened and delivered, A's storm
# calls and delivered events, what the sensor reported lost (ringbuf_full),
# and its throttle lines for A (start/stop, throttled counts).
#
# usage: fairness.sh [SECONDS]   (root; runc and busybox-static)
#   SENSOR_BIN=PATH  another build of the sensor (e.g. main's, for a before/after)
#   RING_MB=N        its --ring-mb (default 1, the smallest)
#   SENSOR_EXTRA="…" more sensor options (e.g. "--cgroup-rate 0" to turn the budget off)
#   B_OPENS=N        packet sockets B opens, one every 50 ms (default 40)
#   DRAIN=BYTES_PER_S  how fast the stand-in agent reads (default 8000000, ~25,000 lines/s:
#                    an agent with a share of a busy node's CPU; 0: as fast as it can)
#   STORMS=N         storm processes in A (default 4 per CPU: the sensor gets a smaller share)
set -eu
SECS=${1:-8}
. "$(dirname "$0")/../test/lib.sh"
require_bpf
require_oci_containers
make -s -C "$SENSOR_DIR" rootfs >/dev/null
OUT="$WORK/events.jsonl"
B_OPENS=${B_OPENS:-40}
# shellcheck disable=SC2206 # word splitting of SENSOR_EXTRA is the point
SENSOR_ARGS=(--ring-mb "${RING_MB:-1}" ${SENSOR_EXTRA:-})
start_listener "$OUT" "${DRAIN:-8000000}"
start_sensor

ida=$(random_id) idb=$(random_id)
storms=""
for _ in $(seq "${STORMS:-$((4 * $(nproc)))}"); do storms="$storms storm socket $SECS >>/tmp/storm.out &"; done
"$OCI" --id "$ida" --tmpfs /tmp -- sh -c "$storms wait; cat /tmp/storm.out" >"$WORK/storm.out" 2>/dev/null &
A_PID=$!
CLEANUP_PIDS+=("$A_PID")
sleep $((SECS / 3)) # B's attack in the middle of A's storm
"$OCI" --id "$idb" -- sh -c "i=0; while [ \$i -lt $B_OPENS ]; do afpacket >/dev/null; i=\$((i + 1)); sleep 0.05; done" \
	2>/dev/null
wait "$A_PID" || true
sleep 2 # the sensor drains, reports its losses and ends the throttle episode
stop_sensor
python3 - "$OUT" "${ida:0:12}" "${idb:0:12}" "$B_OPENS" "$WORK/storm.out" "${SENSOR_BIN:-$SENSOR_DIR/vigil-sensor}" \
	"${RING_MB:-1}" "${SENSOR_EXTRA:-}" "${DRAIN:-8000000}" <<'PY'
import json, sys
path, a, b, opens, storm, sensor, ring, extra, drain = sys.argv[1:]
r = {"a": a, "b": b, "sensor": sensor, "ring_mb": int(ring), "extra": extra, "drain_bytes_per_s": int(drain), "b_opened": int(opens), "b_delivered": 0,
     "a_calls": 0, "a_delivered": 0, "lost_ringbuf_full": 0, "throttle_start": [], "throttle_stop": []}
for line in open(storm):
    if line.startswith("{"):
        r["a_calls"] += json.loads(line)["calls"]
for raw in open(path, "rb"):
    e = json.loads(raw)
    t, cid = e.get("evt.type"), e.get("container.id")
    if t == "socket" and cid == b and e.get("evt.arg.domain") == 17:
        r["b_delivered"] += 1
    elif t == "socket" and cid == a and e.get("proc.name") == "storm":  # not runc's 2 netlink sockets
        r["a_delivered"] += 1
    elif t == "vigil_sensor_lost" and e.get("evt.arg.reason") == "ringbuf_full":
        r["lost_ringbuf_full"] += e["evt.arg.lost"]
    elif t == "vigil_sensor_throttle":
        state = e.get("evt.arg.state")
        r["throttle_" + state].append({k: v for k, v in e.items() if k.startswith("evt.arg") or k == "container.id"})
r["b_lost"] = r["b_opened"] - r["b_delivered"]
print(json.dumps(r))
PY
tail -1 "$WORK/sensor.log"
