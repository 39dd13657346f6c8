#!/bin/bash
cd /work/main
for round in 1 2 3; do
  for mode in free pinned; do
    if [ $mode = pinned ]; then touch /tmp/pin-on; else rm -f /tmp/pin-on; fi
    echo "=== $mode round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
    flock /tmp/vigil-bench.lock bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 \
      --skip-fixed --agent-jar /tmp/vigil-idx.jar 2>&1 | grep -E "warm max|CPU|latency|RSS"
  done
done
rm -f /tmp/pin-on
