# p99.py FILE…: per build, the fixed-rate runs' p99 in-agent latency (µs): range and median, and a two-sided
# Mann-Whitney test (normal approximation) of each build against the first one named.
import math, re, statistics, sys
runs, order, build = {}, [], None
for f in sys.argv[1:]:
    for line in open(f):
        m = re.match(r"round \d+ (\S+)", line)
        if m:
            build = m[1]
            if build not in order:
                order.append(build)
        m = re.search(r"latency p50/p99/p99.9 us\s*\|\s*(\d+) / (\d+) / (\d+)", line)
        if m and build:
            runs.setdefault(build, []).append(int(m[2]))
def mann_whitney(a, b):
    pooled = sorted(a + b)
    rank = {v: statistics.mean(i + 1 for i, x in enumerate(pooled) if x == v) for v in set(pooled)}
    u = sum(rank[x] for x in a) - len(a) * (len(a) + 1) / 2
    mu, sd = len(a) * len(b) / 2, math.sqrt(len(a) * len(b) * (len(a) + len(b) + 1) / 12)
    return math.erfc(abs(u - mu) / sd / math.sqrt(2))
for k in order:
    v = runs[k]
    line = f"{k}: {len(v)} runs, p99 {min(v)}-{max(v)} us, median {statistics.median(v):.0f}"
    if k != order[0]:
        line += f"; against {order[0]}: p = {mann_whitney(runs[order[0]], v):.3f}"
    print(line)
