#!/usr/bin/env bash
# Fails if the agent container gains a capability, root, privilege escalation, a writable root
# file system, loses seccomp RuntimeDefault, its limits or its probes, or if the sensor becomes
# privileged or gains capabilities beyond its list, if any container mounts /run, /var/run or
# another broad host directory, or if the agent loses (or gets writable) its runtime socket
# directories or the socket's supplementary group; then proves each rule on mutated copies.
# Needs python3 with PyYAML (apt-get install python3-yaml).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_python_yaml
python3 "$TEST_DIR/check_manifests.py" "$DEPLOY_DIR"
echo "check-manifests: OK"
