#!/usr/bin/env bash
# The latency of ordinary events while a regex rule meets values crafted against backtracking
# (issue 16, finding 2; acceptance 3).
#
#   bench/redos-latency.sh [--rate EVENTS_PER_S] [--seconds S] [--no-crafted] [--skip-build]
#
# Starts `vigil run` (the Dockerfile's JVM options, --sensor off, the default rules plus the rule
# `proc.cmdline regex "(\w+\s?)*"`), then one producer sends ordinary execve events at a fixed rate
# (default 10000/s for 12 s) and, at 1/4, 2/4 and 3/4 of the run, three 50 KB crafted lines (50,000
# word characters and a '!': a near miss). It waits until every line is processed and prints the
# delta of the agent's vigil_event_latency_seconds histogram: the share of events over 1, 5, 10 and
# 100 ms and 1 s, and the wall time from the first line to the last processed. --no-crafted sends
# the ordinary events alone: the control, the machine's own noise. Results (the metrics
# before and after, the agent's log) go under bench/results/redos-<UTC stamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."

rate=10000
seconds=12
build=1
crafted=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --no-crafted) crafted=0; shift ;;
    --skip-build) build=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  ./mvnw -q -B package -DskipTests -pl bench -am
fi
. bench/lib.sh
require_jars
bench_dirs redos
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; fi
  [ -f "$work/agent.log" ] && cp "$work/agent.log" "$results/agent.log"
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/redos.yaml" <<'RULES'
- rule: Word-only command line
  desc: the red-team rule of issue 16 (nested quantifiers)
  condition: evt.type = execve and proc.cmdline regex "(\w+\s?)*"
  output: word-only command line (cmdline length=%proc.cmdline)
  priority: NOTICE
RULES

port=$(free_port)
metrics="http://127.0.0.1:$port/metrics"
# shellcheck disable=SC2086
java $AGENT_JAVA_OPTS -jar "$agent_jar" run --socket "$work/vigil.sock" --metrics-address "127.0.0.1:$port" \
  --sensor off --rules "$work/redos.yaml" --output "file:$work/alerts.jsonl" >/dev/null 2>"$work/agent.log" &
agent_pid=$!
wait_http "http://127.0.0.1:$port/readyz" "vigil run"
sleep 2

echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $rate events/s for ${seconds}s, $crafted crafted 50 KB lines; results in $results"
python3 - "$work/vigil.sock" "$metrics" "$rate" "$seconds" "$results" "$crafted" <<'PY'
import json, socket, sys, time, urllib.request

sock_path, metrics, rate, seconds, results = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
with_crafted = sys.argv[6] != "0"

def scrape():
    text = urllib.request.urlopen(metrics, timeout=10).read().decode()
    buckets, processed = {}, 0.0
    for line in text.splitlines():
        if line.startswith("vigil_event_latency_seconds_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("vigil_events_processed_total"):
            processed = float(line.rsplit(" ", 1)[1])
    return text, buckets, processed

before_text, before, processed0 = scrape()
open(f"{results}/metrics-before.txt", "w").write(before_text)
ordinary = [b'{"evt.type":"execve","proc.pid":%d,"proc.ppid":1,"proc.name":"ls","proc.exepath":"/usr/bin/ls",'
            b'"proc.cmdline":"ls -l /tmp/%d","user.uid":1000,"container.id":"de6b9f00ba11"}\n',
            b'{"evt.type":"socket","proc.pid":%d,"proc.name":"curl","evt.arg.domain":2,"evt.arg.type":1,'
            b'"evt.res":%d,"container.id":"de6b9f00ba11"}\n']
crafted = json.dumps({"evt.type": "execve", "proc.pid": 4242, "proc.name": "sh",
                      "proc.cmdline": "a" * 50_000 + "!", "container.id": "de6b9f00ba11"}).encode() + b"\n"
total = int(rate * seconds)
crafted_at = {total // 4, total // 2, 3 * total // 4} if with_crafted else set()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
batch = max(1, rate // 100)  # a write every 10 ms
sent, t0 = 0, time.monotonic()
while sent < total:
    buf = bytearray()
    for _ in range(min(batch, total - sent)):
        if sent in crafted_at:
            buf += crafted
        buf += ordinary[sent % 2] % (1000 + sent % 30000, sent)
        sent += 1
    s.sendall(buf)
    lag = t0 + sent / rate - time.monotonic()
    if lag > 0:
        time.sleep(lag)
lines = sent + len(crafted_at)
while True:
    text, after, processed = scrape()
    if processed - processed0 >= lines or time.monotonic() - t0 > 600:
        break
    time.sleep(0.05)
wall = time.monotonic() - t0
s.close()
open(f"{results}/metrics-after.txt", "w").write(text)
delta = {le: after[le] - before.get(le, 0) for le in after}
n = delta[float("inf")]
out = {"lines": lines, "processed": processed - processed0, "first_line_to_last_processed_s": round(wall, 2)}
print(f"lines sent {lines} ({len(crafted_at)} crafted), processed {int(processed - processed0)}, first line to last processed {wall:.2f} s (send schedule {seconds:.0f} s)")
for limit in (0.001, 0.005, 0.01, 0.1, 1.0):
    le = max((b for b in delta if b <= limit), default=None)
    over = n - delta[le] if le is not None else n
    out[f"over_{limit}s"] = int(over)
    print(f"  events over {limit * 1000:g} ms: {int(over)} of {int(n)} ({100 * over / n:.2f} %)")
json.dump(out, open(f"{results}/summary.json", "w"), indent=1)
PY
