# Aggregates async-profiler collapsed stacks (threads option: first frame is [thread]) by thread: self and inclusive.
import sys, collections, re
by_thread = collections.Counter(); self_c = collections.defaultdict(collections.Counter); incl = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1]):
    stack, n = line.rstrip().rsplit(' ', 1); n = int(n)
    frames = stack.split(';')
    t = frames[0].strip('[]'); t = re.sub(r' tid=\d+', '', t)
    fr = [f.split('/')[-1].replace('_[j]','').replace('_[i]','') for f in frames[1:]]
    by_thread[t] += n
    if fr: self_c[t][fr[-1]] += n
    for f in set(fr): incl[t][f] += n
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
for t, n in by_thread.most_common(int(sys.argv[3]) if len(sys.argv) > 3 else 3):
    print(f"== {t}: {n} samples")
    print("  self:", ", ".join(f"{k} {c}" for k, c in self_c[t].most_common(top)))
    print("  incl:", ", ".join(f"{k} {c}" for k, c in incl[t].most_common(top)))
