#!/bin/bash
# Integration test (a): the sensor reports, as valid JSON lines of the wire
# contract, `unshare -m` on the host, failed forks at pids.max inside a fake
# Docker cgroup (with that container's id and pids limit), an AF_PACKET socket
# there, an execve of a file whose name needs JSON escaping, the command line of
# an execve in Falco's form (proc.cmdline, also cut at the sensor's 1024-byte
# bound); and SIGTERM exits 0.
# With "reduced" (see caps.sh) the sensor runs with only CAP_BPF + CAP_PERFMON.
set -eu
. "$(dirname "$0")/lib.sh"
require_bpf
MODE=${1:-full}

OUT="$WORK/events.jsonl"
start_listener "$OUT"
start_sensor "$MODE"
if [ "$MODE" = reduced ]; then
	grep -q "^CapEff:[[:space:]]*$SENSOR_CAPS_MASK$" "/proc/$SENSOR_PID/status" ||
		fail "sensor runs with $(grep CapEff "/proc/$SENSOR_PID/status"), want $SENSOR_CAPS_MASK"
	echo "ok: sensor runs with CapEff $SENSOR_CAPS_MASK ($SENSOR_CAPS)"
fi

# Host: unshare -m (CLONE_NEWNS = 0x20000 = 131072).
unshare -m true
expect "$OUT" evt.type=unshare proc.name=unshare evt.res=0 evt.arg.flags=131072 container.id=host

# A container-like cgroup: /docker/<64 hex>, pids.max 20. The shell moves
# itself in, then python forks until the kernel says EAGAIN, and opens a
# packet socket.
ID=$(random_id)
CID=${ID:0:12}
make_docker_cgroup "$ID"
CG="$PIDS_ROOT/docker/$ID"
echo 20 >"$CG/pids.max"
sh -c 'echo $$ > "$1/cgroup.procs"; exec python3 -c "
import os, socket, time
kids, failed = [], 0
for _ in range(40):
    try:
        pid = os.fork()
    except BlockingIOError:
        failed += 1
        continue
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    kids.append(pid)
for pid in kids:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
socket.socket(17, 3).close()
print(\"forked\", len(kids), \"failed\", failed)
"' sh "$CG" >"$WORK/forker.out"
cat "$WORK/forker.out"
grep -q 'failed [1-9]' "$WORK/forker.out" || fail "the fork loop never hit pids.max"
expect "$OUT" evt.type=clone evt.res=-11 container.id="$CID" container.pids_limit=20 proc.name=python3
expect "$OUT" evt.type=clone container.id="$CID" container.pids_limit=20 proc.name=python3 \
	thread.cap_effective=0x000001fffeffffff
expect "$OUT" evt.type=socket evt.arg.domain=17 evt.arg.type=524291 evt.res=3 container.id="$CID"
python3 - "$OUT" "$ID" <<'PY' || fail "failed-fork count"
import json, sys
out, cid = sys.argv[1], sys.argv[2][:12]
fails = sum(1 for l in open(out, encoding="utf-8") if '"evt.res":-11' in l
            and json.loads(l)["container.id"] == cid)
forker = open(out.rsplit("/", 1)[0] + "/forker.out").read().split()
want = int(forker[forker.index("failed") + 1])
print(f"{'ok' if fails == want else 'FAIL'}: {fails} clone events with EAGAIN, forker saw {want}")
sys.exit(fails != want)
PY

# JSON escaping: a quote, a backslash, a control character and invalid UTF-8.
WEIRD="$WORK/we\"ird\\na"$'\x01'"me"$'\xff'
cp /bin/true "$WEIRD"
"$WEIRD"
python3 - "$OUT" "$WORK" <<'PY' || fail "escaping"
import json, sys, time
out, work = sys.argv[1], sys.argv[2]
want = work + '/we"ird\\na\x01me\ufffd'
for _ in range(100):
    for line in open(out, encoding="utf-8"):
        e = json.loads(line)
        if e["evt.type"] == "execve" and e.get("proc.exepath") == want:
            print("ok: execve of an oddly named file, proc.exepath escaped and decoded back")
            sys.exit(0)
    time.sleep(0.1)
print("FAIL: no execve line with proc.exepath", repr(want))
sys.exit(1)
PY

# proc.cmdline: comm, then argv[1..] joined by spaces (Falco's form, as the
# agent's ProcReader builds it from /proc/PID/cmdline), read by the sensor.
TAG=vigil-cmdline-$$-$RANDOM
/bin/sh -c 'exit 0' "$TAG" 'two words' 'q"b\s'
expect "$OUT" evt.type=execve proc.name=sh proc.exepath=/bin/sh \
	proc.cmdline="sh -c exit 0 $TAG two words q\"b\\s"
# Longer than the 1024 bytes the sensor reads: cut there, the last argument
# partial. The area read: "/bin/sh\0-c\0exit 0\0" (18 bytes), "$ARG3\0",
# then as many L's as fit in 1024 bytes.
ARG3=$TAG-long
LONG=$(printf 'L%.0s' $(seq 2000))
/bin/sh -c 'exit 0' "$ARG3" "$LONG"
expect "$OUT" evt.type=execve proc.name=sh \
	proc.cmdline="sh -c exit 0 $ARG3 ${LONG:0:$((1024 - 18 - ${#ARG3} - 1))}"

# The sensor never reports itself; it stops cleanly.
stop_sensor
expect --timeout 0 --absent "$OUT" proc.pid="$SENSOR_PID"
echo "PASS: $(basename "$0") $MODE"
