#!/bin/bash
cd "$(dirname "$0")/../../.."
for round in 1 2 3; do
  for j in /tmp/vigil-pre19.jar /tmp/vigil-e2e-now.jar; do
    echo "=== $j round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
    bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 --skip-fixed --agent-jar $j 2>&1 | grep -E "results in|warm max|cold|RSS|p50|CPU"
  done
done
echo "=== full, now"
bench/load-test.sh --skip-build --seconds 10 --agent-jar /tmp/vigil-e2e-now.jar 2>&1 | tail -40
