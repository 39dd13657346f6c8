#!/usr/bin/env bash
# Structural check of the manifests without a cluster: every object has apiVersion, kind,
# metadata.name and the vigil namespace; container names and images; volumeMounts refer to
# declared volumes; the mounted ConfigMap keys exist; Service, ServiceMonitor and pods select
# each other; the agent's config.yaml agrees with the mounts and ports (the runtime sockets too), it names its
# cluster, and NODE_NAME is the node's name. Then a few broken copies
# must fail, and, when kubectl is installed, `kubectl kustomize` must render the whole set.
# Needs python3 with PyYAML (apt-get install python3-yaml).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_python_yaml

python3 "$TEST_DIR/check_structure.py" "$DEPLOY_DIR"

for f in "$DEPLOY_DIR"/examples/*.yaml; do
  python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$f" || { echo "FAIL: $f is not YAML" >&2; exit 1; }
done

# Prove the check: each sed expression breaks one reference; check_structure.py must fail.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0
while IFS='|' read -r file expr what; do
  rm -rf "$tmp/deploy" && cp -r "$DEPLOY_DIR" "$tmp/deploy"
  sed -i "$expr" "$tmp/deploy/$file"
  if cmp -s "$DEPLOY_DIR/$file" "$tmp/deploy/$file"; then
    echo "FAIL: mutation '$what' changed nothing (stale sed expression)" >&2; failed=1
  elif python3 "$TEST_DIR/check_structure.py" "$tmp/deploy" >/dev/null 2>&1; then
    echo "FAIL: mutation not caught: $what" >&2; failed=1
  else
    echo "  caught: $what"
  fi
done <<'MUTATIONS'
daemonset.yaml|0,/- name: host-proc$/s//- name: host-proc-typo/|a volumeMount with no volume
daemonset.yaml|s/key: local_rules.yaml/key: local-rules.yaml/|a ConfigMap key that does not exist
configmap.yaml|s/procRoot: \/host\/proc/procRoot: \/proc/|config procRoot not the mounted host /proc
configmap.yaml|s/allowedUids: \[0, 65532\]/allowedUids: [65532]/|the sensor's uid not allowed
configmap.yaml|s/containerdSocket: \/run\/containerd\/containerd.sock/containerdSocket: \/var\/run\/containerd.sock/|config runtime.containerdSocket not on the mounted socket directory
configmap.yaml|s/sources: \[containerd, crio\]/sources: [containerd, crio, oci]/|the oci source, which uid 65532 cannot read
configmap.yaml|/^    clusterName: /d|no clusterName
daemonset.yaml|s/fieldPath: spec.nodeName/fieldPath: metadata.name/|NODE_NAME not the node's name
daemonset.yaml|s/path: \/run\/crio$/path: \/run\/cri-o/|the CRI-O mount not the host's /run/crio
service.yaml|s/name: metrics/name: http/|Service port not named metrics
kustomization.yaml|/- service.yaml/d|a manifest left out of the kustomization
MUTATIONS
[[ $failed == 0 ]] || exit 1

if command -v kubectl >/dev/null 2>&1; then
  kubectl kustomize "$DEPLOY_DIR" >"$tmp/rendered.yaml"
  kinds="$(grep -E '^kind: ' "$tmp/rendered.yaml" | sort | tr '\n' ' ')"
  expected="kind: ConfigMap kind: DaemonSet kind: Namespace kind: PrometheusRule kind: Service kind: ServiceAccount kind: ServiceMonitor "
  [[ "$kinds" == "$expected" ]] || { echo "FAIL: kubectl kustomize rendered: $kinds" >&2; exit 1; }
  echo "kubectl kustomize renders the 7 objects"
else
  echo "note: kubectl not installed, kustomize rendering not checked"
fi
echo "check-structure: OK"
