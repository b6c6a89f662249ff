#!/usr/bin/env python3
"""Independent re-implementation of the Maglev table spec documented in ServiceTable, MaglevPopulation
and XxHash64 (pip install xxhash). Prints the digests of two DigestAcrossJvmsTest fixtures; they must
equal the pinned values there (a28211cfb7336927 and 3ac7f50fa75611d7). Not run by Maven."""
import xxhash, ipaddress, struct
M64=(1<<64)-1
def table(backends, seed, m):
    # backends: list of (addr, port, weight, eligible)
    ids=sorted([(ipaddress.ip_address(a).packed+struct.pack('>H',p), w if el else 0) for a,p,w,el in backends], key=lambda t:(len(t[0]), t[0]))
    off=[xxhash.xxh64(i,seed=seed).intdigest()%m for i,_ in ids]
    skp=[xxhash.xxh64(i,seed=(~seed)&M64).intdigest()%(m-1)+1 for i,_ in ids]
    w=[x for _,x in ids]; wmax=max(w); credit=[0]*len(w); nxt=off[:]; t=[-1]*m; filled=0
    while filled<m:
        for i in range(len(w)):
            if w[i]==0: continue
            credit[i]+=w[i]
            if credit[i]<wmax: continue
            credit[i]-=wmax
            c=nxt[i]
            while t[c]!=-1: c=(c+skp[i])%m
            t[c]=i; nxt[i]=(c+skp[i])%m; filled+=1
            if filled==m: break
    idh=[xxhash.xxh64(i,seed=0).intdigest() for i,_ in ids]
    words=[0x4C564D4700000001, seed, 5, m]+[idh[s] if s>=0 else 0 for s in t]
    return xxhash.xxh64(b''.join(struct.pack('>Q',x) for x in words), seed=0).hexdigest()
seed=0x1E5171A7E
print(table([('2001:db8::10',443,2,True),('2001:db8::11',443,1,True),('2001:db8::12',443,1,True)], seed, 1009))
bs=[('10.0.%d.%d'%(i//250,i%250+1),8080,1,True) for i in range(20)]
bs[3]=(bs[3][0],8080,5,True); bs[7]=(bs[7][0],8080,1,False); bs[9]=(bs[9][0],8080,1,False)
print(table(bs, seed, 65537))
