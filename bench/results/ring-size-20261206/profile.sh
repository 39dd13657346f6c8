#!/usr/bin/env bash
# profile.sh JAR OUT: a fresh agent under async-profiler 4.1 (its libasyncProfiler.so from the Maven Central jar tools.profiler:async-profiler, unpacked to /tmp/i19-ap; event=cpu, 1 ms, per thread, collapsed; itimer kills the re-executed agent), 1M churny warm-up, 20 s churny max rate, 1 conn
# Needs perf events for event=cpu: as root with kernel.perf_event_paranoid <= 1 (echo 1 > /proc/sys/kernel/perf_event_paranoid; Debian defaults to 2, and the agent re-executes itself without capabilities).
set -euo pipefail
cd "$(dirname "$0")/../../.."
. bench/lib.sh
jarA="$1"; out="$2"
work=$(mktemp -d /tmp/w.XXXX); chmod 700 $work
port=$(free_port)
java $AGENT_JAVA_OPTS -agentpath:/tmp/i19-ap/linux-x64/libasyncProfiler.so=start,event=cpu,interval=1ms,threads,collapsed,file=$out.collapsed -jar "$jarA" run --socket $work/v.sock --metrics-address 127.0.0.1:$port --sensor off >/dev/null 2>$work/agent.log &
apid=$!
wait_http http://127.0.0.1:$port/readyz agent
java -Xmx1g -cp $jar dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --events 1000000 --socket $work/v.sock --metrics http://127.0.0.1:$port/metrics > $out-warmup.json
java -Xmx1g -cp $jar dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --seconds 20 --socket $work/v.sock --metrics http://127.0.0.1:$port/metrics > $out-run.json
kill $apid; wait $apid || true
rm -rf $work
