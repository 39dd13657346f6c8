#!/usr/bin/env bash
# Reruns every benchmark: the JMH set, the end-to-end load test, and the side-by-side with Falco's
# engine (sysdig/libsinsp on the corpus captures), optionally the soak. Results under bench/results/.
#
#   bench/run-all.sh [--soak-minutes N]   (default: no soak; CI runs a 1-minute one, the README's is 60)
#
# Each part writes its own results (jmh-<stamp>.json, load-<stamp>/, sysdig-compare-<stamp>/,
# soak-<stamp>/). The first part that fails, or whose input is missing (Falco's rule files and the
# scap captures under $VIGIL_CORPUS, sysdig), stops the run with its reason and a non-zero exit.
# On 2 cores, run it on an otherwise idle machine: the figures are rates.
set -euo pipefail
cd "$(dirname "$0")/.."

soak_minutes=0
while [ $# -gt 0 ]; do
  case "$1" in
    --soak-minutes) soak_minutes="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

./mvnw -q -B package -DskipTests -pl agent,bench -am
echo "== JMH (bench/run-benchmarks.sh)"
bench/run-benchmarks.sh
echo "== load test (bench/load-test.sh)"
bench/load-test.sh --skip-build
echo "== sysdig/libsinsp beside vigil replay (bench/sysdig-compare.sh)"
bench/sysdig-compare.sh --skip-build
if [ "$soak_minutes" -gt 0 ]; then
  echo "== soak (bench/soak.sh, $soak_minutes min)"
  bench/soak.sh --minutes "$soak_minutes" --skip-build
fi
echo "== done: results under bench/results/"
