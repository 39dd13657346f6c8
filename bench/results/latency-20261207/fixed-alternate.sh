#!/usr/bin/env bash
# fixed-alternate.sh JAR…: bench/load-test.sh (churny, 1 connection, 3 s at max rate, then its fixed 100k events/s run
# and 10 s idle) for each build in turn, ROUNDS rounds; prints each run's in-agent latency and idle CPU.
# Run from anywhere: it works in the checkout it lives in.
set -euo pipefail
cd "$(dirname "$0")/../../.."
export BENCH_RESULTS_ROOT; BENCH_RESULTS_ROOT=$(mktemp -d /tmp/vigil-fixed-XXXXXX)
trap 'rm -rf "$BENCH_RESULTS_ROOT"' EXIT
for round in $(seq 1 "${ROUNDS:-3}"); do
  for j in "$@"; do
    out=$(bench/load-test.sh --skip-build --seconds 3 --streams churny --connections 1 --agent-jar "$j" 2>&1 | grep -E "fixed|idle" )
    echo "round $round $(basename $j)"; echo "$out"
  done
done
