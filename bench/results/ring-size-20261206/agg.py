import sys, collections
# collapsed: "[thread name];frame;frame... count"
self_=collections.defaultdict(collections.Counter); incl=collections.defaultdict(collections.Counter); tot=collections.Counter()
for line in open(sys.argv[1]):
    stack, n = line.rstrip().rsplit(' ',1); n=int(n)
    frames=stack.split(';'); th=frames[0]
    import re
    th=re.sub(r' tid=\d+','',th); th=re.sub(r'-\d+\]',']',th)
    tot[th]+=n
    self_[th][frames[-1]]+=n
    for f in set(frames[1:]): incl[th][f]+=n
top=int(sys.argv[2]) if len(sys.argv)>2 else 25
for th,n in tot.most_common(6):
    print(f"== {th}: {n} samples")
    print("  self:", ", ".join(f"{f.split('/')[-1]} {c}" for f,c in self_[th].most_common(top)))
    print("  incl:", ", ".join(f"{f.split('/')[-1]} {c}" for f,c in incl[th].most_common(top+15)))
