#!/bin/bash
# Integration test: real OCI containers (runc, Docker's cgroupfs layout and
# default capabilities) and the lines the sensor reports for each scenario of
# DESIGN.md, with the container's id:
#   1. CAP_SYS_ADMIN added, `unshare -m`      -> unshare, flags 131072
#   2. a packet socket (Docker's NET_RAW)      -> socket, domain 17
#   3. a fork bomb under pids.max=40           -> clone with -11 (EAGAIN), pids_limit 40
#   4. a privileged container                  -> execve with every capability
# and, for the container id rule (docs/cgroup-layouts.tsv) on the real kernel,
# a packet socket in containers laid out as other runtimes lay them out:
#   5. containerd native /k8s.io/<name> (ctr run) -> container.id = the name
#   6. nested below it, /k8s.io/<name>/child      -> the same name
#   7. a name longer than 12, /default/<name>      -> its first 12 chars
#   8. CRI cgroupfs, 5 levels below the container (9 deep: the sensor leaves
#      the pod's level out)                        -> the 64-hex id's first 12
#   9. the same 7 levels below (11 deep: the container's own level is left
#      out)                                        -> no container.id (unknown:
#      the agent reads /proc), and never "host"
set -eu
. "$(dirname "$0")/lib.sh"
require_bpf
require_oci_containers
OUT="$WORK/events.jsonl"
start_listener "$OUT"
start_sensor

id1=$(random_id) id2=$(random_id) id3=$(random_id) id4=$(random_id)
DOCKER_DEFAULT=0x00000000a80425fb

"$OCI" --id "$id1" --cap CAP_SYS_ADMIN -- unshare -m true
expect "$OUT" evt.type=unshare container.id="${id1:0:12}" evt.res=0 evt.arg.flags=131072 \
	thread.cap_effective=0x00000000a82425fb

"$OCI" --id "$id2" -- afpacket
expect "$OUT" evt.type=socket container.id="${id2:0:12}" evt.arg.domain=17 evt.arg.type=3 \
	evt.arg.proto=768 evt.res=3 proc.name=afpacket thread.cap_effective=$DOCKER_DEFAULT

# The bomb runs until init (the shell, replaced by sleep) exits: then the
# kernel kills the rest of the pid namespace.
"$OCI" --id "$id3" --pids-limit 40 -- sh -c 'f() { f | f & }; f; exec sleep 3' 2>/dev/null || true
expect "$OUT" evt.type=clone evt.res=-11 container.id="${id3:0:12}" container.pids_limit=40 \
	thread.cap_effective=$DOCKER_DEFAULT
echo "info: $(grep -c "\"evt.res\":-11,.*\"container.id\":\"${id3:0:12}\"" "$OUT") failed clones in the fork bomb"

ALL_CAPS=0x$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status) # what --privileged grants
"$OCI" --id "$id4" --privileged -- true
expect "$OUT" evt.type=execve container.id="${id4:0:12}" proc.exepath=/bin/true \
	thread.cap_effective="$ALL_CAPS"

# Names unique to this run: other tests may run runc containers at the same time.
name5=vigil-t1-$$ name6=vigil-t2-$$ name7=vigil-a-very-long-name-$$ id8=$(random_id)
pod=pod6a4f2e1c-5b7d-4e8a-9c0b-$(printf %012d $$)
"$OCI" --id "$name5" --cgroup "/k8s.io/$name5" -- afpacket
expect "$OUT" evt.type=socket container.id="${name5:0:12}" evt.arg.domain=17 proc.name=afpacket \
	container.pids_limit=-1
"$OCI" --id "$name6" --cgroup "/k8s.io/$name6/child" -- afpacket
expect "$OUT" evt.type=socket container.id="${name6:0:12}" evt.arg.domain=17 proc.name=afpacket
"$OCI" --id "$name7" --cgroup "/default/$name7" -- afpacket
expect "$OUT" evt.type=socket container.id=vigil-a-very evt.arg.domain=17 proc.name=afpacket
"$OCI" --id "$id8" --cgroup "/kubepods/burstable/$pod/$id8/a/b/c/d/e" -- afpacket
expect "$OUT" evt.type=socket container.id="${id8:0:12}" evt.arg.domain=17 proc.name=afpacket
"$OCI" --id "$id8" --cgroup "/kubepods/burstable/$pod/$id8/a/b/c/d/e/f/g" -- sh -c 'exec afpacket 2>/dev/null'
expect "$OUT" evt.type=execve proc.cmdline="sh -c exec afpacket 2>/dev/null"
expect --absent --timeout 1 "$OUT" evt.type=execve proc.cmdline="sh -c exec afpacket 2>/dev/null" container.id=host
expect --absent --timeout 1 "$OUT" evt.type=execve proc.cmdline="sh -c exec afpacket 2>/dev/null" \
	container.id="${id8:0:12}"

# Nothing of the containers is left behind.
for id in "$id1" "$id2" "$id3" "$id4" "$id8"; do
	[ ! -d "$PIDS_ROOT/docker/$id" ] || fail "cgroup of $id left behind"
	runc state "$id" >/dev/null 2>&1 && fail "container $id left behind"
done
for name in "$name5" "$name6" "$name7"; do
	runc state "$name" >/dev/null 2>&1 && fail "container $name left behind"
done
[ ! -d "$PIDS_ROOT/k8s.io/$name6" ] || fail "cgroup /k8s.io/$name6 left behind"
[ ! -d "$PIDS_ROOT/kubepods/burstable/$pod" ] || fail "cgroup of pod $pod left behind"
stop_sensor
echo "PASS: $(basename "$0")"
