"""The privilege policy of the Vigil pod, checked on the manifests, then proved on mutated copies.

Agent container: no capability, not root, no privilege escalation, read-only root file system,
seccomp RuntimeDefault, CPU and memory requests and limits, liveness and readiness probes on
/healthz and /readyz, host mounts read-only except the state directory; host paths only from
AGENT_HOST_PATHS, and the runtime socket directories (RUNTIME_SOCKET_DIRS) all mounted, read-only.
Identity: the pod's supplementalGroups hold the runtime socket's group (one, never 0).
Any container: never privileged, never a host path in BROAD_HOST_PATHS (/run whole, /var/run, /, …),
never a runtime socket directory unless it is the agent.
Sensor container: never privileged, no privilege escalation, drop ALL and add only SENSOR_CAPS,
host mounts read-only.
Init containers: never privileged, no escalation, add only INIT_CAPS.
Pod: no host network or IPC, no API token, no container beyond the known ones, no RBAC objects.

Usage: check_manifests.py DEPLOY_DIR|RENDERED_FILE (a file: the chart's `helm template` output,
checked and mutated the same way). Exit 1 when the manifests break the policy or when a
mutation that breaks it is not caught.
"""
import copy
import posixpath
import sys

import manifests

AGENT = "agent"
SENSOR = "sensor"
# The sensor's documented capabilities (daemonset.yaml, README "Privilege model"): to be kept in
# step with sensor/README.md. Anything beyond this list fails.
SENSOR_CAPS = {"BPF", "PERFMON"}
INIT_CAPS = {"CHOWN"}
# The only writable host path the agent may mount.
AGENT_WRITABLE_HOST_PATHS = {"/var/lib/vigil"}
RBAC_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
# Container identity: the directories of the runtimes' sockets (containerd, CRI-O), mounted so
# that a runtime restart's new socket file is seen; the agent connects through the socket's group.
RUNTIME_SOCKET_DIRS = {"/run/containerd", "/run/crio"}
# Every host path the agent may mount: /proc and cgroups (read-only), its state, the sockets' dirs.
AGENT_HOST_PATHS = {"/proc", "/sys/fs/cgroup", "/var/lib/vigil"} | RUNTIME_SOCKET_DIRS
# Host paths no container may mount: they hold every runtime's socket and state (and more).
BROAD_HOST_PATHS = {"/", "/run", "/var/run", "/var", "/var/lib", "/etc", "/sys", "/dev", "/root", "/home"}


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


def norm(path):
    """/var/run/ and /var/run name one directory; so do // and /."""
    return "/" + posixpath.normpath("/" + str(path)).lstrip("/")


def host_paths(pod):
    return {v["name"]: norm(v["hostPath"]["path"]) for v in pod.get("volumes") or [] if "hostPath" in v}


def check_host_path_scope(pod, c, where, errors):
    """No container mounts a broad host directory, and only the agent a runtime's socket directory."""
    hp = host_paths(pod)
    for m in c.get("volumeMounts") or []:
        path = hp.get(m["name"])
        if path is None:
            continue
        if path in BROAD_HOST_PATHS:
            errors.append(f"{where}: host path {path} mounted whole at {m['mountPath']} (mount the one socket's directory)")
        if where != "container agent" and path in RUNTIME_SOCKET_DIRS:
            errors.append(f"{where}: mounts the runtime socket directory {path} (only the agent needs identity)")


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
    hp = host_paths(pod)
    mounted = {}
    for m in c.get("volumeMounts") or []:
        if m["name"] in hp:
            mounted[hp[m["name"]]] = m
    for path in sorted(set(mounted) - AGENT_HOST_PATHS):
        errors.append(f"{where}: host path {path} is not one the agent needs ({sorted(AGENT_HOST_PATHS)})")
    for path in sorted(RUNTIME_SOCKET_DIRS):
        m = mounted.get(path)
        if m is None:
            errors.append(f"{where}: runtime socket directory {path} not mounted (container identity)")
        elif not m.get("readOnly"):
            errors.append(f"{where}: runtime socket directory {path} must be mounted readOnly")
        elif m.get("subPath"):
            errors.append(f"{where}: runtime socket directory {path} mounted with subPath (a bind of one file goes stale)")
    groups = (pod.get("securityContext") or {}).get("supplementalGroups") or []
    if len(groups) != 1:
        errors.append(f"pod: supplementalGroups must be exactly the runtime socket's group (is {groups!r})")
    elif int(groups[0]) == 0:
        errors.append("pod: supplementalGroups holds 0 (root's group): use the gid given to the runtime socket")


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
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []) + (pod.get("ephemeralContainers") or []):
        kind = "container" if c in (pod.get("containers") or []) else "init container" if c in (
            pod.get("initContainers") or []) else "ephemeral container"
        check_host_path_scope(pod, c, f"{kind} {c['name']}", errors)
        if ((c.get("securityContext") or {}).get("privileged")) is True and kind == "ephemeral container":
            errors.append(f"{kind} {c['name']}: privileged: true")
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


def host_mount(d, name, path, mount_path, read_only=True):
    manifests.pod_spec(d)["volumes"].append({"name": "extra", "hostPath": {"path": path}})
    container(d, name)["volumeMounts"].append({"name": "extra", "mountPath": mount_path, "readOnly": read_only})


def unmount(d, name, path):
    c = container(d, name)
    c["volumeMounts"] = [m for m in c["volumeMounts"] if m["mountPath"] != path]


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
    "agent mounts /run whole": lambda d: host_mount(d, AGENT, "/run", "/host/run"),
    "agent mounts /var/run/ whole (trailing slash)": lambda d: host_mount(d, AGENT, "/var/run/", "/var/run"),
    "agent mounts / whole": lambda d: host_mount(d, AGENT, "/", "/host"),
    "agent mounts /run by a detour (/run/containerd/..)": lambda d: host_mount(d, AGENT, "/run/containerd/..", "/r"),
    "agent mounts Docker's data /var/lib/docker": lambda d: host_mount(d, AGENT, "/var/lib/docker", "/var/lib/docker"),
    "agent mounts /run/containerd writable": lambda d: mount(d, AGENT, "/run/containerd").update(readOnly=False),
    "agent without the containerd socket": lambda d: unmount(d, AGENT, "/run/containerd"),
    "agent without the CRI-O socket": lambda d: unmount(d, AGENT, "/run/crio"),
    "agent's containerd socket by subPath": lambda d: mount(d, AGENT, "/run/containerd").update(subPath="containerd.sock"),
    "pod supplementalGroups holds 0": lambda d: manifests.pod_spec(d)["securityContext"].update(supplementalGroups=[0]),
    "pod without supplementalGroups": lambda d: manifests.pod_spec(d)["securityContext"].pop("supplementalGroups"),
    "sensor mounts the containerd socket dir": lambda d: container(d, SENSOR)["volumeMounts"].append(
        {"name": "containerd-run", "mountPath": "/run/containerd", "readOnly": True}),
    "init container mounts /run whole": lambda d: host_mount(d, "state-dir", "/run", "/run"),
    "privileged ephemeral container": lambda d: manifests.pod_spec(d).update(ephemeralContainers=[
        {"name": "debug", "image": "busybox", "securityContext": {"privileged": True}}]),
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


def main(path):
    docs = manifests.load_any(path)
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
