"""Loading the manifests: those deploy/kustomization.yaml applies (the files, as written; kustomize's
own changes are only the namespace and image tags), or one rendered file (the Helm chart's
`helm template` output)."""
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


def load_rendered(path):
    """Returns [(source, document)] for every document of one multi-document YAML file; source is
    the template's `# Source:` line where Helm wrote one, else the file's name."""
    with open(path) as f:
        text = f.read()
    docs = []
    for chunk in text.split("\n---"):
        d = yaml.safe_load(chunk)
        if d is None:
            continue
        source = next((line.split(":", 1)[1].strip() for line in chunk.splitlines()
                       if line.startswith("# Source:")), os.path.basename(path))
        docs.append((source, d))
    return docs


def load_any(path):
    """A deploy directory (its kustomization) or a rendered file."""
    return load_rendered(path) if os.path.isfile(path) else load(path)


def find(docs, kind, name=None):
    return [d for _, d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)]


def pod_spec(docs):
    """The pod template of the (only) DaemonSet, or None."""
    ds = find(docs, "DaemonSet")
    return ds[0]["spec"]["template"]["spec"] if len(ds) == 1 else None
