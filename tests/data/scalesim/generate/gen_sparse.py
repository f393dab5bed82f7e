"""Generate SCALE-Sim 3.0.0 cases with N:M weight sparsity (and a few it fails on) for dfc's tests.

Usage: gen_sparse.py SEED COUNT OUTDIR [optimized]. With `optimized`, every case is WS with
SCALE-Sim's optimized mapping on and a random BlockSize. Each case is OUTDIR/<id>/{scalesim.cfg,topology.csv};
OUTDIR/sparse_cases_<SEED>.json lists them. Run them with run_case.py and pack them with
pack_cases.py (see ../README.md).
"""
import json, os, random, sys

CFG = """[general]
run_name = {name}

[architecture_presets]
ArrayHeight:    {rows}
ArrayWidth:     {cols}
IfmapSramSzkB:   {ikb}
FilterSramSzkB:  {fkb}
OfmapSramSzkB:   {okb}
IfmapOffset:    {ioff}
FilterOffset:   {foff}
OfmapOffset:    {ooff}
Bandwidth : {bw}
Dataflow : {df}
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {ibbw}
IfmapSRAMBankNum: {ibn}
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {fbbw}
FilterSRAMBankNum: {fbn}
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : true
SparseRep : {rep}
OptimizedMapping : {opt}
BlockSize : {block}
RandomNumberGeneratorSeed : {seed}

[run_presets]
InterfaceBandwidth: {mode}
UseRamulatorTrace: False
"""

def ratio(rnd):
    m = rnd.choice([1, 2, 3, 4, 4, 4, 6, 8, 8, 16])
    return rnd.randint(1, m), m

def gen(seed, count, outdir, optimized=False):
    rnd = random.Random(seed)
    cases = []
    for i in range(count):
        R = rnd.choice([1, 2, 3, 4, 5, 8, 8, 16])
        C = rnd.choice([1, 2, 3, 4, 5, 8, 8, 16])
        df = rnd.choice(['ws', 'ws', 'os', 'is'])
        mode = rnd.choice(['CALC', 'USER'])
        kb = lambda: rnd.choice([1, 1, 2, 4, 16])
        ibn = rnd.choice([1, 2, 5]); fbn = rnd.choice([1, 2, 3])
        ibbw = ibn * rnd.randint(1, 6); fbbw = fbn * rnd.randint(1, 4)
        ioff = rnd.choice([0, 0, 0, rnd.randint(1, 10**6)])
        foff = rnd.choice([10000000, rnd.randint(1, 10**7)])
        ooff = rnd.choice([20000000, rnd.randint(0, 10**7)])
        bw = rnd.choice([str(rnd.randint(1, 40)), "%d,%d" % (rnd.randint(1, 20), rnd.randint(1, 20))])
        rep = rnd.choice(['csr', 'csc', 'ellpack_block'])
        # A few cases SCALE-Sim is expected to fail on or that dfc refuses: optimized mapping,
        # N > M.
        kind = 'ok'
        u = rnd.random()
        if u < 0.08:
            kind = 'optimized'
        elif u < 0.12:
            kind = 'n_over_m'
        if optimized:
            kind, df = 'optimized', 'ws'
            R = rnd.choice([2, 3, 4, 6, 8, 16])
        gemm = rnd.random() < 0.3
        layers = []
        for li in range(rnd.randint(1, 3)):
            n_, m_ = ratio(rnd)
            if kind == 'n_over_m' and li == 0:
                n_, m_ = m_ + 1, m_
            sp = "%d:%d" % (n_, m_)
            if rnd.random() < 0.1 and kind == 'ok':
                sp = None  # no 9th field: SCALE-Sim's default 1:1
            if gemm:
                L = "G%d,%d,%d,%d," % (li, rnd.randint(1, 40), rnd.randint(1, 40), rnd.randint(1, 60))
            else:
                H = rnd.randint(1, 14); W = rnd.randint(1, 14)
                Fh = rnd.randint(1, min(H, 5)); Fw = rnd.randint(1, min(W, 5))
                Ch = rnd.choice([1, 2, 3, 4, 8]); N = rnd.randint(1, 24)
                s = rnd.choice([1, 1, 2, 3])
                L = "L%d,%d,%d,%d,%d,%d,%d,%d," % (li, H, W, Fh, Fw, Ch, N, s)
            if sp is not None:
                L += sp + ","
            layers.append(L)
        cid = "s%d_%04d" % (seed, i)
        d = os.path.join(outdir, cid)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "scalesim.cfg"), "w") as f:
            f.write(CFG.format(name=cid, rows=R, cols=C, ikb=kb(), fkb=kb(), okb=kb(), ioff=ioff,
                               foff=foff, ooff=ooff, bw=bw, df=df, ibbw=ibbw, ibn=ibn, fbbw=fbbw,
                               fbn=fbn, rep=rep, opt='true' if kind == 'optimized' else 'false',
                               block=(rnd.choice([d for d in range(1, R + 1) if 2 * R % d == 0] + [3, 5])
                                      if optimized else rnd.choice([2, 4, 8]) if R >= 8 else 2),
                               seed=rnd.randint(0, 100), mode=mode))
        with open(os.path.join(d, "topology.csv"), "w") as f:
            f.write("Layer, M, N, K, Sparsity,\n" if gemm else
                    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides, Sparsity,\n")
            for L in layers:
                f.write(L + "\n")
        cases.append(dict(id=cid, gemm=gemm, traces=False, kind=kind))
    with open(os.path.join(outdir, "%s_cases_%d.json" % ("optimized" if optimized else "sparse", seed)), "w") as f:
        json.dump(cases, f)

if __name__ == "__main__":
    gen(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == "optimized")
