"""Loading the manifests that deploy/kustomization.yaml applies (the files, as written; kustomize's
own changes are only the namespace and image tags)."""
import os

import yaml


def load(deploy_dir):
    """Returns [(file name, document)] for every document of every resource in kustomization.yaml."""
    with open(os.path.join(deploy_dir, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    docs = []
    for name in kustomization.get("resources", []):
        with open(os.path.join(deploy_dir, name)) as f:
            docs.extend((name, d) for d in yaml.safe_load_all(f) if d is not None)
    return docs


def find(docs, kind, name=None):
    return [d for _, d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)]


def pod_spec(docs):
    """The pod template of the (only) DaemonSet, or None."""
    ds = find(docs, "DaemonSet")
    return ds[0]["spec"]["template"]["spec"] if len(ds) == 1 else None
