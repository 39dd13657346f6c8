# Sourced by the deploy/test/*.sh checks.
# A missing tool is a SKIP (exit 0), unless VIGIL_REQUIRE_INTEGRATION=1 (CI), where it fails.
set -euo pipefail

TEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEPLOY_DIR="$(dirname "$TEST_DIR")"

skip() {
  if [[ "${VIGIL_REQUIRE_INTEGRATION:-0}" == 1 ]]; then
    echo "FAIL: $1 (VIGIL_REQUIRE_INTEGRATION=1 makes a missing tool a failure)" >&2
    exit 1
  fi
  echo "SKIP: $1"
  exit 0
}

# need TOOL HINT: skip unless TOOL is on PATH.
need() {
  command -v "$1" >/dev/null 2>&1 || skip "$1 not installed ($2)"
}

need_python_yaml() {
  need python3 "apt-get install python3"
  python3 -c 'import yaml' 2>/dev/null || skip "python3 has no PyYAML (apt-get install python3-yaml)"
}
