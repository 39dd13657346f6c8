#!/usr/bin/env bash
# Runs the JMH benchmarks (each beside its baseline, with -prof gc) and writes JSON under bench/results/.
# Usage: bench/run-benchmarks.sh [--skip-build] [JMH regex] [extra JMH args…]   e.g. bench/run-benchmarks.sh Decode
#
# MatchBenchmark's `upstream` ruleset reads Falco's rule files from $VIGIL_CORPUS/falco-rules/
# (default: ../shared/corpus beside the repository); a checkout of falcosecurity/rules' rules/
# directory holds them. Without them the run stops before building, naming the missing files; run
# `MatchBenchmark -p ruleset=synthetic-10,synthetic-100,synthetic-1000` to leave them out.
# Exits non-zero when any benchmark fails (JMH's -foe true) or writes no results.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
if [ "${1:-}" = "--skip-build" ]; then build=0; shift; fi
filter="${1:-.}"; shift || true
corpus="${VIGIL_CORPUS:-../shared/corpus}"

# Does the run include MatchBenchmark's upstream ruleset? JMH matches the regex against
# dev.vigil.bench.<package>.<Class>.<method>; an explicit -p ruleset=… without upstream leaves it out.
needs_falco_rules=0
for name in dev.vigil.bench.rules.MatchBenchmark.vigilEngine dev.vigil.bench.rules.MatchBenchmark.baselineNaiveInterpreter; do
  if printf '%s\n' "$name" | grep -Eq -- "$filter"; then needs_falco_rules=1; fi
done
for arg in "$@"; do
  case "$arg" in
    ruleset=*upstream*) ;;
    ruleset=*) needs_falco_rules=0 ;;
  esac
done
if [ "$needs_falco_rules" = 1 ]; then
  missing=""
  for f in falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml falco-deprecated_rules.yaml application_rules.yaml; do
    [ -f "$corpus/falco-rules/$f" ] || missing="$missing $corpus/falco-rules/$f"
  done
  if [ -n "$missing" ]; then
    echo "run-benchmarks: MatchBenchmark (ruleset=upstream) needs Falco's rule files, missing:$missing" >&2
    echo "run-benchmarks: set VIGIL_CORPUS=DIR (DIR/falco-rules/ holding them), or pass -p ruleset=synthetic-10,synthetic-100,synthetic-1000" >&2
    exit 1
  fi
fi

if [ "$build" = 1 ]; then
  ./mvnw -q -B package -DskipTests -pl bench -am
fi
[ -f bench/target/benchmarks.jar ] || { echo "run-benchmarks: no bench/target/benchmarks.jar: build first (./mvnw -q -B package -DskipTests -pl bench -am)" >&2; exit 1; }
mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
result="bench/results/jmh-$stamp.json"
# -foe true: a benchmark that throws fails the run (JMH otherwise reports it and exits 0).
java -jar bench/target/benchmarks.jar "$filter" -foe true -prof gc -rf json -rff "$result" \
  -jvmArgsAppend "-Dvigil.corpus=$(realpath -m "$corpus")" "$@"
[ -s "$result" ] || { echo "run-benchmarks: JMH wrote no results ($result)" >&2; exit 1; }
echo "results: $result"
