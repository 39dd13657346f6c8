#!/bin/bash
# Alternates agent builds on the churny stream over one connection, ROUNDS (default 3) times:
#   ROUNDS=3 alternate.sh A.jar B.jar [C.jar …]
# Each run is bench/load-test.sh's cold and warm figures beside the socket's ceiling in the same run.
# µs of agent CPU an event = CPU % / 100 / (events/s) · 10^6: less noisy than the rate on a shared VM.
cd "$(dirname "$0")/../../.."
for round in $(seq 1 "${ROUNDS:-3}"); do
  for j in "$@"; do
    echo "=== $j round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
    flock /tmp/vigil-bench.lock bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 \
      --skip-fixed --agent-jar "$j" 2>&1 | grep -E "warm max|CPU|latency|RSS"
  done
done
