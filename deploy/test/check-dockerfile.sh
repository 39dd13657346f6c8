#!/usr/bin/env bash
# Static checks of the Dockerfile and .dockerignore (this machine has no Docker engine to build
# them): targets, non-root agent, entrypoints, COPY sources, JVM memory under the pod's limit.
# Needs python3 with PyYAML (apt-get install python3-yaml).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_python_yaml
python3 "$TEST_DIR/check_dockerfile.py" "$(dirname "$DEPLOY_DIR")"
echo "check-dockerfile: OK"
