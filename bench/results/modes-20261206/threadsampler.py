import os, time, sys
# per-thread CPU % of java processes (agent: vigil-*, LoadGenerator threads), once a second, plus voluntary/involuntary ctx switches
hz = os.sysconf('SC_CLK_TCK')
def snap():
    d = {}
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            cmd = open(f'/proc/{p}/cmdline','rb').read()
            if b'java' not in cmd.split(b'\0')[0]: continue
            role = 'LG' if b'LoadGenerator' in cmd else ('agent' if b'run' in cmd else None)
            if not role: continue
            for t in os.listdir(f'/proc/{p}/task'):
                st = open(f'/proc/{p}/task/{t}/stat').read()
                name = st[st.index('(')+1:st.rindex(')')]
                s = st.rsplit(')',1)[1].split()
                cs = open(f'/proc/{p}/task/{t}/status').read()
                nv = int(cs.split('nonvoluntary_ctxt_switches:')[1].split()[0])
                d[(p,t)] = (role+':'+name, int(s[11])+int(s[12]), nv)
        except Exception: pass
    return d
prev = snap(); t0=time.time(); end=time.time()+float(sys.argv[1])
while time.time() < end:
    time.sleep(1); cur=snap(); dt=time.time()-t0; t0=time.time()
    out=[]
    for k,(n,t,nv) in cur.items():
        if k in prev:
            c=100*(t-prev[k][1])/hz/dt
            if c>=3: out.append(f"{n}:{c:.0f}%/{nv-prev[k][2]}")
    print(time.strftime('%H:%M:%S'), ' '.join(sorted(out)), flush=True)
    prev=cur
