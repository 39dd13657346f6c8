import sys, collections
def load(f):
    th = collections.defaultdict(collections.Counter); tot = collections.Counter(); incl = collections.defaultdict(collections.Counter)
    for line in open(f):
        stack, n = line.rsplit(' ', 1); n = int(n)
        frames = stack.split(';')
        t = frames[0]
        tot[t] += n
        leaf = frames[-1].split('(')[0]
        th[t][leaf.rsplit('/',1)[-1]] += n
        seen=set()
        for fr in frames[1:]:
            k = fr.rsplit('/',1)[-1]
            if k not in seen:
                seen.add(k); incl[t][k]+=n
    return th, tot, incl
a = load(sys.argv[1]); b = load(sys.argv[2])
for t in ['[vigil-pipeline', '[vigil-ingest']:
    ka = [k for k in a[1] if k.startswith(t)][0]; kb = [k for k in b[1] if k.startswith(t)][0]
    print(f"== {t}: {a[1][ka]} vs {b[1][kb]} samples")
    keys = set(list(dict(a[0][ka].most_common(25)).keys()) + list(dict(b[0][kb].most_common(25)).keys()))
    rows = sorted(keys, key=lambda k: -(a[0][ka][k]/a[1][ka] - b[0][kb][k]/b[1][kb]))
    for k in rows[:12] + rows[-6:]:
        print(f"  {k[:60]:60s} {100*a[0][ka][k]/a[1][ka]:5.1f}% {100*b[0][kb][k]/b[1][kb]:5.1f}%")
    for k in ['SpinYieldParkWaitStrategy.waitFor','DeferredDecoder.decode','StateEnricher.enrich','RuleEngine.match','SingleProducerSequencer.next','FlatLineDecoder.decode','Thread.yield','LockSupport.parkNanos']:
        ia = sum(v for kk,v in a[2][ka].items() if kk.startswith(k)); ib = sum(v for kk,v in b[2][kb].items() if kk.startswith(k))
        print(f"  incl {k:45s} {100*ia/a[1][ka]:5.1f}% {100*ib/b[1][kb]:5.1f}%")
