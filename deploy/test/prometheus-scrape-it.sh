#!/usr/bin/env bash
# Integration test: a real Prometheus (Debian's `prometheus`) scrapes a running agent, with the
# Vigil alert rules loaded; events go in over the agent's socket, and the counters must arrive in
# Prometheus with the right values (received = processed + rejected + dropped).
# `promtool check metrics` must find nothing wrong with /metrics (the posture gauges included).
# Needs: the agent jar (./mvnw -B -q package -DskipTests -> agent/target/vigil.jar), java,
# prometheus and promtool (apt-get install prometheus), curl, python3. Everything listens on
# 127.0.0.1 only, and every wait is bounded.
# VIGIL_AGENT_CMD replaces `java -jar JAR` (e.g. to try the harness against another build).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$(dirname "$DEPLOY_DIR")"
jar="${VIGIL_JAR:-$root/agent/target/vigil.jar}"
if [[ -z "${VIGIL_AGENT_CMD:-}" ]]; then
  [[ -f "$jar" ]] || skip "no agent jar at $jar (build it: ./mvnw -B -q package -DskipTests)"
  need java "a JDK 17"
fi
need prometheus "apt-get install prometheus"
need promtool "apt-get install prometheus"
need curl "apt-get install curl"
need python3 "apt-get install python3"

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$tmp"/*.log; do echo "--- $log (tail)" >&2; tail -n 20 "$log" >&2; done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
agent_port="$(free_port)"
prom_port="$(free_port)"
sock="$tmp/vigil.sock"
mkdir -p "$tmp/state" "$tmp/rules" "$tmp/prom"
echo '[]' >"$tmp/rules/local_rules.yaml"

cat >"$tmp/config.yaml" <<EOF
ingest: {socket: $sock, allowedUids: [$(id -u)], maxLineBytes: 65536, maxConnections: 64}
pipeline: {ringSize: 1024, waitStrategy: sleeping, backpressure: block}
metrics: {address: "127.0.0.1:$agent_port"}
rules: {paths: [$tmp/rules/local_rules.yaml], includeDefault: true}
state: {procRoot: /proc, cgroupRoot: /sys/fs/cgroup, stateDir: $tmp/state}
outputs: [{type: stdout}]
EOF

if [[ -n "${VIGIL_AGENT_CMD:-}" ]]; then
  # shellcheck disable=SC2086 # a command line, split on purpose
  $VIGIL_AGENT_CMD run --config "$tmp/config.yaml" >"$tmp/agent.log" 2>&1 &
else
  java -Xmx192m -Dio.netty.native.workdir="$tmp" -jar "$jar" run --sensor off --config "$tmp/config.yaml" >"$tmp/agent.log" 2>&1 &
fi
pids+=($!)
metrics="http://127.0.0.1:$agent_port"
for _ in $(seq 1 120); do
  curl -fsS "$metrics/readyz" >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || fail "the agent exited"
  sleep 0.5
done
curl -fsS "$metrics/readyz" >/dev/null || fail "agent not ready on /readyz after 60s"
curl -fsS "$metrics/healthz" >/dev/null || fail "agent not healthy on /healthz"

# /metrics passes promtool's linter.
curl -fsS "$metrics/metrics" >"$tmp/metrics.txt" || fail "GET /metrics"
lint="$(promtool check metrics <"$tmp/metrics.txt" 2>&1)" || fail "promtool check metrics: $lint"
[[ -z "$lint" ]] || fail "promtool check metrics: $lint"

cat >"$tmp/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [$DEPLOY_DIR/prometheus/vigil-alerts.yaml]
scrape_configs:
  - job_name: vigil
    static_configs: [{targets: ["127.0.0.1:$agent_port"], labels: {node: it-node}}]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$prom_port/api/v1"

# query EXPR: the single value of an instant query ("none" when the result is empty).
query() {
  curl -fsS --get "$api/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else ("none" if not r else "many"))'
}

# 100 good events, 3 lines that are not JSON, 1 without evt.type: 104 received.
python3 - "$sock" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
now = time.time_ns()
lines = [json.dumps({"evt.type": "execve", "evt.rawtime": now + i, "proc.pid": 4000 + i, "proc.ppid": 1,
                     "proc.name": "true", "proc.exepath": "/bin/true", "container.id": "host"})
         for i in range(100)]
lines += ["not json", "{", "[1,2]", json.dumps({"proc.pid": 1})]
s.sendall(("\n".join(lines) + "\n").encode())
time.sleep(1)  # the agent counts a connection; let one scrape see it
s.close()
PY

expect() {  # expect EXPR VALUE: wait (bounded) until Prometheus returns VALUE for EXPR
  local got=""
  for _ in $(seq 1 60); do
    got="$(query "$1" 2>/dev/null || echo error)"
    [[ "$got" == "$2" ]] && { echo "  ok: $1 = $2"; return 0; }
    sleep 1
  done
  fail "$1: expected $2, Prometheus says $got"
}
expect 'up{job="vigil"}' 1
expect 'vigil_events_received_total{job="vigil"}' 104
expect 'vigil_events_processed_total{job="vigil"}' 100
expect 'sum(vigil_events_rejected_total{job="vigil"})' 4
expect 'sum(vigil_events_dropped_total{job="vigil"}) or vector(0)' 0
expect 'vigil_events_received_total{job="vigil"} - vigil_events_processed_total{job="vigil"} - ignoring(reason) sum without(reason) (vigil_events_rejected_total{job="vigil"}) - vigil_events_dropped_total{job="vigil"}' 0
expect 'vigil_event_latency_seconds_count{job="vigil"}' 100
expect 'vigil_rules_loaded{job="vigil"} > bool 0' 1
expect 'count(vigil_connections{job="vigil"})' 1
expect 'count(jvm_memory_used_bytes{job="vigil",area="heap"}) > bool 0' 1
expect 'count(process_cpu_usage{job="vigil"})' 1
# The posture meters are there from the start, at 0: one gauge per container finding (a bounded set,
# no ids in labels), the privileged exec counter, the sandbox reads by result.
findings="host_pid|host_net|host_ipc|host_uts|host_mnt|runtime_socket|host_path_writable|host_path_mounted"
findings="$findings|seccomp_disabled|lsm_unconfined|no_new_privs_off|root_without_userns"
expect "count(vigil_posture_containers{job=\"vigil\",finding=~\"$findings\"})" 12
expect 'count(vigil_posture_containers{job="vigil"})' 12
expect 'sum(vigil_posture_containers{job="vigil"})' 0
expect 'vigil_posture_privileged_execs_total{job="vigil"}' 0
expect 'count(vigil_state_sandbox_reads_total{job="vigil",result=~"ok|vanished|failed|limited|refused"})' 5
# The alert rules load in a real Prometheus, all of them.
rules="$(curl -fsS "$api/rules" | python3 -c 'import json,sys; print(sum(len(g["rules"]) for g in json.load(sys.stdin)["data"]["groups"]))')"
want="$(grep -c "^      - alert:" "$DEPLOY_DIR/prometheus/vigil-alerts.yaml")"
[[ "$rules" == "$want" ]] || fail "Prometheus loaded $rules alert rules, expected $want"
echo "prometheus-scrape-it: OK"
