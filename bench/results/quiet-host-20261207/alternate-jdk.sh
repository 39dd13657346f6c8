#!/usr/bin/env bash
# alternate-jdk.sh JAR JAVA…: ../modes-20261206/alternate-probed.sh's rounds (churny, 1 connection, 10 s at max
# rate, memory probe before and after) for one build, the agent's java (AGENT_JAVA) alternated instead of the jar.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$(realpath "$1")"; shift
cd "$here/../../.."
probe=/tmp/vigil-memprobe
gcc -O2 -o "$probe" bench/results/modes-20261206/memprobe.c
host() { for _ in 1 2 3; do "$probe" 0 1; done | tr ' ' '\n' | sort -n | sed -n 3p; }
# each run's load-<stamp> directory goes to a temporary root: only the summary lines below are kept
export BENCH_RESULTS_ROOT; BENCH_RESULTS_ROOT=$(mktemp -d /tmp/vigil-jdk-XXXXXX)
trap 'rm -rf "$BENCH_RESULTS_ROOT"' EXIT
for round in $(seq 1 "${ROUNDS:-3}"); do
  for java in "$@"; do
    exec 9>/tmp/vigil-bench.lock; flock 9
    before=$(host)
    out=$(AGENT_JAVA="$java" bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 --skip-fixed \
      --agent-jar "$jar" 2>&1 | grep -E "warm max|CPU")
    after=$(host)
    flock -u 9
    rate=$(echo "$out" | awk -F'|' '/warm max/ {gsub(/[ ,]/, "", $2); sub(/\(.*/, "", $2); print $2}')
    cpu=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, ";"); gsub(/ /, "", a[2]); print a[2]}')
    dropped=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, "/"); gsub(/ /, "", a[1]); print a[1]}')
    echo "round $round jdk-$("$java" -version 2>&1 | head -1 | sed 's/.*version "\([0-9]*\).*/\1/') rate $rate cpu% $cpu dropped $dropped host-ns before $before after $after"
  done
done
