"""Static checks of the Dockerfile (no Docker engine here to build it): the stages and targets the
manifests use, a non-root agent, the entrypoints the DaemonSet relies on, COPY sources that the
.dockerignore lets through, and JVM memory flags that fit under the agent's memory limit.

Usage: check_dockerfile.py REPO_ROOT. Exit 1 on any problem.
"""
import fnmatch
import os
import re
import shlex
import sys

import manifests

MIB = {"k": 1 / 1024, "m": 1, "g": 1024}
# Thread stacks (~30 x 512 KiB), GC structures, symbol tables and other JVM internals (MiB): what the
# JVM commits besides heap, direct memory, metaspace and code cache.
JVM_OTHER_MIB = 48


def stages(text):
    """[(name, [instruction lines])] with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", "", "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#")))
    out = []
    for line in joined.splitlines():
        m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
        if m:
            out.append((m.group(2), [line]))
        elif line.strip() and out:
            out[-1][1].append(line.strip())
    return out


def ignored(path, patterns):
    """Docker's rule: the last matching pattern wins; a directory pattern covers what is under it."""
    result = False
    for p in patterns:
        neg = p.startswith("!")
        p = p.lstrip("!").rstrip("/")
        if p.startswith("**/"):
            hit = any(fnmatch.fnmatch(part, p[3:]) for part in path.split("/"))
        else:
            hit = fnmatch.fnmatch(path, p) or path.startswith(p + "/")
        if hit:
            result = not neg
    return result


def mib(flag_value):
    m = re.fullmatch(r"(\d+)([kKmMgG])", flag_value)
    return int(m.group(1)) * MIB[m.group(2).lower()]


def check(root):
    errors = []
    err = errors.append
    with open(os.path.join(root, "Dockerfile")) as f:
        st = stages(f.read())
    with open(os.path.join(root, ".dockerignore")) as f:
        ignore = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    named = {name: lines for name, lines in st}
    for target in ("sensor", "agent"):
        if target not in named:
            err(f"Dockerfile: no stage named {target}")
    if errors:
        return errors
    if st[-1][0] != "agent":
        err("Dockerfile: the agent stage must be last (the default target)")
    if not named["agent"][0].split()[1].startswith("eclipse-temurin:17-jre"):
        err("Dockerfile: the agent runs on eclipse-temurin:17-jre")
    if not named["sensor"][0].split()[1].startswith("debian:bookworm-slim"):
        err("Dockerfile: the sensor runs on debian:bookworm-slim")

    def last(stage, instr):
        vals = [l.split(None, 1)[1] for l in named[stage] if l.split()[0].upper() == instr]
        return vals[-1] if vals else None

    if (last("agent", "USER") or "0").split(":")[0] in ("0", "root"):
        err("Dockerfile: the agent stage must end as a non-root USER")
    if last("agent", "USER") and last("agent", "USER").split(":")[0] != "65532":
        err("Dockerfile: the agent's USER must be 65532 (the DaemonSet's runAsUser)")
    if last("agent", "ENTRYPOINT") != '["java", "-jar", "/opt/vigil/vigil.jar"]':
        err(f"Dockerfile: agent ENTRYPOINT is {last('agent', 'ENTRYPOINT')}")
    if last("sensor", "ENTRYPOINT") != '["/opt/vigil/vigil-sensor", "--socket", "/run/vigil/vigil.sock"]':
        err(f"Dockerfile: sensor ENTRYPOINT is {last('sensor', 'ENTRYPOINT')}")

    for name, lines in st:
        for l in lines:
            if l.split()[0].upper() != "COPY" or "--from=" in l:
                continue
            for src in l.split()[1:-1]:
                if src.startswith("--"):
                    continue
                path = src.rstrip("/")
                if ignored(path, ignore):
                    err(f"Dockerfile stage {name}: COPY {src} is excluded by .dockerignore")
                if path.startswith("deploy/") and not os.path.exists(os.path.join(root, path)):
                    err(f"Dockerfile stage {name}: COPY {src} does not exist")

    # JVM memory fits the container limit.
    env = last("agent", "ENV") or ""
    m = re.match(r'JDK_JAVA_OPTIONS="(.*)"', env)
    if not m:
        return errors + ["Dockerfile: the agent's JVM flags must be in ENV JDK_JAVA_OPTIONS"]
    flags = shlex.split(m.group(1))
    sized = {}
    for f in flags:
        for key, pattern in (("heap", r"-Xmx(\w+)"), ("direct", r"-XX:MaxDirectMemorySize=(\w+)"),
                             ("metaspace", r"-XX:MaxMetaspaceSize=(\w+)"),
                             ("codecache", r"-XX:ReservedCodeCacheSize=(\w+)")):
            hit = re.fullmatch(pattern, f)
            if hit:
                sized[key] = mib(hit.group(1))
    for key in ("heap", "direct", "metaspace", "codecache"):
        if key not in sized:
            err(f"Dockerfile: JVM flags leave {key} unbounded")
    for f in ("-XX:+ExitOnOutOfMemoryError", "-Dio.netty.native.workdir=/tmp"):
        if f not in flags:
            err(f"Dockerfile: JVM flags lack {f}")
    pod = manifests.pod_spec(manifests.load(os.path.join(root, "deploy")))
    agent = next(c for c in pod["containers"] if c["name"] == "agent")
    limit = agent["resources"]["limits"]["memory"]
    limit_mib = int(limit[:-2]) * {"Mi": 1, "Gi": 1024}[limit[-2:]]
    total = sum(sized.values()) + JVM_OTHER_MIB
    if total > limit_mib:
        err(f"JVM may use {total:.0f} MiB ({sized} + {JVM_OTHER_MIB} other) > the agent's limit {limit}")
    return errors


def main(root):
    errors = check(root)
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    if errors:
        return 1
    print("Dockerfile: stages, users, entrypoints, COPY sources and JVM memory check out")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
