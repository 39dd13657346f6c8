"""The alert rules agree with themselves: the PrometheusRule's spec.groups equal the plain rule
file, they use only the contract's metric names, and the promtool tests fire every alert at least once and check each alert in a case where
it does not fire. Usage: rules_consistency.py DEPLOY_DIR OUT_RULE_FILE (OUT: the PrometheusRule's
groups as a plain rule file, for promtool)."""
import os
import sys

import yaml

import metrics_contract as contract


def main(deploy, out):
    with open(os.path.join(deploy, "prometheus", "vigil-alerts.yaml")) as f:
        plain = yaml.safe_load(f)
    with open(os.path.join(deploy, "prometheusrule.yaml")) as f:
        operator = yaml.safe_load(f)
    with open(os.path.join(deploy, "prometheus", "vigil-alerts.test.yaml")) as f:
        tests = yaml.safe_load(f)

    errors = []
    if operator.get("kind") != "PrometheusRule":
        errors.append("prometheusrule.yaml: kind is not PrometheusRule")
    if operator["spec"]["groups"] != plain["groups"]:
        errors.append("prometheusrule.yaml spec.groups differ from prometheus/vigil-alerts.yaml groups:")
        a = {r.get("alert"): r for g in plain["groups"] for r in g["rules"]}
        b = {r.get("alert"): r for g in operator["spec"]["groups"] for r in g["rules"]}
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                errors.append(f"  {name}: plain={a.get(name)!r}\n  {' ' * len(name)}  operator={b.get(name)!r}")
        if [g["name"] for g in plain["groups"]] != [g["name"] for g in operator["spec"]["groups"]]:
            errors.append("  group names or order differ")

    known = contract.VIGIL | contract.PROMETHEUS | contract.KUBE_STATE
    for g in plain["groups"]:
        for r in g["rules"]:
            for n in sorted(contract.metric_names(r["expr"]) - known):
                errors.append(f"{r.get('alert')}: metric {n} is not in the contract (metrics_contract.py)")

    alerts = {r["alert"] for g in plain["groups"] for r in g["rules"] if "alert" in r}
    fired, quiet = set(), set()
    for case in tests["tests"]:
        for t in case.get("alert_rule_test", []):
            (fired if t.get("exp_alerts") else quiet).add(t["alertname"])
    for name in sorted(alerts - fired):
        errors.append(f"vigil-alerts.test.yaml: no test makes {name} fire")
    for name in sorted(alerts - quiet):
        errors.append(f"vigil-alerts.test.yaml: no test checks that {name} stays quiet")
    for name in sorted((fired | quiet) - alerts):
        errors.append(f"vigil-alerts.test.yaml: tests an alert that does not exist: {name}")

    with open(out, "w") as f:
        yaml.safe_dump({"groups": operator["spec"]["groups"]}, f, sort_keys=False)

    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    if errors:
        return 1
    print(f"rules consistent: {len(alerts)} alerts, identical in both files, each fired and each quiet in a test")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
