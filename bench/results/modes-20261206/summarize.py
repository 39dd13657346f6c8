# summarize.py [--by-jar] FILE…: per build, the runs' rates and µs of agent CPU an event, medians, and the per-round
# ratio of each build to the first. Builds other than pre19 count as one ("now") unless --by-jar.
import re, statistics, sys
runs = {}
order = []
ceilings = {}  # per build: the socket ceiling of each run, where the file records it
rss = {}  # per build: the agent's peak RSS (MiB) of each run, where the file records it
by_jar = sys.argv[1:2] == ["--by-jar"]
for f in sys.argv[2 if by_jar else 1:]:
    for line in open(f):
        m = re.match(r"round (\d+) (\S+) rate (\d+) cpu% ([\d.]+) dropped (\d+)", line)
        if not m:
            continue
        r, jar, rate, cpu, dropped = int(m[1]), m[2], int(m[3]), float(m[4]), int(m[5])
        key = jar if by_jar or not jar.startswith("vigil-") or "pre19" in jar else "now"
        if key not in order:
            order.append(key)
        # x[5]: the CPU an event left to everything else on the two cores (the load generator, the kernel)
        runs.setdefault(key, []).append((f, r, rate, cpu / 100 / rate * 1e6, dropped, (200 - cpu) / 100 / rate * 1e6))
        c = re.search(r" ceiling (\d+)", line)
        if c:
            ceilings.setdefault(key, []).append((rate, int(c[1])))
        m = re.search(r" rss-mib ([\d.]+)", line)
        if m:
            rss.setdefault(key, []).append(float(m[1]))
for k in order:
    rates = [x[2] for x in runs[k]]
    us = [x[3] for x in runs[k]]
    print(f"{k}: {len(rates)} runs, {min(rates)/1e6:.2f}-{max(rates)/1e6:.2f} M events/s, median {statistics.median(rates)/1e6:.2f} M; "
          f"{min(us):.2f}-{max(us):.2f} us an event, median {statistics.median(us):.2f}; >= 1.5 M in {sum(r >= 1.5e6 for r in rates)}; "
          f"dropped {sum(x[4] for x in runs[k])}; rest of the 2 cores {statistics.median(x[5] for x in runs[k]):.2f} us an event")
med = statistics.median
for k in order:
    if k in ceilings:
        cs = ceilings[k]
        print(f"{k}: socket ceiling in the same runs ({len(cs)}): median {med(c for _, c in cs)/1e6:.2f} M; "
              f"rate / ceiling {min(r / c for r, c in cs):.2f}-{max(r / c for r, c in cs):.2f}, median {med(r / c for r, c in cs):.2f}")
for k in order:
    if k in rss:
        print(f"{k}: agent peak RSS ({len(rss[k])} runs): {min(rss[k]):.1f}-{max(rss[k]):.1f} MiB, median {med(rss[k]):.1f}")
for later in order[1:]:
    # only the rounds both builds ran: a build measured in fewer series is compared with its own rounds
    a, b = (dict(((x[0], x[1]), x) for x in runs[k]) for k in (order[0], later))
    paired = [key for key in a if key in b]
    ratios = sorted(b[key][2] / a[key][2] for key in paired)
    print(f"per round {later}/{order[0]} ({len(paired)} rounds): {ratios[0]:.2f}-{ratios[-1]:.2f}x, median {med(ratios):.2f}x; "
          f"median against median {med(b[key][2] for key in paired) / med(a[key][2] for key in paired):.2f}x; "
          f"CPU an event, median against median {med(a[key][3] for key in paired) / med(b[key][3] for key in paired):.2f}x less")
