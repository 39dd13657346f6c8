#!/usr/bin/env bash
# profile.sh JAR OUT_PREFIX (run from the repository root): a fresh agent, 1M churny lines of warm-up, then
# 20 s of churny at max rate over one connection, JFR (profile settings) from 8 s to 23 s after start.
# python3 agg.py OUT_PREFIX.jfr then sums the execution samples per thread (self and inclusive).
set -euo pipefail
. bench/lib.sh
jarA="$1"; out="$2"
work=$(mktemp -d /tmp/w.XXXX); chmod 700 $work
port=$(free_port)
java $AGENT_JAVA_OPTS -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -XX:StartFlightRecording=delay=8s,duration=15s,settings=profile,filename=$out.jfr -jar "$jarA" run --socket $work/v.sock --metrics-address 127.0.0.1:$port --sensor off >/dev/null 2>$work/agent.log &
apid=$!
wait_http http://127.0.0.1:$port/readyz agent
java -Xmx1g -cp $jar dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --events 1000000 --socket $work/v.sock --metrics http://127.0.0.1:$port/metrics > $out-warmup.json
java -Xmx1g -cp $jar dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --seconds 20 --socket $work/v.sock --metrics http://127.0.0.1:$port/metrics > $out-run.json
kill $apid; wait $apid || true
rm -rf $work
