#!/bin/bash
# Runs one real OCI container with Debian's runc, laid out as Docker lays out
# its containers with the cgroupfs driver (or in the cgroup you name), and
# removes it afterwards.
#
# usage: oci-container.sh [--id ID] [--cgroup PATH] [--cap CAP_NAME]...
#                         [--privileged] [--pids-limit N] [--tmpfs DIR] -- COMMAND [ARG]...
#   --id          the container id (default: random 64 hex); any runc id
#                 ([A-Za-z0-9._-]); for a 64-hex id in the default cgroup, its
#                 first 12 chars are what the sensor reports as container.id
#   --cgroup      the container's cgroupsPath (default /docker/ID), e.g.
#                 /k8s.io/NAME as containerd lays out a `ctr run` container
#   --cap         add a capability to Docker's default set (e.g. CAP_SYS_ADMIN)
#   --privileged  every capability in our bounding set, no masked /proc paths
#                 (docker --privileged)
#   --pids-limit  pids.max of the container (linux.resources.pids.limit)
#   --tmpfs       a writable tmpfs at DIR (the rootfs is read-only), e.g. /tmp
# The rootfs is busybox-static plus /bin/afpacket (opens an AF_PACKET socket)
# and /bin/storm (sensor/bench/storm.c). Prints "oci-container: id=... cid=..."
# on stderr, runs COMMAND in the foreground and exits with its status. Stops
# and deletes the container (runc delete -f) on exit, SIGINT or SIGTERM, and
# the cgroup directories above it that it made.
set -eu
SENSOR_DIR=$(cd "$(dirname "$0")/.." && pwd)

# Docker's default capability set: 0x00000000a80425fb.
DOCKER_CAPS="CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW CAP_SETGID
CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE"

id="" cgroup="" caps=$DOCKER_CAPS privileged=0 pids_limit="" tmpfs=""
while [ $# -gt 0 ]; do
	case $1 in
	--id) id=$2; shift 2 ;;
	--cgroup) cgroup=$2; shift 2 ;;
	--cap) caps="$caps $2"; shift 2 ;;
	--privileged) privileged=1; shift ;;
	--pids-limit) pids_limit=$2; shift 2 ;;
	--tmpfs) tmpfs=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "oci-container: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { sed -n '6,17p' "$0" >&2; exit 2; }
[ -z "$tmpfs" ] || [[ $tmpfs =~ ^(/[A-Za-z0-9._-]+)+$ ]] || { echo "oci-container: --tmpfs: an absolute path" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "oci-container: needs root" >&2; exit 1; }
command -v runc >/dev/null || { echo "oci-container: apt-get install runc" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "oci-container: apt-get install busybox-static" >&2; exit 1; }
[ -n "$id" ] || id=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
[[ $id =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || { echo "oci-container: --id: [A-Za-z0-9._-] only" >&2; exit 2; }
[ -n "$cgroup" ] || cgroup=/docker/$id
[[ $cgroup =~ ^(/[A-Za-z0-9][A-Za-z0-9._:@-]*)+$ ]] || { echo "oci-container: --cgroup: an absolute path" >&2; exit 2; }
make -s -C "$SENSOR_DIR" rootfs >&2

bundle=$(mktemp -d /tmp/vigil-oci.XXXXXX)
# Which cgroup directories above the container's runc is about to create, in
# every hierarchy, to remove them afterwards if empty (and only those: a real
# Docker's or containerd's stay). Deepest first.
made_parents=()
parent=$(dirname "$cgroup")
while [ "$parent" != / ]; do
	for ctrl in /sys/fs/cgroup/*/; do
		[ -d "$ctrl${parent#/}" ] || made_parents+=("$ctrl${parent#/}")
	done
	parent=$(dirname "$parent")
done

cleanup() {
	trap - EXIT INT TERM
	runc delete -f "$id" >/dev/null 2>&1 || true
	for d in "${made_parents[@]}"; do rmdir "$d" 2>/dev/null || true; done
	rm -rf "$bundle"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

(cd "$bundle" && runc spec)
python3 - "$bundle/config.json" "$SENSOR_DIR/build/rootfs" "$id" "$privileged" "$pids_limit" "$caps" "$cgroup" "$tmpfs" "$@" <<'PY'
import json, sys
path, rootfs, cid, privileged, pids_limit, caps, cgroup, tmpfs = sys.argv[1:9]
args = sys.argv[9:]
c = json.load(open(path))
if privileged == "1":
    # Every capability, as docker --privileged: all that this kernel knows and
    # that we may grant (our bounding set; root on this machine lacks
    # CAP_SYS_RESOURCE, and asking for it makes runc fail with EPERM).
    bnd = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("CapBnd:")), 16)
    names = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
             "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
             "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
             "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
             "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
             "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
             "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
             "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
             "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]
    capset = [n for i, n in enumerate(names) if bnd >> i & 1]
    c["linux"]["maskedPaths"] = []
    c["linux"]["readonlyPaths"] = []
else:
    capset = sorted(set(caps.split()))
# Docker sets bounding, effective and permitted; inheritable and ambient stay empty.
c["process"]["capabilities"] = {k: capset for k in ("bounding", "effective", "permitted")}
c["process"]["args"] = args
c["process"]["terminal"] = False
c["process"]["noNewPrivileges"] = False
c["process"]["env"] = ["PATH=/bin", "HOME=/"]
c["root"] = {"path": rootfs, "readonly": True}  # shared by concurrent containers
c["hostname"] = cid[:12]
c["linux"]["cgroupsPath"] = cgroup
if pids_limit:
    c["linux"].setdefault("resources", {})["pids"] = {"limit": int(pids_limit)}
if tmpfs:
    c["mounts"].append({"destination": tmpfs, "type": "tmpfs", "source": "tmpfs",
                        "options": ["nosuid", "nodev", "mode=1777"]})
json.dump(c, open(path, "w"), indent=1)
PY

echo "oci-container: id=$id cid=${id:0:12} cgroup=$cgroup" >&2
# In the background so that a SIGTERM to this script runs the trap at once.
rc=0
runc run --bundle "$bundle" "$id" </dev/null &
wait $! || rc=$?
exit $rc
