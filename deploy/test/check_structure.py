"""Structural checks of the Kubernetes manifests, where no cluster or schema validator is at hand:
the references between objects resolve, and the agent's config agrees with the pod it runs in.

Usage: check_structure.py DEPLOY_DIR|RENDERED_FILE (a file: the chart's `helm template` output,
without the kustomization checks). Prints one line per problem; exit 1 if any.
"""
import os
import sys

import yaml

import manifests

NAMESPACED = {"ServiceAccount", "ConfigMap", "DaemonSet", "Service", "ServiceMonitor", "PrometheusRule"}
METRICS_PORT = 9376
SOCKET = "/run/vigil/vigil.sock"
# runtime.sources that are sockets: (config key, default path = the host's path of the socket).
RUNTIME_SOCKETS = {"containerd": ("containerdSocket", "/run/containerd/containerd.sock"),
                   "crio": ("crioSocket", "/run/crio/crio.sock"),
                   "docker": ("dockerSocket", "/var/run/docker.sock"),
                   "podman": ("podmanSocket", "/run/podman/podman.sock")}
ALL_SOURCES = ["containerd", "crio", "docker", "podman", "oci"]


def under(path, mount_path):
    return path == mount_path or path.startswith(mount_path.rstrip("/") + "/")


def mount_for(container, path):
    """The volumeMount of container that holds path (the longest matching mountPath), or None."""
    best = None
    for m in container.get("volumeMounts") or []:
        if under(path, m["mountPath"]) and (best is None or len(m["mountPath"]) > len(best["mountPath"])):
            best = m
    return best


def check(deploy_dir):
    errors = []
    err = errors.append
    with open(os.path.join(deploy_dir, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    listed = set(kustomization.get("resources", []))
    for name in sorted(listed):
        if not os.path.exists(os.path.join(deploy_dir, name)):
            err(f"kustomization.yaml: resource {name} does not exist")
    for name in sorted(os.listdir(deploy_dir)):
        if name.endswith((".yaml", ".yml")) and name != "kustomization.yaml" and name not in listed:
            err(f"kustomization.yaml: {name} is not in resources")
    if errors:
        return errors

    return check_docs(manifests.load(deploy_dir), METRICS_PORT)


def check_docs(docs, metrics_port=None):
    """The checks on the objects themselves, wherever they come from. metrics_port: the port the
    Service, the agent's container port and its config must all use; None: the agent's port named
    metrics (a chart's metricsPort), which the others must then agree with."""
    errors = []
    err = errors.append
    for fname, d in docs:
        for key in ("apiVersion", "kind"):
            if not d.get(key):
                err(f"{fname}: no {key}")
        if not (d.get("metadata") or {}).get("name"):
            err(f"{fname}: no metadata.name")
        elif d.get("kind") in NAMESPACED and d["metadata"].get("namespace") != "vigil":
            err(f"{fname}: {d['kind']} {d['metadata']['name']} not in namespace vigil")
    if errors:
        return errors

    ds_list = manifests.find(docs, "DaemonSet")
    if len(ds_list) != 1:
        return errors + [f"expected one DaemonSet, found {len(ds_list)}"]
    ds = ds_list[0]
    template = ds["spec"]["template"]
    pod = template["spec"]
    labels = template["metadata"].get("labels") or {}
    selector = ds["spec"]["selector"].get("matchLabels") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        err("DaemonSet: spec.selector.matchLabels do not match the template's labels")

    sa = pod.get("serviceAccountName")
    if sa and not manifests.find(docs, "ServiceAccount", sa):
        err(f"DaemonSet: serviceAccountName {sa} is not defined")

    volumes = {}
    for v in pod.get("volumes") or []:
        if v["name"] in volumes:
            err(f"DaemonSet: volume {v['name']} declared twice")
        volumes[v["name"]] = v
    used = set()
    all_containers = (pod.get("initContainers") or []) + (pod.get("containers") or [])
    names = [c.get("name") for c in all_containers]
    if len(set(names)) != len(names):
        err(f"DaemonSet: container names not unique: {names}")
    for c in all_containers:
        where = f"container {c.get('name')}"
        for key in ("name", "image"):
            if not c.get(key):
                err(f"{where}: no {key}")
        ports = {p.get("name"): p for p in c.get("ports") or []}
        for p in c.get("ports") or []:
            if not p.get("name") or not isinstance(p.get("containerPort"), int):
                err(f"{where}: a port without name or numeric containerPort: {p}")
        mount_paths = [m["mountPath"] for m in c.get("volumeMounts") or []]
        if len(set(mount_paths)) != len(mount_paths):
            err(f"{where}: a mountPath used twice: {mount_paths}")
        for m in c.get("volumeMounts") or []:
            used.add(m["name"])
            if m["name"] not in volumes:
                err(f"{where}: volumeMount {m['name']} refers to no declared volume")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = ((c.get(probe) or {}).get("httpGet") or {}).get("port")
            if isinstance(port, str) and port not in ports:
                err(f"{where}: {probe} uses port {port}, not a declared port")
    for name in sorted(set(volumes) - used):
        err(f"DaemonSet: volume {name} is declared but never mounted")

    # ConfigMap volumes: the ConfigMap exists and has the keys that are mounted.
    configmaps = {cm["metadata"]["name"]: cm for cm in manifests.find(docs, "ConfigMap")}
    for v in volumes.values():
        if "configMap" not in v:
            continue
        cm = configmaps.get(v["configMap"]["name"])
        if cm is None:
            err(f"volume {v['name']}: ConfigMap {v['configMap']['name']} is not defined")
            continue
        for item in v["configMap"].get("items") or []:
            if item["key"] not in (cm.get("data") or {}):
                err(f"volume {v['name']}: key {item['key']} is not in ConfigMap {cm['metadata']['name']}")

    # Service -> pods, ServiceMonitor -> Service.
    containers = {c["name"]: c for c in pod.get("containers") or []}
    agent = containers.get("agent")
    if agent is None:
        return errors + ["DaemonSet: no agent container"]
    agent_ports = {p["name"]: p["containerPort"] for p in agent.get("ports") or []}
    if metrics_port is None:
        metrics_port = agent_ports.get("metrics")
    services = manifests.find(docs, "Service")
    if len(services) != 1:
        return errors + [f"expected one Service, found {len(services)}"]
    svc = services[0]
    if any(labels.get(k) != v for k, v in (svc["spec"].get("selector") or {}).items()):
        err("Service: selector does not match the DaemonSet's pods")
    svc_ports = {p.get("name"): p for p in svc["spec"].get("ports") or []}
    metrics = svc_ports.get("metrics")
    if metrics is None or metrics.get("port") != metrics_port:
        err(f"Service: no port named metrics on {metrics_port}")
    elif metrics.get("targetPort") not in agent_ports and metrics.get("targetPort") not in agent_ports.values():
        err(f"Service: targetPort {metrics.get('targetPort')} is not a port of the agent")
    if agent_ports.get("metrics") != metrics_port:
        err(f"agent: containerPort metrics must be {metrics_port}")
    for sm in manifests.find(docs, "ServiceMonitor"):
        svc_labels = svc["metadata"].get("labels") or {}
        if any(svc_labels.get(k) != v for k, v in sm["spec"]["selector"].get("matchLabels", {}).items()):
            err("ServiceMonitor: selector does not match the Service's labels")
        for ep in sm["spec"].get("endpoints") or []:
            if ep.get("port") not in svc_ports:
                err(f"ServiceMonitor: endpoint port {ep.get('port')} is not a Service port")
        # The alert rules and the dashboard select job="vigil".
        if svc_labels.get(sm["spec"].get("jobLabel")) != "vigil":
            err("ServiceMonitor: jobLabel must name a Service label whose value is vigil (job=\"vigil\")")

    # The agent's config agrees with the pod: paths are mounted, the port is the container port,
    # the sensor's uid may connect.
    errors.extend(check_config(pod, containers, configmaps, volumes, metrics_port))
    return errors


def check_config(pod, containers, configmaps, volumes, metrics_port):
    errors = []
    err = errors.append
    agent, sensor = containers["agent"], containers.get("sensor") or {}
    cm = configmaps.get("vigil-config")
    if cm is None:
        return ["ConfigMap vigil-config is not defined"]
    try:
        config = yaml.safe_load(cm["data"]["config.yaml"])
        rules = yaml.safe_load(cm["data"]["local_rules.yaml"])
    except (KeyError, yaml.YAMLError) as e:
        return [f"ConfigMap vigil-config: {e}"]
    if not isinstance(rules, list):
        err("ConfigMap vigil-config: local_rules.yaml must be a YAML list (Falco rule file)")

    args = agent.get("args") or []
    if "--config" not in args:
        err("agent: no --config argument")
    else:
        path = args[args.index("--config") + 1]
        if not config_file_mounted(agent, volumes, path, "config.yaml"):
            err(f"agent: --config {path} is not the ConfigMap's config.yaml")
    for path in (config.get("rules") or {}).get("paths") or []:
        key = os.path.basename(path)
        if not config_file_mounted(agent, volumes, path, key):
            err(f"config rules.paths: {path} is not a mounted ConfigMap key")

    sock = (config.get("ingest") or {}).get("socket")
    if sock != SOCKET:
        err(f"config ingest.socket is {sock!r}, expected {SOCKET}")
    else:
        a, s = mount_for(agent, sock), mount_for(sensor, sock)
        if a is None or s is None or a["name"] != s["name"] or "emptyDir" not in volumes[a["name"]]:
            err(f"{sock}: agent and sensor must mount the same emptyDir over it")
        elif a.get("readOnly") or s.get("readOnly"):
            err(f"{sock}: the socket directory must be writable")
    sensor_uid = (sensor.get("securityContext") or {}).get("runAsUser", 0)
    if sensor_uid not in ((config.get("ingest") or {}).get("allowedUids") or []):
        err(f"config ingest.allowedUids does not allow the sensor's uid {sensor_uid}")

    address = str((config.get("metrics") or {}).get("address", ""))
    if not address.endswith(f":{metrics_port}"):
        err(f"config metrics.address {address!r} is not on port {metrics_port}")

    state = config.get("state") or {}
    for key, host, writable in (("procRoot", "/proc", False), ("cgroupRoot", "/sys/fs/cgroup", False),
                                ("stateDir", "/var/lib/vigil", True)):
        path = state.get(key)
        m = mount_for(agent, path) if path else None
        if m is None or m["mountPath"] != path:
            err(f"config state.{key} {path!r} is not a mountPath of the agent")
            continue
        hp = volumes[m["name"]].get("hostPath", {}).get("path")
        if hp != host:
            err(f"config state.{key}: {path} should be the host's {host} (is {hp!r})")
        if writable == bool(m.get("readOnly")):
            err(f"config state.{key}: {path} must be {'writable' if writable else 'read-only'}")

    if not str(config.get("clusterName") or "").strip():
        err("config clusterName is not set (alerts carry it as k8s.cluster.name)")
    env = {e.get("name"): e for e in agent.get("env") or []}
    node = ((env.get("NODE_NAME") or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath")
    if node != "spec.nodeName":
        err(f"agent: env NODE_NAME must come from the downward API spec.nodeName (is {node!r})")
    errors.extend(check_runtime(agent, config.get("runtime") or {}, volumes))
    return errors


def check_runtime(agent, runtime, volumes):
    """Each runtime.sources socket is the host's socket, through a read-only hostPath mount of the agent."""
    errors = []
    sources = runtime.get("sources", ALL_SOURCES)
    if "oci" in sources:
        errors.append("config runtime.sources: oci reads the OCI bundles (0700 root), which the agent "
                      "(uid 65532, no capability) cannot")
    for source in sources:
        if source not in RUNTIME_SOCKETS:
            continue
        key, host = RUNTIME_SOCKETS[source]
        path = runtime.get(key, host)
        m = mount_for(agent, path)
        hp = volumes.get(m["name"], {}).get("hostPath", {}).get("path") if m else None
        if hp is None:
            errors.append(f"config runtime.{key} {path!r}: not on a hostPath mount of the agent")
            continue
        seen = os.path.normpath(os.path.join(hp, os.path.relpath(path, m["mountPath"])))
        if seen != host:
            errors.append(f"config runtime.{key} {path!r} is the host's {seen}, not {host}")
        if not m.get("readOnly"):
            errors.append(f"config runtime.{key}: {m['mountPath']} must be mounted read-only")
    return errors


def config_file_mounted(container, volumes, path, key):
    """path, inside container, is the ConfigMap key `key` (through a configMap volume's items)."""
    m = mount_for(container, path)
    if m is None or "configMap" not in volumes.get(m["name"], {}):
        return False
    rel = os.path.relpath(path, m["mountPath"])
    items = volumes[m["name"]]["configMap"].get("items")
    if items is None:
        return rel == key
    return any(i["key"] == key and i["path"] == rel for i in items)


def main(path):
    errors = check_docs(manifests.load_rendered(path)) if os.path.isfile(path) else check(path)
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    if errors:
        return 1
    print("manifests are structurally sound")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
