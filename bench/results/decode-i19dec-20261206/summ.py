# summ.py DIR: one line per JMH result of the JSON files in DIR (by time): score, error, B/op
import json,sys,glob,os
rows=[]
for f in sorted(glob.glob(sys.argv[1] + '/*.json'), key=os.path.getmtime):
    for r in json.load(open(f)):
        name=r['benchmark'].split('.')[-2]+'.'+r['benchmark'].split('.')[-1]
        p=r.get('params',{}); tag=p.get('stages','')
        sm=r['primaryMetric']; alloc=r['secondaryMetrics'].get('gc.alloc.rate.norm',r['secondaryMetrics'].get('·gc.alloc.rate.norm',{})).get('score')
        print(f"{os.path.basename(f):22s} {name:40s} {tag:20s} {sm['score']:8.1f} ± {sm['scoreError']:6.1f}  alloc {alloc:.3f}")
