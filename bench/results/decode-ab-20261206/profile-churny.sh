#!/usr/bin/env bash
# Profiles `vigil run` (JAR) on the churny stream, one connection: 1M lines to warm, then JFR over
# SECONDS at max rate. Own state dir and socket under /tmp/i19v/prof/NAME.
set -eu
name=$1; agent_jar=$2; bench_jar=$3; seconds=${4:-20}
d=/tmp/i19v/prof/$name; rm -rf "$d"; mkdir -p "$d/state"; chmod 700 "$d"
printf 'state:\n  stateDir: %s\n' "$d/state" > "$d/config.yaml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
java -XX:+UseSerialGC -Xms96m -Xmn16m -Xmx192m -XX:-UsePerfData -XX:MaxDirectMemorySize=64m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=48m -Xss512k -XX:ActiveProcessorCount=2 -XX:+ExitOnOutOfMemoryError \
  -jar "$agent_jar" run --config "$d/config.yaml" --socket "$d/vigil.sock" --metrics-address "127.0.0.1:$port" --sensor off > "$d/alerts.jsonl" 2> "$d/agent.log" &
pid=$!
echo $pid > "$d/pid"
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.2; done
sleep 2
echo "load start $(cut -d' ' -f1-3 /proc/loadavg)" > "$d/load.txt"
java -Xmx1g -cp "$bench_jar" dev.vigil.bench.load.LoadGenerator --label warm --out "$d/warm.json" --stream churny --connections 1 --events 1000000 --socket "$d/vigil.sock" --metrics "http://127.0.0.1:$port/metrics" > /dev/null
AP=/tmp/i19v/ap/linux-x64/libasyncProfiler.so
java -cp /tmp/i19v/prof/attach ApAttach $pid $AP start,event=cpu,interval=1ms,threads
java -Xmx1g -cp "$bench_jar" dev.vigil.bench.load.LoadGenerator --label run --out "$d/run.json" --stream churny --connections 1 --seconds "$seconds" --socket "$d/vigil.sock" --metrics "http://127.0.0.1:$port/metrics" > /dev/null
java -cp /tmp/i19v/prof/attach ApAttach $pid $AP stop,collapsed,threads,file=$d/churny.collapsed
echo "load end $(cut -d' ' -f1-3 /proc/loadavg)" >> "$d/load.txt"
kill -TERM $pid; wait $pid || true
python3 -c "import json; r=json.load(open('$d/run.json')); w=json.load(open('$d/warm.json')); print('warm-up', w['agent_events_per_second'], 'run', r['agent_events_per_second'], 'dropped', r.get('dropped'), 'rejected', r.get('rejected'))"
cat "$d/load.txt"
