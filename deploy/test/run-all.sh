#!/usr/bin/env bash
# Runs every deploy check; prints one closing line "deploy: N passed, N failed, N skipped".
# VIGIL_REQUIRE_INTEGRATION=1 turns a missing tool into a failure (for CI).
set -uo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
passed=0 failed=0 skipped=0
for check in check-prometheus-rules check-manifests check-structure check-dockerfile check-dashboard prometheus-scrape-it; do
  out="$(bash "$dir/$check.sh" 2>&1)"
  rc=$?
  if [[ $rc != 0 ]]; then
    failed=$((failed + 1)); echo "--- $check: FAILED (exit $rc)"; echo "$out"
  elif grep -q '^SKIP:' <<<"$out"; then
    skipped=$((skipped + 1)); echo "--- $check: $(grep '^SKIP:' <<<"$out" | head -1)"
  else
    passed=$((passed + 1)); echo "--- $check: ok"
  fi
done
echo "deploy: $passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
