#!/usr/bin/env bash
# Checks deploy/grafana/vigil-dashboard.json: valid, well-formed panels, contract metric names only,
# every Vigil metric on a panel; then that a misspelt metric and a dropped panel are caught.
# Needs python3 (PyYAML is not needed here).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need python3 "apt-get install python3"
dash="$DEPLOY_DIR/grafana/vigil-dashboard.json"
python3 "$TEST_DIR/check_dashboard.py" "$dash"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sed 's/vigil_output_spooled{/vigil_output_spool{/' "$dash" >"$tmp/misspelt.json"
if python3 "$TEST_DIR/check_dashboard.py" "$tmp/misspelt.json" 2>/dev/null; then
  echo "FAIL: a misspelt metric name was not caught" >&2; exit 1
fi
python3 - "$dash" "$tmp/no-ring.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["panels"] = [p for p in d["panels"] if "vigil_ring_remaining" not in json.dumps(p)]
json.dump(d, open(sys.argv[2], "w"))
PY
if python3 "$TEST_DIR/check_dashboard.py" "$tmp/no-ring.json" 2>/dev/null; then
  echo "FAIL: a metric without a panel was not caught" >&2; exit 1
fi
echo "check-dashboard: OK"
