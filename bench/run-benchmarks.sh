#!/usr/bin/env bash
# Runs the JMH benchmarks (each beside its baseline, with -prof gc) and writes JSON under bench/results/.
# Usage: bench/run-benchmarks.sh [JMH regex] [extra JMH args…]   e.g. bench/run-benchmarks.sh Decode
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B package -DskipTests -pl bench -am
mkdir -p bench/results
filter="${1:-.}"; shift || true
stamp=$(date -u +%Y%m%dT%H%M%SZ)
java -jar bench/target/benchmarks.jar "$filter" -prof gc -rf json -rff "bench/results/jmh-$stamp.json" "$@"
echo "results: bench/results/jmh-$stamp.json"
