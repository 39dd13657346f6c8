#!/usr/bin/env bash
# PINLG=MASK pin.sh JAR MODE: a fresh agent, 1M churny warm-up, then 10 s churny max rate, 1 connection; MODE none
# (no pinning; PINLG=3) | split (the pipeline thread alone on CPU 1, every other thread of the agent on CPU 0, and the
# load generator there too with PINLG=1). Prints MODE, events/s, dropped.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. bench/lib.sh
jarA="$1"; mode="$2"
work=$(mktemp -d /tmp/w.XXXX); chmod 700 $work
port=$(free_port)
java $AGENT_JAVA_OPTS -jar "$jarA" run --socket $work/v.sock --metrics-address 127.0.0.1:$port --sensor off >/dev/null 2>$work/agent.log &
apid=$!; trap "kill $apid 2>/dev/null" EXIT
wait_http http://127.0.0.1:$port/readyz agent
java -Xmx1g -cp $jar dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --events 1000000 --socket $work/v.sock --metrics http://127.0.0.1:$port/metrics > $work/warm.json 2>/dev/null
# the agent re-executes itself: find the JVM that has the pipeline thread
jpid=$(for p in $(pgrep -f "vigil" ); do ps -L -o comm= -p $p 2>/dev/null | grep -q vigil-pipeline && echo $p; done | head -1 || true)
pipe=$(ps -L -o tid=,comm= -p $jpid | awk '$2=="vigil-pipeline"{print $1}')
if [ "$mode" = split ]; then
  taskset -a -p 1 $jpid >/dev/null; taskset -p 2 $pipe >/dev/null
fi
taskset ${PINLG:-3} java -Xmx1g -cp $jar dev.vigil.bench.load.LoadGenerator --stream churny --connections 1 --seconds 10 --socket $work/v.sock --metrics http://127.0.0.1:$port/metrics > $work/run.json 2>/dev/null
python3 -c "import json,sys; d=json.load(open('$work/run.json')); print('$mode', d['agent_events_per_second'], d['dropped'])"
kill $apid; wait $apid 2>/dev/null || true
rm -rf $work
