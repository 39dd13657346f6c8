#!/usr/bin/env bash
# alternate-ring.sh JAR SIZE…: ../modes-20261206/alternate-probed.sh's rounds (churny, 1 connection, 10 s at max
# rate, memory probe before and after), one build, the ring size (pipeline.ringSize) alternated instead of the jar.
# Each run gets a fresh config: its own state directory and the ring size.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$(realpath "$1")"; shift
cd "$here/../../.."
probe=/tmp/vigil-memprobe
gcc -O2 -o "$probe" bench/results/modes-20261206/memprobe.c
host() { for _ in 1 2 3; do "$probe" 0 1; done | tr ' ' '\n' | sort -n | sed -n 3p; }
cfgdir=$(mktemp -d /tmp/vigil-ring-XXXXXX)
# each run's load-<stamp> directory goes there too: only the summary lines below are kept
export BENCH_RESULTS_ROOT="$cfgdir"
trap 'rm -rf "$cfgdir"' EXIT
for round in $(seq 1 "${ROUNDS:-3}"); do
  for size in "$@"; do
    rm -rf "$cfgdir/state"; mkdir -p "$cfgdir/state"
    printf 'state:\n  stateDir: %s\npipeline:\n  ringSize: %s\n' "$cfgdir/state" "$size" > "$cfgdir/config.yaml"
    exec 9>/tmp/vigil-bench.lock; flock 9
    before=$(host)
    out=$(bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 --skip-fixed --agent-jar "$jar" \
      --agent-config "$cfgdir/config.yaml" 2>&1 | grep -E "warm max|CPU")
    after=$(host)
    flock -u 9
    rate=$(echo "$out" | awk -F'|' '/warm max/ {gsub(/[ ,]/, "", $2); sub(/\(.*/, "", $2); print $2}')
    cpu=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, ";"); gsub(/ /, "", a[2]); print a[2]}')
    dropped=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, "/"); gsub(/ /, "", a[1]); print a[1]}')
    echo "round $round ring-$size rate $rate cpu% $cpu dropped $dropped host-ns before $before after $after"
  done
done
