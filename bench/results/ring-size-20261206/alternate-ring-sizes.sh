#!/bin/bash
# alternate ring sizes, churny, 1 connection
cd "$(dirname "$0")/../../.."
for round in 1 2 3; do
  for r in "$@"; do
    d=/tmp/ringexp/r$r-$round; rm -rf $d; mkdir -p $d/state
    printf 'state:\n  stateDir: %s\npipeline:\n  ringSize: %s\n' $d/state $r > $d/config.yaml
    echo "=== ring $r round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
    bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 --skip-fixed --agent-config $d/config.yaml ${JAR:+--agent-jar $JAR} 2>&1 | grep -E "churny|cold|warm|RSS|rss" | head -12
  done
done
