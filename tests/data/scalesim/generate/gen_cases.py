"""Generate random SCALE-Sim cases (config + topology) for validation of dfc's systolic model."""
import json, math, os, random, sys

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
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: {mode}
UseRamulatorTrace: False
"""

def lines_of(layer, R, C, df, gemm):
    if gemm:
        m, n, k = layer
        P, K, N = m, k, n
    else:
        H, W, Fh, Fw, Ch, N, s = layer
        Eh = math.ceil((H - Fh + s) / s); Ew = math.ceil((W - Fw + s) / s)
        P, K = Eh * Ew, Fh * Fw * Ch
        if 'DP' in str(layer): pass
    if df == 'os': Sr, Sc, T, Lf = P, N, K, K + R + C - 2
    elif df == 'ws': Sr, Sc, T, Lf = K, N, P, 2 * R + C + P - 2
    else: Sr, Sc, T, Lf = K, P, N, 2 * R + C + N - 2
    return math.ceil(Sr / R) * math.ceil(Sc / C) * Lf

def gen(seed, n_cases, outdir, max_entries, trace_frac):
    rnd = random.Random(seed)
    cases = []
    i = 0
    while len(cases) < n_cases:
        i += 1
        R = rnd.choice([1, 2, 3, 4, 5, 8, 8, 12, 16, 16, 32, 32])
        C = rnd.choice([1, 2, 3, 4, 5, 8, 8, 12, 16, 16, 32, 32, 64])
        df = rnd.choice(['os', 'ws', 'is'])
        mode = rnd.choice(['CALC', 'CALC', 'USER', 'USER'])
        kb = lambda: rnd.choice([1, 1, 2, 3, 4, 8, 16, 64])
        ikb, fkb, okb = kb(), kb(), kb()
        if rnd.random() < 0.7:
            ioff, foff, ooff = 0, 10000000, 20000000
        else:
            ioff, foff, ooff = rnd.randint(0, 10**6), rnd.choice([0, rnd.randint(0, 10**7)]), rnd.randint(0, 10**7)
        ibn = rnd.choice([1, 2, 5, 10]); fbn = rnd.choice([1, 2, 3, 10])
        ibbw = ibn * rnd.randint(1, 6); fbbw = fbn * rnd.randint(1, 4)
        bw = rnd.choice([str(rnd.randint(1, 40)), "%d,%d" % (rnd.randint(1, 20), rnd.randint(1, 20))])
        gemm = rnd.random() < 0.3
        layers = []
        for li in range(rnd.randint(1, 3)):
            if gemm:
                L = (rnd.randint(1, 70), rnd.randint(1, 70), rnd.randint(1, 90))
                name = "G%d" % li
            else:
                H = rnd.randint(1, 20); W = rnd.randint(1, 20)
                Fh = rnd.randint(1, min(H, 7)); Fw = rnd.randint(1, min(W, 7))
                Ch = rnd.choice([1, 1, 2, 3, 4, 8, 16]); N = rnd.randint(1, 40)
                s = rnd.choice([1, 1, 1, 2, 2, 3, 4, 5])
                L = (H, W, Fh, Fw, Ch, N, s)
                name = "L%d" % li
                if rnd.random() < 0.1 and Ch <= 3:
                    name = "L%d_DP" % li
            layers.append((name, L))
        tot = sum(lines_of(L, R, C, df, gemm) * max(R, C) * (L[4] if (not gemm and 'DP' in nm) else 1) for nm, L in layers)
        if tot > max_entries:
            continue
        cid = "x%d_%04d" % (seed, len(cases))
        d = os.path.join(outdir, cid)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "scalesim.cfg"), "w") as f:
            f.write(CFG.format(name=cid, rows=R, cols=C, ikb=ikb, fkb=fkb, okb=okb, ioff=ioff, foff=foff,
                               ooff=ooff, bw=bw, df=df, ibbw=ibbw, ibn=ibn, fbbw=fbbw, fbn=fbn, mode=mode))
        with open(os.path.join(d, "topology.csv"), "w") as f:
            if gemm:
                f.write("Layer, M, N, K,\n")
                for nm, (m, n, k) in layers:
                    f.write("%s,%d,%d,%d,\n" % (nm, m, n, k))
            else:
                f.write("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n")
                for nm, L in layers:
                    f.write("%s,%s,\n" % (nm, ",".join(map(str, L))))
        traces = rnd.random() < trace_frac
        cases.append(dict(id=cid, gemm=gemm, traces=traces))
    with open(os.path.join(outdir, "cases_%d.json" % seed), "w") as f:
        json.dump(cases, f)

if __name__ == "__main__":
    gen(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
