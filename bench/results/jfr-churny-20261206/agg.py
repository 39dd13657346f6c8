import json, sys, collections, subprocess
f = sys.argv[1]
data = json.loads(subprocess.check_output(["jfr", "print", "--events", "jdk.ExecutionSample", "--json", "--stack-depth", "64", f]))
ev = data["recording"]["events"]
by_thread = collections.Counter(); top = collections.defaultdict(collections.Counter); incl = collections.defaultdict(collections.Counter)
for e in ev:
    v = e["values"]; t = v["sampledThread"]["javaName"]
    frames = [fr["method"]["type"]["name"].split(".")[-1] + "." + fr["method"]["name"] for fr in v["stackTrace"]["frames"]]
    by_thread[t] += 1
    if frames: top[t][frames[0]] += 1
    for m in set(frames): incl[t][m] += 1
for t, n in by_thread.most_common(4):
    print(f"== {t}: {n} samples")
    print("  top:", ", ".join(f"{m} {c}" for m, c in top[t].most_common(18)))
    print("  incl:", ", ".join(f"{m} {c}" for m, c in incl[t].most_common(30)))
