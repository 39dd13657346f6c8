#!/bin/bash
# idle.sh JAR: agent idle CPU % over 20 s, after 20 s of settling
cd "$(dirname "$0")/../../.."; . bench/lib.sh
w=$(mktemp -d /tmp/idle.XXXX); chmod 700 $w; port=$(free_port)
printf 'state:\n  stateDir: %s\n' $w/state > $w/c.yaml; mkdir $w/state
java $AGENT_JAVA_OPTS -jar $1 run --config $w/c.yaml --socket $w/v.sock --metrics-address 127.0.0.1:$port --sensor off >/dev/null 2>$w/log &
pid=$!; wait_http http://127.0.0.1:$port/readyz agent; sleep 40
hz=$(getconf CLK_TCK); t0=$(awk '{print $14+$15}' /proc/$pid/stat); sleep 20; t1=$(awk '{print $14+$15}' /proc/$pid/stat)
echo "$1 idle CPU % of a core: $(python3 -c "print(round(100*($t1-$t0)/$hz/20,2))")"
kill $pid; wait $pid 2>/dev/null; rm -rf $w
