"""The Grafana dashboard: valid JSON, unique panel ids, panels that do not overlap, every query on
the datasource variable, only metric names of the contract (metrics_contract.py), and every Vigil
metric shown somewhere. Usage: check_dashboard.py DASHBOARD.json. Exit 1 on any problem."""
import json
import sys

import metrics_contract as contract


def check(path):
    errors = []
    err = errors.append
    try:
        with open(path) as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        return [f"{path}: {e}"]
    for key in ("title", "uid", "panels", "schemaVersion"):
        if key not in dash:
            err(f"dashboard: no {key}")
    variables = {v["name"] for v in (dash.get("templating") or {}).get("list", [])}
    if "datasource" not in variables:
        err("dashboard: no datasource variable (the data source must be chosen on import)")
    ids, cells, used = set(), {}, set()
    for p in dash.get("panels", []):
        where = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("id") in ids:
            err(f"{where}: duplicate id")
        ids.add(p.get("id"))
        g = p.get("gridPos") or {}
        if not all(k in g for k in ("x", "y", "w", "h")) or g["x"] + g["w"] > 24:
            err(f"{where}: bad gridPos {g}")
            continue
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    err(f"{where}: overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p.get("id")
            else:
                continue
            break
        if p.get("type") == "row":
            continue
        if not p.get("targets"):
            err(f"{where}: no query")
        for t in p.get("targets", []):
            if (t.get("datasource") or p.get("datasource") or {}).get("uid") != "${datasource}":
                err(f"{where}: query {t.get('refId')} not on the ${{datasource}} variable")
            names = contract.metric_names(t.get("expr", ""))
            if not names:
                err(f"{where}: query {t.get('refId')} names no known metric: {t.get('expr')!r}")
            for n in sorted(names - contract.VIGIL - contract.JVM - contract.PROMETHEUS):
                err(f"{where}: metric {n} is not in the contract")
            used |= names
    for n in sorted((contract.VIGIL | contract.JVM) - used):
        err(f"dashboard: no panel shows {n}")
    return errors


def main(path):
    errors = check(path)
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    if errors:
        return 1
    print("dashboard: panels well-formed, every contract metric shown, no unknown metric")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
