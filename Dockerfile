# syntax=docker/dockerfile:1
# Vigil images, built from the repository root:
#   docker build --target sensor -t vigil-sensor .
#   docker build -t vigil-agent .          # the agent is the last stage, so the default
# Not built on the development machine, which has no Docker engine: keep every step a plain
# command that also runs by hand (make -C sensor; mvn package), so it is checked there.

# ---------------------------------------------------------------- sensor: build
FROM debian:bookworm AS sensor-build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm libbpf-dev bpftool gcc libc6-dev make \
      libelf-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY sensor/ sensor/
# Only the sensor binary (the test helpers are static builds the image does not need).
# The Makefile dumps vmlinux.h from the *build* host's /sys/kernel/btf/vmlinux: the build host
# needs BTF (any recent distribution kernel); CO-RE relocations then fit each node's kernel.
RUN make -C sensor build/vigil-sensor

# ---------------------------------------------------------------- sensor: runtime
FROM debian:bookworm-slim AS sensor
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g \
 && rm -rf /var/lib/apt/lists/*
COPY --from=sensor-build /src/sensor/build/vigil-sensor /opt/vigil/vigil-sensor
# Root, on purpose: loading BPF programs needs capabilities, and the DaemonSet gives this
# container only CAP_BPF and CAP_PERFMON, dropping the rest, not privileged.
# The agent allows uid 0 on its socket (ingest.allowedUids).
USER 0:0
ENTRYPOINT ["/opt/vigil/vigil-sensor", "--socket", "/run/vigil/vigil.sock"]

# ---------------------------------------------------------------- agent: build
FROM maven:3.9-eclipse-temurin-17 AS agent-build
WORKDIR /src
# The build stage's Maven (3.9) stands in for ./mvnw (same major line; the wrapper would
# download Maven again on every uncached build). The reactor needs every module's pom.xml;
# -pl agent -am builds only the agent and what it depends on.
COPY pom.xml ./
COPY agent/ agent/
COPY bench/ bench/
# The shipped rules are embedded in the jar as the default ruleset.
COPY rules/ rules/
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl agent -am package -DskipTests \
 && cp agent/target/vigil.jar /vigil.jar

# ---------------------------------------------------------------- agent: runtime (default)
FROM eclipse-temurin:17-jre AS agent
# A fixed non-root uid/gid (65532, as in distroless "nonroot"): the DaemonSet's runAsUser,
# fsGroup and the init container's chown use the same number.
RUN groupadd --system --gid 65532 vigil \
 && useradd --system --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin vigil \
 && install -d -o 65532 -g 65532 -m 0750 /var/lib/vigil /var/lib/vigil/spool /run/vigil
COPY --from=agent-build /vigil.jar /opt/vigil/vigil.jar
# A default config for `docker run` on a host (host paths as they are; in Kubernetes the
# ConfigMap is mounted over /etc/vigil).
COPY deploy/docker/config.yaml /etc/vigil/config.yaml
COPY deploy/docker/local_rules.yaml /etc/vigil/rules/local_rules.yaml
# JVM sized for a node agent under a 448Mi container limit (deploy/test/check-dockerfile.sh adds
# the bounded areas up and keeps them under it):
# - SerialGC: the hot path allocates nothing per event, so collections are rare and short on a
#   192 MiB heap; Serial has no concurrent GC threads and the least memory overhead of all
#   collectors, which matters more on every node of a fleet than G1's shorter old-gen pauses.
# - Heap 96-192 MiB with a 16 MiB young generation: the live set is ~68 MiB (process table, the
#   preallocated ring, rules) and almost all of it is allocated at start, so a small young
#   generation costs no collections under load, while a large one is memory every node touches:
#   RSS at 200k events/s 179 MiB, against 205 MiB with -Xms128m and the default young size
#   (bench/load-test.sh and the README's benchmark table). -XX:-UsePerfData: no hsperfdata file
#   and no 20-a-second statistics sampling while idle (jcmd still attaches by pid).
# - Direct memory 64 MiB (Netty's socket buffers: 64 KiB reads per connection); metaspace and
#   code cache bounded, so that
#   heap + direct + metaspace + code cache + stacks stay under the limit (no OOM kill; the JVM's
#   own OutOfMemoryError exits at once instead: a clean restart beats a half-dead agent).
# - 512 KiB stacks: the rule compiler's recursion is depth-limited; ~30 threads.
# - ActiveProcessorCount=2: thread pools (Netty, JIT, ForkJoin) sized for 2, the same on every
#   node: not for the node's 64 cores (no CPU limit) nor for 1 (the 1-CPU limit, which would
#   leave the JIT and the event loop fighting the pipeline thread).
# - Netty extracts its native epoll library to /tmp (an emptyDir; the root is read-only).
# In JDK_JAVA_OPTIONS so that a pod can replace them (env JDK_JAVA_OPTIONS) without a new image.
ENV JDK_JAVA_OPTIONS="-XX:+UseSerialGC -Xms96m -Xmn16m -Xmx192m -XX:-UsePerfData -XX:MaxDirectMemorySize=64m \
-XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=48m -Xss512k -XX:ActiveProcessorCount=2 \
-XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Dio.netty.native.workdir=/tmp"
USER 65532:65532
EXPOSE 9376
ENTRYPOINT ["java", "-jar", "/opt/vigil/vigil.jar"]
CMD ["run", "--config", "/etc/vigil/config.yaml"]
