#!/usr/bin/env bash
# alternate-c2c.sh A.jar B.jar …: ../modes-20261206/alternate-probed.sh with a second probe, c2c.c: the round trip
# of one cache line between a thread on CPU 0 and one on CPU 1 (ns, median of 5 × 200k round trips), just before
# and just after each run. On this VM (2 vCPUs of an AMD EPYC, which has one L3 per core complex) the round trip
# says whether the host placed the two vCPUs where they share a cache or not at that time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
probe=/tmp/vigil-memprobe; c2c=/tmp/vigil-c2c
gcc -O2 -o "$probe" "$here/../modes-20261206/memprobe.c"
gcc -O2 -pthread -o "$c2c" "$here/c2c.c"
host() { for _ in 1 2 3; do "$probe" 0 1; done | tr ' ' '\n' | sort -n | sed -n 3p; }
rt() { "$c2c" 5 | awk '{print $6}'; }
for round in $(seq 1 "${ROUNDS:-3}"); do
  for j in "$@"; do
    exec 9>/tmp/vigil-bench.lock; flock 9
    before=$(host); c2cb=$(rt)
    out=$(bench/load-test.sh --skip-build --seconds 10 --streams churny --connections 1 --skip-fixed --agent-jar "$j" 2>&1 \
      | grep -E "warm max|CPU")
    c2ca=$(rt); after=$(host)
    flock -u 9
    rate=$(echo "$out" | awk -F'|' '/warm max/ {gsub(/[ ,]/, "", $2); sub(/\(.*/, "", $2); print $2}')
    cpu=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, ";"); gsub(/ /, "", a[2]); print a[2]}')
    dropped=$(echo "$out" | awk -F'|' '/CPU/ {split($2, a, "/"); gsub(/ /, "", a[1]); print a[1]}')
    echo "round $round $(basename "$j") rate $rate cpu% $cpu dropped $dropped host-ns before $before after $after c2c-ns before $c2cb after $c2ca"
  done
done
