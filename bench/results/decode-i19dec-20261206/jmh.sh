#!/usr/bin/env bash
# usage: OUT=DIR jmh.sh JAR TAG: ChurnStagesBenchmark (decode, decode-state-rules; 2048 slots) and
# DecodeBenchmark.vigilDecoder*, -prof gc, each run under the shared benchmark lock; JSON and logs in $OUT
set -euo pipefail
jar=$1; tag=$2
out=${OUT:-/tmp}
flock /tmp/vigil-bench.lock java -jar "$jar" 'ChurnStagesBenchmark' -p stages=decode,decode-state-rules -p slots=2048 -foe true -prof gc -rf json -rff $out/churn-$tag.json > $out/churn-$tag.log 2>&1
flock /tmp/vigil-bench.lock java -jar "$jar" 'DecodeBenchmark.vigilDecoder' -foe true -prof gc -rf json -rff $out/decode-$tag.json > $out/decode-$tag.log 2>&1
