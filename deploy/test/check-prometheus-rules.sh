#!/usr/bin/env bash
# promtool check rules + promtool test rules on the alert rules, and the PrometheusRule's
# spec.groups equal to the plain rule file. Needs promtool (Debian: apt-get install prometheus)
# and python3 with PyYAML (apt-get install python3-yaml).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need promtool "apt-get install prometheus"
need_python_yaml

rules="$DEPLOY_DIR/prometheus/vigil-alerts.yaml"
promtool check rules "$rules"
# test rules resolves rule_files relative to the test file.
promtool test rules "$DEPLOY_DIR/prometheus/vigil-alerts.test.yaml"

# The PrometheusRule itself, not only its twin: extract spec and check it too.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$TEST_DIR/rules_consistency.py" "$DEPLOY_DIR" "$tmp/from-prometheusrule.yaml"
promtool check rules "$tmp/from-prometheusrule.yaml"
echo "check-prometheus-rules: OK"
