"""The privilege policy of the Vigil pod, checked on the manifests, then proved on mutated copies.

Agent container: no capability, not root, no privilege escalation, read-only root file system,
seccomp RuntimeDefault, CPU and memory requests and limits, liveness and readiness probes on
/healthz and /readyz, host mounts read-only except the state directory.
Sensor container: never privileged, no privilege escalation, drop ALL and add only SENSOR_CAPS,
host mounts read-only.
Init containers: never privileged, no escalation, add only INIT_CAPS.
Pod: no host network or IPC, no API token, no container beyond the known ones, no RBAC objects.

Usage: check_manifests.py DEPLOY_DIR. Exit 1 when the manifests break the policy or when a
mutation that breaks it is not caught.
"""
import copy
import sys

import manifests

AGENT = "agent"
SENSOR = "sensor"
# The sensor's documented capabilities (daemonset.yaml, README "Privilege model"): to be kept in
# step with sensor/README.md. Anything beyond this list fails.
SENSOR_CAPS = {"BPF", "PERFMON", "DAC_READ_SEARCH"}
INIT_CAPS = {"CHOWN"}
# The only writable host path the agent may mount.
AGENT_WRITABLE_HOST_PATHS = {"/var/lib/vigil"}
RBAC_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


def cap(name):
    """CAP_SYS_ADMIN, sys_admin and SYS_ADMIN are one capability to Kubernetes runtimes."""
    name = str(name).upper()
    return name[4:] if name.startswith("CAP_") else name


def effective(pod, container, key):
    """A securityContext field as the kubelet applies it: the container's, else the pod's."""
    c = container.get("securityContext") or {}
    if key in c:
        return c[key]
    return (pod.get("securityContext") or {}).get(key)


def check_common(pod, c, where, allowed_caps, errors):
    sc = c.get("securityContext") or {}
    if sc.get("privileged") is True:
        errors.append(f"{where}: privileged: true")
    if sc.get("allowPrivilegeEscalation") is not False:
        errors.append(f"{where}: allowPrivilegeEscalation must be false (is {sc.get('allowPrivilegeEscalation')!r})")
    caps = sc.get("capabilities") or {}
    if "ALL" not in {cap(x) for x in caps.get("drop") or []}:
        errors.append(f"{where}: capabilities.drop must contain ALL")
    extra = {cap(x) for x in caps.get("add") or []} - allowed_caps
    if extra:
        errors.append(f"{where}: capabilities beyond {sorted(allowed_caps)}: {sorted(extra)}")
    if sc.get("readOnlyRootFilesystem") is not True:
        errors.append(f"{where}: readOnlyRootFilesystem must be true")
    if effective(pod, c, "seccompProfile") != {"type": "RuntimeDefault"}:
        errors.append(f"{where}: seccompProfile must be RuntimeDefault (is {effective(pod, c, 'seccompProfile')!r})")
    for p in c.get("ports") or []:
        if "hostPort" in p:
            errors.append(f"{where}: hostPort {p['hostPort']}")


def host_paths(pod):
    return {v["name"]: v["hostPath"]["path"] for v in pod.get("volumes") or [] if "hostPath" in v}


def check_host_mounts(pod, c, where, writable_ok, errors):
    hp = host_paths(pod)
    for m in c.get("volumeMounts") or []:
        path = hp.get(m["name"])
        if path is not None and not m.get("readOnly") and path not in writable_ok:
            errors.append(f"{where}: host path {path} mounted writable at {m['mountPath']}")


def check_agent(pod, c, errors):
    where = "container agent"
    check_common(pod, c, where, set(), errors)
    if effective(pod, c, "runAsNonRoot") is not True:
        errors.append(f"{where}: runAsNonRoot must be true")
    uid = effective(pod, c, "runAsUser")
    if uid is None or int(uid) == 0:
        errors.append(f"{where}: runAsUser must be set and not 0 (is {uid!r})")
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(kind) or {}):
                errors.append(f"{where}: no {r} {kind[:-1]}")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        got = ((c.get(probe) or {}).get("httpGet") or {}).get("path")
        if got != path:
            errors.append(f"{where}: {probe} must GET {path} (is {got!r})")
    check_host_mounts(pod, c, where, AGENT_WRITABLE_HOST_PATHS, errors)


def check_sensor(pod, c, errors):
    where = "container sensor"
    check_common(pod, c, where, SENSOR_CAPS, errors)
    check_host_mounts(pod, c, where, set(), errors)


def check(docs):
    """Returns the list of policy violations (empty: the manifests pass)."""
    errors = []
    for _, d in docs:
        if d.get("kind") in RBAC_KINDS:
            errors.append(f"{d['kind']} {d['metadata']['name']}: RBAC, but nothing in Vigil uses the API")
    pod = manifests.pod_spec(docs)
    if pod is None:
        return errors + ["expected exactly one DaemonSet"]
    for key in ("hostNetwork", "hostIPC"):
        if pod.get(key):
            errors.append(f"pod: {key}: true")
    if pod.get("automountServiceAccountToken") is not False:
        errors.append("pod: automountServiceAccountToken must be false")
    for sa in manifests.find(docs, "ServiceAccount"):
        if sa.get("automountServiceAccountToken") is not False:
            errors.append(f"ServiceAccount {sa['metadata']['name']}: automountServiceAccountToken must be false")
    containers = {c["name"]: c for c in pod.get("containers") or []}
    for name in sorted(set(containers) - {AGENT, SENSOR}):
        errors.append(f"container {name}: unknown container (add it to the policy in check_manifests.py)")
    if AGENT in containers:
        check_agent(pod, containers[AGENT], errors)
    else:
        errors.append("no agent container")
    if SENSOR in containers:
        check_sensor(pod, containers[SENSOR], errors)
    else:
        errors.append("no sensor container")
    for c in pod.get("initContainers") or []:
        where = f"init container {c['name']}"
        check_common(pod, c, where, INIT_CAPS, errors)
        check_host_mounts(pod, c, where, AGENT_WRITABLE_HOST_PATHS, errors)
    return errors


# ---------------------------------------------------------------- mutations: each must be caught

def container(docs, name):
    pod = manifests.pod_spec(docs)
    return next(c for c in pod["containers"] + pod.get("initContainers", []) if c["name"] == name)


def sc(docs, name):
    return container(docs, name).setdefault("securityContext", {})


def mount(docs, name, path):
    return next(m for m in container(docs, name)["volumeMounts"] if m["mountPath"] == path)


def set_pod_root(d):
    manifests.pod_spec(d).setdefault("securityContext", {})["runAsUser"] = 0
    sc(d, AGENT).pop("runAsUser")


def drop_seccomp_everywhere(d):
    manifests.pod_spec(d)["securityContext"].pop("seccompProfile", None)
    sc(d, AGENT).pop("seccompProfile", None)


def add_container(d):
    manifests.pod_spec(d)["containers"].append({"name": "debug", "image": "busybox"})


def add_rbac(d):
    d.append(("rbac.yaml", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                            "metadata": {"name": "vigil"}, "rules": []}))


MUTATIONS = {
    "agent privileged: true": lambda d: sc(d, AGENT).update(privileged=True),
    "agent adds NET_ADMIN": lambda d: sc(d, AGENT)["capabilities"].update(add=["NET_ADMIN"]),
    "agent adds CAP_SYS_PTRACE (CAP_ spelling)": lambda d: sc(d, AGENT)["capabilities"].update(add=["CAP_SYS_PTRACE"]),
    "agent keeps default capabilities (no drop)": lambda d: sc(d, AGENT)["capabilities"].pop("drop"),
    "agent runAsUser 0": lambda d: sc(d, AGENT).update(runAsUser=0),
    "agent inherits pod runAsUser 0": set_pod_root,
    "agent runAsNonRoot false": lambda d: sc(d, AGENT).update(runAsNonRoot=False),
    "agent runAsNonRoot missing": lambda d: sc(d, AGENT).pop("runAsNonRoot"),
    "agent allowPrivilegeEscalation true": lambda d: sc(d, AGENT).update(allowPrivilegeEscalation=True),
    "agent allowPrivilegeEscalation missing": lambda d: sc(d, AGENT).pop("allowPrivilegeEscalation"),
    "agent readOnlyRootFilesystem false": lambda d: sc(d, AGENT).update(readOnlyRootFilesystem=False),
    "agent seccomp Unconfined": lambda d: sc(d, AGENT).update(seccompProfile={"type": "Unconfined"}),
    "agent seccomp missing (pod and container)": drop_seccomp_everywhere,
    "agent without limits": lambda d: container(d, AGENT)["resources"].pop("limits"),
    "agent without memory request": lambda d: container(d, AGENT)["resources"]["requests"].pop("memory"),
    "agent without livenessProbe": lambda d: container(d, AGENT).pop("livenessProbe"),
    "agent without readinessProbe": lambda d: container(d, AGENT).pop("readinessProbe"),
    "agent host /proc writable": lambda d: mount(d, AGENT, "/host/proc").update(readOnly=False),
    "agent hostPort": lambda d: container(d, AGENT)["ports"][0].update(hostPort=9376),
    "sensor privileged: true": lambda d: sc(d, SENSOR).update(privileged=True),
    "sensor adds SYS_ADMIN": lambda d: sc(d, SENSOR)["capabilities"]["add"].append("SYS_ADMIN"),
    "sensor keeps default capabilities (no drop)": lambda d: sc(d, SENSOR)["capabilities"].pop("drop"),
    "sensor allowPrivilegeEscalation true": lambda d: sc(d, SENSOR).update(allowPrivilegeEscalation=True),
    "sensor host cgroup writable": lambda d: mount(d, SENSOR, "/sys/fs/cgroup").update(readOnly=False),
    "init container privileged: true": lambda d: sc(d, "state-dir").update(privileged=True),
    "init container adds DAC_OVERRIDE": lambda d: sc(d, "state-dir")["capabilities"]["add"].append("DAC_OVERRIDE"),
    "pod hostNetwork": lambda d: manifests.pod_spec(d).update(hostNetwork=True),
    "pod mounts the API token": lambda d: manifests.pod_spec(d).update(automountServiceAccountToken=True),
    "an extra container": add_container,
    "a ClusterRole": add_rbac,
    "no agent container": lambda d: manifests.pod_spec(d)["containers"].remove(container(d, AGENT)),
}


def main(deploy_dir):
    docs = manifests.load(deploy_dir)
    errors = check(docs)
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    if errors:
        print(f"check-manifests: the manifests break the policy ({len(errors)} problems)", file=sys.stderr)
        return 1
    print("manifests pass the policy")

    missed = 0
    for name, mutate in MUTATIONS.items():
        mutated = copy.deepcopy(docs)
        mutate(mutated)
        found = check(mutated)
        if found:
            print(f"  caught: {name}: {found[0]}")
        else:
            print(f"FAIL: mutation not caught: {name}", file=sys.stderr)
            missed += 1
    print(f"mutations: {len(MUTATIONS) - missed} passed, {missed} failed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
