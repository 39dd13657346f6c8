#!/usr/bin/env bash
# alternate-probed.sh A.jar B.jar …: bench/results/clock-20261206/alternate.sh (churny, 1 connection, 10 s at max
# rate, ROUNDS rounds), with the host's memory latency (memprobe.c, ns a load, median of 3 walks on each of
# CPUs 0 and 1) taken just before and just after each run, so that runs can be compared in the same host state,
# and the run's socket ceiling and the agent's peak RSS.
# A build is a jar, or LABEL::JAR::NAME=VALUE::… to run that jar with those variables set for bench/load-test.sh
# (the agent's JVM options AGENT_JAVA_OPTS, its java AGENT_JAVA), named LABEL in the output, e.g.
#   ROUNDS=8 alternate-probed.sh main.jar "no-coops::main.jar::AGENT_JAVA_OPTS=$(. bench/lib.sh; echo "$AGENT_JAVA_OPTS") -XX:-UseCompressedOops"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
probe=/tmp/vigil-memprobe
gcc -O2 -o "$probe" "$here/memprobe.c"
host() { for _ in 1 2 3; do "$probe" 0 1; done | tr ' ' '\n' | sort -n | sed -n 3p; }
# each run's load-<stamp> directory goes to a temporary root: only the summary lines below are kept
export BENCH_RESULTS_ROOT; BENCH_RESULTS_ROOT=$(mktemp -d /tmp/vigil-alternate-XXXXXX)
trap 'rm -rf "$BENCH_RESULTS_ROOT"' EXIT
for round in $(seq 1 "${ROUNDS:-3}"); do
  for build in "$@"; do
    variant=()
    if [[ "$build" == *::* ]]; then
      rest=${build#*::}; label=${build%%::*}; j=${rest%%::*}
      while [[ "$rest" == *::* ]]; do rest=${rest#*::}; variant+=("${rest%%::*}"); done
    else
      j=$build; label=$(basename "$j")
    fi
    exec 9>/tmp/vigil-bench.lock; flock 9
    before=$(host)
    out=$(env "${variant[@]}" bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 --skip-fixed \
      --agent-jar "$j" 2>&1 | grep -E "warm max|CPU|peak RSS")
    after=$(host)
    flock -u 9
    rate=$(echo "$out" | awk -F'|' '/warm max/ {gsub(/[ ,]/, "", $2); sub(/\(.*/, "", $2); print $2}')
    cpu=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, ";"); gsub(/ /, "", a[2]); print a[2]}')
    dropped=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, "/"); gsub(/ /, "", a[1]); print a[1]}')
    # the same run's socket ceiling: the load generator into a reader that only discards (the load test's last column)
    ceiling=$(echo "$out" | awk -F'|' '/warm max/ {gsub(/[ ,]/, "", $3); sub(/\(.*/, "", $3); print $3}')
    rss=$(echo "$out" | awk -F'|' '/peak RSS/ {gsub(/ /, "", $2); print $2}')
    echo "round $round $label rate $rate cpu% $cpu dropped $dropped host-ns before $before after $after ceiling $ceiling rss-mib $rss"
  done
done
