# Shared by the sensor's integration tests (sourced, POSIX sh + bash arrays).
# Each test: set -eu; . lib.sh; require_bpf; ...; cleanup runs on exit.
SENSOR_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEST_DIR="$SENSOR_DIR/test"
PIDS_ROOT=/sys/fs/cgroup/pids
# The capability set the README promises is enough (see README: least privilege).
SENSOR_CAPS="cap_bpf,cap_perfmon"
SENSOR_CAPS_MASK=000000c000000000

WORK=$(mktemp -d /tmp/vigil-sensor-test.XXXXXX)
CLEANUP_PIDS=()
CLEANUP_CGROUPS=()

skip() {
	echo "SKIP: $(basename "$0"): $*"
	[ "${VIGIL_REQUIRE_INTEGRATION:-0}" = 1 ] && { echo "FAIL: skipped but VIGIL_REQUIRE_INTEGRATION=1"; exit 1; }
	exit 0
}

fail() {
	echo "FAIL: $(basename "$0"): $*"
	[ -f "$WORK/sensor.log" ] && sed 's/^/  sensor: /' "$WORK/sensor.log"
	exit 1
}

require_bpf() {
	[ "$(id -u)" = 0 ] || skip "not root"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"
	[ -d "$PIDS_ROOT" ] || skip "no cgroup v1 pids hierarchy at $PIDS_ROOT"
	make -s -C "$SENSOR_DIR" >/dev/null || fail "build failed"
}

# What the tests with real OCI containers need (after require_bpf); sets OCI, the
# script that runs one.
require_oci_containers() {
	command -v runc >/dev/null || skip "runc not installed (apt-get install runc)"
	[ -x /bin/busybox ] || skip "busybox-static not installed"
	OCI="$TEST_DIR/oci-container.sh"
}

cleanup() {
	local pid cg
	for pid in "${CLEANUP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${CLEANUP_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	# Reverse order: children before parents.
	for ((i = ${#CLEANUP_CGROUPS[@]} - 1; i >= 0; i--)); do
		cg=${CLEANUP_CGROUPS[i]}
		[ -d "$cg" ] || continue
		for pid in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done
	done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# start_listener OUTFILE [BYTES_PER_S]: the stand-in agent on $WORK/agent.sock
# (reading no faster than BYTES_PER_S when given).
start_listener() {
	rm -f "$WORK/agent.sock" # so that the wait below is for this listener's socket
	python3 "$TEST_DIR/listen.py" "$WORK/agent.sock" "$@" &
	LISTENER_PID=$!
	CLEANUP_PIDS+=("$LISTENER_PID")
	for _ in $(seq 50); do [ -S "$WORK/agent.sock" ] && return 0; sleep 0.1; done
	fail "listener did not start"
}

# start_sensor [reduced]: the sensor, with all of root's capabilities or, with
# "reduced", with only $SENSOR_CAPS in its bounding set (capsh --drop); more
# options in the array SENSOR_ARGS, its stdin from $SENSOR_STDIN (default
# /dev/null, as for any background job); another build of the sensor in $SENSOR_BIN
# (bench/fairness.sh runs main's beside this one).
SENSOR_ARGS=()
SENSOR_STDIN=/dev/null
start_sensor() {
	local cmd=("${SENSOR_BIN:-$SENSOR_DIR/vigil-sensor}" --socket "$WORK/agent.sock" "${SENSOR_ARGS[@]}")
	if [ "${1:-}" = reduced ]; then
		local drop
		drop=$(capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n' |
			grep -vxF -e "${SENSOR_CAPS//,/$'\n'}" | paste -sd, -)
		cmd=(capsh "--drop=$drop" -- -c 'exec "$0" "$@"' "${cmd[@]}")
	fi
	# Emptied here, not by the child's redirection: the wait below must not read the last sensor's log
	# (its "running" line; reconnect.sh's second sensor was taken for started before it truncated it).
	: >"$WORK/sensor.log"
	"${cmd[@]}" 2>>"$WORK/sensor.log" <"$SENSOR_STDIN" &
	SENSOR_PID=$!
	CLEANUP_PIDS+=("$SENSOR_PID")
	# It connects first and attaches its programs after: events before the last attach are not
	# captured, so wait for the line it prints once everything is attached, not for "connected".
	for _ in $(seq 100); do
		grep -q '^vigil-sensor: running' "$WORK/sensor.log" 2>/dev/null && return 0
		kill -0 "$SENSOR_PID" 2>/dev/null || fail "sensor exited"
		sleep 0.1
	done
	fail "sensor did not connect and attach its programs"
}

# stop_sensor: SIGTERM must flush and exit 0.
stop_sensor() {
	kill -TERM "$SENSOR_PID"
	local rc=0
	wait "$SENSOR_PID" || rc=$?
	[ "$rc" = 0 ] || fail "sensor exited $rc on SIGTERM"
	grep -q '^vigil-sensor: stopping' "$WORK/sensor.log" || fail "no stop summary"
}

# expect OUTFILE KEY=VALUE...: wait for a matching line (and all lines valid).
expect() {
	python3 "$TEST_DIR/expect.py" "$@" || fail "expectation not met"
}

random_id() {
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

# make_docker_cgroup ID: /sys/fs/cgroup/pids/docker/ID, as Docker's cgroupfs
# driver lays it out. Removed on exit (and docker/ too if this made it).
make_docker_cgroup() {
	if [ ! -d "$PIDS_ROOT/docker" ]; then
		mkdir "$PIDS_ROOT/docker"
		CLEANUP_CGROUPS+=("$PIDS_ROOT/docker")
	fi
	mkdir "$PIDS_ROOT/docker/$1"
	CLEANUP_CGROUPS+=("$PIDS_ROOT/docker/$1")
}
