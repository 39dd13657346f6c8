#!/bin/bash
# Integration test (e): --stop-on-stdin-eof, the way `vigil run` stops the sensor it started. The
# agent holds the write end of the sensor's stdin; however the agent ends (an orderly stop, or
# SIGKILL), the kernel closes it, and the sensor flushes and exits 0 as on SIGTERM. A byte written
# does the same. Without the option (the DaemonSet's standalone sensor) stdin is not looked at:
# at EOF from the start (/dev/null) it runs on.
set -eu
. "$(dirname "$0")/lib.sh"
require_bpf

# hold FIFO: a process holding the FIFO's write end (the stand-in agent's pipe); sets HOLDER_PID.
hold() {
	rm -f "$1"
	mkfifo "$1"
	sleep 600 >"$1" &
	HOLDER_PID=$!
	CLEANUP_PIDS+=("$HOLDER_PID")
	SENSOR_STDIN=$1
}

# stops_by_itself WHAT: the sensor exits 0 within 5 s, with its summary.
stops_by_itself() {
	for _ in $(seq 50); do kill -0 "$SENSOR_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$SENSOR_PID" 2>/dev/null && fail "sensor still running 5 s after $1"
	local rc=0
	wait "$SENSOR_PID" || rc=$?
	[ "$rc" = 0 ] || fail "sensor exited $rc after $1"
	grep -q '^vigil-sensor: stopping' "$WORK/sensor.log" || fail "no stop summary after $1"
	echo "ok: stopped after $1: $(grep -E '^vigil-sensor: (stdin|stopping)' "$WORK/sensor.log" | paste -sd' ')"
}

# 1. The holder is killed (SIGKILL: nothing of it runs): the sensor stops, and what it read before
#    is delivered (flushed on the way out).
start_listener "$WORK/killed.jsonl"
hold "$WORK/stop1.fifo"
SENSOR_ARGS=(--stop-on-stdin-eof --flush-ms 2000)
start_sensor reduced
TAG=vigil-stdin-$$
/bin/sh -c 'exit 0' "$TAG" before-stop
kill -KILL "$HOLDER_PID"
stops_by_itself "its stdin's writer was killed"
grep -q '^vigil-sensor: stdin closed' "$WORK/sensor.log" || fail "the stop does not say why"
expect "$WORK/killed.jsonl" evt.type=execve "proc.cmdline=sh -c exit 0 $TAG before-stop"

# 2. A byte on stdin, the writer still there.
start_listener "$WORK/byte.jsonl"
hold "$WORK/stop2.fifo"
start_sensor reduced
echo x >"$WORK/stop2.fifo"
stops_by_itself "a byte on its stdin"
grep -q '^vigil-sensor: stdin readable' "$WORK/sensor.log" || fail "the stop does not say why"
kill "$HOLDER_PID"

# 3. Also while it waits for the agent (nobody listens yet).
rm -f "$WORK/agent.sock"
hold "$WORK/stop3.fifo"
: >"$WORK/sensor.log" # not the last sensor's: this one's opens its stdin (the FIFO) first
"$SENSOR_DIR/vigil-sensor" --socket "$WORK/agent.sock" --stop-on-stdin-eof <"$SENSOR_STDIN" 2>>"$WORK/sensor.log" &
SENSOR_PID=$!
CLEANUP_PIDS+=("$SENSOR_PID")
for _ in $(seq 100); do grep -q '^vigil-sensor: waiting for the agent' "$WORK/sensor.log" && break; sleep 0.1; done
grep -q '^vigil-sensor: waiting for the agent' "$WORK/sensor.log" || fail "sensor did not start waiting"
kill -KILL "$HOLDER_PID"
for _ in $(seq 50); do kill -0 "$SENSOR_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SENSOR_PID" 2>/dev/null && fail "sensor still waiting for the agent 5 s after its stdin closed"
rc=0; wait "$SENSOR_PID" || rc=$?
[ "$rc" = 0 ] || fail "sensor exited $rc while waiting"
echo "ok: stopped while waiting for the agent"

# 4. The option with no stdin at all: a clear error, exit 2.
rc=0
"$SENSOR_DIR/vigil-sensor" --socket "$WORK/agent.sock" --stop-on-stdin-eof <&- 2>"$WORK/closed.log" || rc=$?
[ "$rc" = 2 ] && grep -q 'stdin is not open' "$WORK/closed.log" || fail "no stdin: exit $rc, $(cat "$WORK/closed.log")"
echo "ok: --stop-on-stdin-eof without a stdin: exit 2"

# 5. Without the option stdin is not looked at: at EOF (/dev/null) it runs on; SIGTERM stops it.
start_listener "$WORK/standalone.jsonl"
SENSOR_ARGS=()
SENSOR_STDIN=/dev/null
start_sensor reduced
sleep 1
kill -0 "$SENSOR_PID" 2>/dev/null || fail "standalone sensor stopped at stdin EOF"
unshare -m true
expect "$WORK/standalone.jsonl" evt.type=unshare container.id=host
stop_sensor
echo "ok: without the option, stdin at EOF is ignored"
echo "PASS: stdin-stop.sh"
