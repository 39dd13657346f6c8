import json,sys,glob,os,statistics
d=sys.argv[1]
rows={}
for f in sorted(glob.glob(d+'/*.json')):
    side,r=os.path.basename(f)[:-5].split('-')
    for b in json.load(open(f)):
        name=b['benchmark'].split('.')[-1]
        sm=b['secondaryMetrics']
        s=b['primaryMetric']['score']
        g=sm.get('gc.alloc.rate.norm',{}).get('score')
        tc=sm.get('task-clock',{}).get('score')
        rows.setdefault(name,{}).setdefault(side,[]).append((s,g,tc*1e6 if tc else None))
for n,v in rows.items():
    for side in ('main','i19v'):
        xs=v.get(side,[])
        med=lambda i: statistics.median([x[i] for x in xs if x[i] is not None]) if any(x[i] is not None for x in xs) else float('nan')
        print(f"{n:22s} {side:5s} wall ns/op: " + " ".join(f"{x[0]:6.0f}" for x in xs) + f" | med {med(0):6.0f} | cpu ns/op (task-clock): " + " ".join(f"{x[2]:6.0f}" if x[2] else "  -" for x in xs) + f" | med {med(2):6.0f} | B/op " + " ".join(f"{x[1]:.3f}" for x in xs))
