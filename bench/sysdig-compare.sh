#!/usr/bin/env bash
# Vigil beside Falco's engine on identical events: Debian's sysdig (libsinsp, the library Falco is
# built on) filters the binary captures of the corpus (shared/corpus/scap/*.scap), `vigil replay`
# matches the same conditions as rules on their JSON-lines twins. Checks that both match the same
# events, then measures events/s for each with start-up excluded (bench/sysdig_compare.py says how).
#
# Usage: bench/sysdig-compare.sh [--quick] [--events N] [--runs R] [--skip-build] [--corpus DIR] [--out DIR] [--allow-skip]
#   --quick   agreement on every capture plus one small timed round (CI): checks, no figures worth quoting
#   --events  events per timed input (default 1000000: the twin / capture repeated to reach it)
#   --runs    runs per tool and input, medians reported (default 3)
#   --corpus  the scap corpus (default $VIGIL_SCAP_CORPUS, else $VIGIL_CORPUS/scap, else
#             ../shared/corpus/scap beside the repo, else /work/shared/corpus/scap)
#   --out     results directory (default bench/results/sysdig-compare-<UTC stamp>; --quick: a temp dir)
#   --allow-skip  (the test suite) without sysdig or the corpus, print SKIP: and exit 0 (still 1
#             when VIGIL_REQUIRE_INTEGRATION=1)
# Without sysdig (apt-get install --no-install-recommends sysdig) or the corpus it says which is
# missing and exits 1. Exits 1 when the match counts disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

quick=0; events=1000000; runs=3; min_events=400; build=1; out=""
corpus="${VIGIL_SCAP_CORPUS:-}"
[ -z "$corpus" ] && [ -n "${VIGIL_CORPUS:-}" ] && corpus="$VIGIL_CORPUS/scap"
allow_skip=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; events=2000; runs=1; min_events=3000 ;;
    --events) events="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --skip-build) build=0 ;;
    --corpus) corpus="$2"; shift ;;
    --out) out="$2"; shift ;;
    --allow-skip) allow_skip=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

skip() {
  if [ "$allow_skip" = 0 ]; then
    echo "sysdig-compare: $*" >&2; exit 1
  fi
  echo "SKIP: sysdig-compare: $*"
  if [ "${VIGIL_REQUIRE_INTEGRATION:-0}" = 1 ]; then
    echo "FAIL: skipped but VIGIL_REQUIRE_INTEGRATION=1"; exit 1
  fi
  exit 0
}

command -v sysdig >/dev/null || skip "sysdig is not installed (Debian: apt-get install --no-install-recommends sysdig)"
command -v python3 >/dev/null || skip "python3 is not installed"
if [ -z "$corpus" ]; then
  for d in ../shared/corpus/scap /work/shared/corpus/scap; do
    [ -f "$d/MANIFEST.tsv" ] && { corpus="$d"; break; }
  done
fi
[ -n "$corpus" ] && [ -f "$corpus/MANIFEST.tsv" ] || skip "no scap corpus (MANIFEST.tsv) found${corpus:+ in $corpus}; set VIGIL_SCAP_CORPUS or pass --corpus DIR"

if [ "$build" = 1 ]; then
  ./mvnw -q -B package -DskipTests -pl agent -am
fi
[ -f "$agent_jar" ] || { echo "no $agent_jar: build first (./mvnw -q -B package -DskipTests -pl agent -am)" >&2; exit 1; }

work=$(mktemp -d /tmp/vigil-sysdig-compare.XXXXXX)
chmod 0700 "$work"
trap 'rm -rf "$work"' EXIT
if [ -z "$out" ]; then
  if [ "$quick" = 1 ]; then
    out="$work/results"
  else
    out="bench/results/sysdig-compare-$(date -u +%Y%m%dT%H%M%SZ)"
  fi
fi
mkdir -p "$out"

echo "sysdig $(sysdig --version | awk '{print $3}') on $corpus; vigil: $agent_jar ($AGENT_JAVA_OPTS)"
python3 bench/sysdig_compare.py --corpus "$corpus" --jar "$agent_jar" --repeat bench/scap_repeat.py \
  --java-opts "$AGENT_JAVA_OPTS" --work "$work" --out "$out/sysdig-compare.json" \
  --events "$events" --runs "$runs" --min-events "$min_events"
