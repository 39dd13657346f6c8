#!/usr/bin/env python3
"""per-round.py FILE…: per round, the rate and the agent CPU an event of the one build whose label has 'new'
against vigil-main.jar in the same round, over all the files' rounds; and a two-sided sign test."""
import math
import re
import statistics as st
import sys

rows = []
for f in sys.argv[1:]:
    rounds = {}
    for line in open(f):
        m = re.match(r'round (\d+) (\S+) rate (\d+) cpu% ([\d.]+)', line)
        if m:
            rounds.setdefault(int(m[1]), {})[m[2]] = (int(m[3]), float(m[4]))
    for r, builds in rounds.items():
        new = next(k for k in builds if 'new' in k)
        rate_main, cpu_main = builds['vigil-main.jar']
        rate_new, cpu_new = builds[new]
        rows.append((rate_new / rate_main, (cpu_new / rate_new) / (cpu_main / rate_main)))
rates = [r for r, _ in rows]
cpus = [c for _, c in rows]
n = len(rows)
k = sum(1 for r in rates if r > 1)
p = min(1.0, 2 * sum(math.comb(n, i) for i in range(max(k, n - k), n + 1)) / 2 ** n)
print(f"{n} rounds: rate new/main per round median {st.median(rates):.3f} (mean {st.mean(rates):.3f}), "
      f"higher in {k} of {n} (sign test p = {p:.2f}); agent CPU an event new/main median {st.median(cpus):.3f}")
