#!/bin/bash
# ChurnStagesBenchmark (one thread, ring of 2,048 slots) of two bench builds, alternated ROUNDS times:
#   jmh-alternate.sh BEFORE-benchmarks.jar AFTER-benchmarks.jar [ROUNDS] [STAGES]
# Each run is a fresh JVM (JMH fork) with -prof gc; prints ns/op and B/op per stage.
rounds=${3:-2}
stages=${4:-state-rules,decode-state-rules}
for round in $(seq 1 "$rounds"); do
  for j in "$1" "$2"; do
    echo "=== $j round $round"
    flock /tmp/vigil-bench.lock java -jar "$j" ChurnStagesBenchmark -p stages="$stages" -p slots=2048 \
      -wi 3 -w 2 -i 5 -r 2 -f 1 -prof gc 2>&1 \
      | grep -E "^ChurnStagesBenchmark.line"
  done
done
