#!/usr/bin/env bash
# A/B: main's bench jar and this branch's, alternated, DecodeBenchmark with -prof gc; load average per run.
set -eu
out=$1; rounds=${2:-3}; shift 2
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  for side in main i19v; do
    jar=$(ls /tmp/i19v/$side-*-benchmarks.jar | head -1)
    [ "$side" = i19v ] && [ -n "${NEWJAR:-}" ] && jar=$NEWJAR
    echo "$side round $r start $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.txt"
    java -jar "$jar" 'DecodeBenchmark.(vigil|jackson)' -foe true -prof gc -f ${FORKS:-1} -wi 3 -i 5 -rf json -rff "$out/$side-$r.json" "$@" > "$out/$side-$r.log" 2>&1
    echo "$side round $r end $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.txt"
  done
done
