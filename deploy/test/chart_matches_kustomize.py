"""The Helm chart and the kustomize manifests do not drift: the chart's render (default values,
release `vigil` in namespace `vigil`) holds the same objects as deploy/kustomization.yaml applies,
field for field, except:
  - labels: the chart may add labels (Helm's app.kubernetes.io/instance, helm.sh/chart, ...), but
    keeps every label and selector of deploy/ with its value;
  - the pod template's checksum/* annotations (the chart rolls the pods when the config changes);
  - ConfigMap data that is YAML (config.yaml, rule files) is compared parsed: comments may differ;
  - the Namespace: compared only when the render has one (namespace.create=true); with
    `helm install --create-namespace` Helm creates it.
kustomize's own changes (namespace, image tags from kustomization.yaml's images:) are applied to
deploy/'s files first; where kubectl is installed, `kubectl kustomize` must give the same objects.

Usage: chart_matches_kustomize.py RENDERED_FILE DEPLOY_DIR. Prints each difference; exit 1 if any.
"""
import os
import shutil
import subprocess
import sys

import yaml

import manifests

LABEL_MAPS = {"labels", "matchLabels"}


def kustomized(deploy_dir):
    with open(os.path.join(deploy_dir, "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    images = {i["name"]: i for i in k.get("images") or []}
    docs = []
    for _, d in manifests.load(deploy_dir):
        if k.get("namespace") and d.get("kind") != "Namespace":
            d["metadata"]["namespace"] = k["namespace"]
        if d.get("kind") == "DaemonSet":
            pod = d["spec"]["template"]["spec"]
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                name, _, tag = c["image"].partition(":")
                i = images.get(name)
                if i:
                    c["image"] = f"{i.get('newName', name)}:{i.get('newTag', tag)}"
        docs.append(d)
    return docs


def compare(want, got, path, errors):
    """want: deploy/'s value, got: the chart's, at path (a list of keys)."""
    key = path[-1] if path else None
    if isinstance(want, dict) and isinstance(got, dict):
        subset = key in LABEL_MAPS or path[-2:] == ["spec", "selector"] and "matchLabels" not in want
        for k in want:
            if k not in got:
                errors.append(f"{'.'.join(path + [str(k)])}: missing in the chart (deploy/ has {want[k]!r})")
            else:
                compare(want[k], got[k], path + [str(k)], errors)
        for k in got:
            if k in want:
                continue
            if subset or (key == "annotations" and str(k).startswith("checksum/")):
                continue
            errors.append(f"{'.'.join(path + [str(k)])}: only in the chart ({got[k]!r})")
        return
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            errors.append(f"{'.'.join(path)}: {len(want)} items in deploy/, {len(got)} in the chart")
        for i, (a, b) in enumerate(zip(want, got)):
            compare(a, b, path + [str(i)], errors)
        return
    if len(path) >= 2 and path[-2] == "data" and str(key).endswith((".yaml", ".yml")) \
            and isinstance(want, str) and isinstance(got, str):
        compare(yaml.safe_load(want), yaml.safe_load(got), path + ["(parsed)"], errors)
        return
    if want != got:
        errors.append(f"{'.'.join(path)}: deploy/ has {want!r}, the chart {got!r}")


def by_id(docs):
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def main(rendered, deploy_dir):
    chart = by_id(d for _, d in manifests.load_rendered(rendered))
    errors = []
    deploy = kustomized(deploy_dir)
    if shutil.which("kubectl"):
        out = subprocess.run(["kubectl", "kustomize", deploy_dir], check=True, capture_output=True, text=True).stdout
        if by_id(d for d in yaml.safe_load_all(out) if d) != by_id(deploy):
            errors.append("kubectl kustomize renders other objects than deploy/'s files with its namespace and images")
    else:
        print("note: kubectl not installed, deploy/ read as kustomize would render it (namespace, images)")
    for want in deploy:
        ident = (want["kind"], want["metadata"]["name"])
        got = chart.pop(ident, None)
        if got is None:
            if want["kind"] != "Namespace":
                errors.append(f"{ident[0]} {ident[1]}: in deploy/, not in the chart's render")
            continue
        compare(want, got, [f"{ident[0]} {ident[1]}"], errors)
    for kind, name in sorted(chart):
        errors.append(f"{kind} {name}: in the chart's render, not in deploy/")
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    if errors:
        print(f"chart and deploy/ differ ({len(errors)} differences)", file=sys.stderr)
        return 1
    print("the chart's render and deploy/ agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
