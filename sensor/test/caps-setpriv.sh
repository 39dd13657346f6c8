#!/bin/bash
# Integration test (b2): which capabilities the sensor needs, started the way the agent starts it
# (setpriv: bounding set, no inheritable or ambient capabilities; uid 0).
#
# 1. With exactly CAP_BPF + CAP_PERFMON it loads and attaches its programs, connects to a socket in
#    a root-owned 0700 directory (the layout `vigil run` makes as root), and reports the execve of
#    a process of another user, run from a directory only that user may read, with its proc.exepath
#    and its full proc.cmdline: the arguments are read by the BPF program, not from /proc, so no
#    CAP_DAC_READ_SEARCH is needed for them.
# 2. The socket the agent creates when it runs as another uid (65532, the DaemonSet's agent):
#    directory 0750 and socket 0660, both 65532:65532. The sensor (uid 0, BPF + PERFMON) connects
#    through the group (65532 among its groups, as the DaemonSet's fsGroup gives it); without the
#    group, adding CAP_DAC_READ_SEARCH does not let it connect (it grants reading and searching,
#    not the write permission a connect needs).
set -eu
. "$(dirname "$0")/lib.sh"
require_bpf
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY (the listener runs as another uid)"
OTHER_UID=65534
AGENT_UID=65532

# setpriv_sensor LOG CAPS [setpriv options…] -- SOCKET: the sensor with bounding set CAPS.
setpriv_sensor() {
	local log=$1 caps=$2
	shift 2
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	setpriv "${opts[@]}" --bounding-set="-all,+${caps//,/,+}" --inh-caps=-all --ambient-caps=-all -- \
		"$SENSOR_DIR/vigil-sensor" --socket "$1" 2>"$log" &
	SENSOR_PID=$!
	CLEANUP_PIDS+=("$SENSOR_PID")
}

wait_running() { # LOG
	for _ in $(seq 100); do
		grep -q '^vigil-sensor: running' "$1" 2>/dev/null && return 0
		kill -0 "$SENSOR_PID" 2>/dev/null || { sed 's/^/  sensor: /' "$1"; fail "sensor exited"; }
		sleep 0.1
	done
	sed 's/^/  sensor: /' "$1"
	fail "sensor did not attach its programs"
}

# ---- 1. BPF + PERFMON: load, attach, and another user's execve with its command line ----
OUT="$WORK/events.jsonl"
start_listener "$OUT"
chmod 0700 "$WORK"
chmod 0660 "$WORK/agent.sock"
setpriv_sensor "$WORK/sensor.log" bpf,perfmon -- "$WORK/agent.sock"
wait_running "$WORK/sensor.log"
for field in CapEff CapPrm; do
	grep -q "^$field:[[:space:]]*$SENSOR_CAPS_MASK$" "/proc/$SENSOR_PID/status" ||
		fail "sensor runs with $(grep "^$field" "/proc/$SENSOR_PID/status"), want $SENSOR_CAPS_MASK"
done
echo "ok: sensor started through setpriv runs with CapEff = CapPrm = $SENSOR_CAPS_MASK (bpf, perfmon)"

PRIV=$(mktemp -d /tmp/vigil-caps-other.XXXXXX)
CLEANUP_DIRS_PRIV=$PRIV
trap 'rm -rf "$CLEANUP_DIRS_PRIV"; cleanup' EXIT
cp /bin/true "$PRIV/vprog"
chown -R "$OTHER_UID:$OTHER_UID" "$PRIV"
chmod 0700 "$PRIV"
TAG=vigil-caps-$$-$RANDOM
setpriv --reuid="$OTHER_UID" --regid="$OTHER_UID" --clear-groups "$PRIV/vprog" "$TAG" 'two words'
expect "$OUT" evt.type=execve user.uid="$OTHER_UID" proc.name=vprog proc.exepath="$PRIV/vprog" \
	proc.cmdline="vprog $TAG two words"
echo "ok: without CAP_DAC_READ_SEARCH, uid $OTHER_UID's execve from its 0700 directory is reported with proc.exepath and proc.cmdline"
stop_sensor

# ---- 2. The agent's socket as uid 65532: through the group, and not through DAC_READ_SEARCH ----
SOCKDIR="$WORK/agent-run"
mkdir "$SOCKDIR"
chown "$AGENT_UID:$AGENT_UID" "$SOCKDIR"
chmod 0750 "$SOCKDIR"
OUT2="$WORK/events2.jsonl"
touch "$OUT2"
chown "$AGENT_UID" "$OUT2"
chmod 0755 "$WORK"
setpriv --reuid="$AGENT_UID" --regid="$AGENT_UID" --clear-groups "$PY" "$TEST_DIR/listen.py" "$SOCKDIR/vigil.sock" "$OUT2" &
CLEANUP_PIDS+=("$!")
for _ in $(seq 50); do [ -S "$SOCKDIR/vigil.sock" ] && break; sleep 0.1; done
[ -S "$SOCKDIR/vigil.sock" ] || fail "listener as uid $AGENT_UID did not start"
chmod 0660 "$SOCKDIR/vigil.sock"

setpriv_sensor "$WORK/sensor-dac.log" bpf,perfmon,dac_read_search --clear-groups -- "$SOCKDIR/vigil.sock"
sleep 3
if grep -q '^vigil-sensor: connected' "$WORK/sensor-dac.log"; then
	fail "the sensor connected to uid $AGENT_UID's 0660 socket with CAP_DAC_READ_SEARCH and no group"
fi
# The same connect from a plain client, to see the reason: EACCES with DAC_READ_SEARCH, and the
# control: DAC_OVERRIDE (write permission) would connect.
connect_with() { # CAPS
	setpriv --clear-groups --bounding-set="-all,+$1" --inh-caps=-all --ambient-caps=-all -- "$PY" -c \
		'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$SOCKDIR/vigil.sock"
}
if connect_with dac_read_search 2>"$WORK/connect.err"; then
	fail "a client with CAP_DAC_READ_SEARCH connected without the group"
fi
grep -q PermissionError "$WORK/connect.err" || { cat "$WORK/connect.err"; fail "not refused for permission"; }
connect_with dac_override || fail "control: CAP_DAC_OVERRIDE did not connect either"
echo "ok: CAP_DAC_READ_SEARCH without the group does not connect to the agent's 0660 socket (EACCES; DAC_OVERRIDE would)"
kill "$SENSOR_PID" 2>/dev/null || true
wait "$SENSOR_PID" 2>/dev/null || true

setpriv_sensor "$WORK/sensor-group.log" bpf,perfmon --groups="$AGENT_UID" -- "$SOCKDIR/vigil.sock"
wait_running "$WORK/sensor-group.log"
grep -q '^vigil-sensor: connected' "$WORK/sensor-group.log" || fail "no connection through the group"
unshare -m true
expect "$OUT2" evt.type=unshare proc.name=unshare evt.res=0 container.id=host
echo "ok: with BPF + PERFMON and group $AGENT_UID the sensor connects and its events arrive"
kill -TERM "$SENSOR_PID"
rc=0
wait "$SENSOR_PID" || rc=$?
[ "$rc" = 0 ] || fail "sensor exited $rc on SIGTERM"
echo "PASS: $(basename "$0")"
