# Shared by bench/load-test.sh and bench/soak.sh (sourced from the repository root): the jars, the
# JVM options, a results directory and a private work directory, and small helpers.

jar=bench/target/benchmarks.jar
agent_jar=agent/target/vigil.jar
# The image's JVM options (Dockerfile): what the DaemonSet runs with.
AGENT_JAVA_OPTS="${AGENT_JAVA_OPTS:--XX:+UseSerialGC -Xms96m -Xmn16m -Xmx192m -XX:-UsePerfData -XX:MaxDirectMemorySize=64m -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=48m -Xss512k -XX:ActiveProcessorCount=2 -XX:+ExitOnOutOfMemoryError}"
# The agent's java (AGENT_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java to try a newer JDK); the tools run on `java`.
AGENT_JAVA="${AGENT_JAVA:-java}"
LG_JAVA_OPTS="${LG_JAVA_OPTS:--Xmx1g}"

# Stops with the reason when a jar the run needs was not built (--skip-build before any build).
require_jars() {
  local f
  for f in "$jar" "$agent_jar"; do
    [ -f "$f" ] || { echo "$(basename "$0"): no $f: build first (./mvnw -q -B package -DskipTests -pl bench -am)" >&2; exit 1; }
  done
}

# Sets results (NAME-STAMP, created, under BENCH_RESULTS_ROOT: bench/results unless set; a series of runs
# that keeps its own summary points it elsewhere) and work (a fresh directory, mode 0700).
bench_dirs() { # name
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  results="${BENCH_RESULTS_ROOT:-bench/results}/$1-$stamp"
  mkdir -p "$results"
  work=$(mktemp -d "/tmp/vigil-$1.XXXXXX")
  chmod 0700 "$work"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # url, what
  for _ in $(seq 1 150); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "$2 did not come up ($1)" >&2; exit 1
}
