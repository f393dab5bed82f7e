"""Generate SCALE-Sim 3.0.0 cases with custom IFMAP/FILTER layouts (USER mode banks) for dfc's tests.

Usage: gen_layout.py SEED COUNT OUTDIR. Each case is OUTDIR/<id>/{scalesim.cfg,topology.csv,
layout.csv}; OUTDIR/layout_cases_<SEED>.json lists them. Run them with run_case.py (layout file
as fourth argument) and pack them with pack_sparse.py (see ../README.md).
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
IfmapCustomLayout: {icl}
IfmapSRAMBankBandwidth: {ibbw}
IfmapSRAMBankNum: {ibn}
IfmapSRAMBankPort: {ibp}
FilterCustomLayout: {fcl}
FilterSRAMBankBandwidth: {fbbw}
FilterSRAMBankNum: {fbn}
FilterSRAMBankPort: {fbp}

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

HEADER = ("Layer name, IFMAP Height Intraline Factor, IFMAP Width Intraline Factor, Filter Height "
          "Intraline Factor, Filter Width Intraline Factor, Channel Intraline Factor, Num Filter "
          "Intraline Factor, IFMAP Height Intraline Order, IFMAP Width Intraline Order, Channel "
          "Intraline Order, IFMAP Height Interline Order, IFMAP Width Interline Order, Channel "
          "Interline Order, Num Filter Intraline Order, Channel Intraline Order, Filter Height "
          "Intraline Order, Filter Width Intraline Order, Num Filter Interline Order, Channel "
          "Interline Order, Filter Height Interline Order, Filter Width Interline Order,\n")

def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]

def orders(rnd, rank):
    """Interline then intraline axes: usually tiles outside, sometimes mixed."""
    if rnd.random() < 0.7:
        inter = list(range(rank)); intra = list(range(rank, 2 * rank))
        rnd.shuffle(inter); rnd.shuffle(intra)
        return intra, inter
    axes = list(range(2 * rank)); rnd.shuffle(axes)
    return axes[rank:], axes[:rank]

def layout_row(rnd, name, ibbw, fbbw):
    c = rnd.choice(divisors(fbbw))
    rest = fbbw // c
    k = rnd.choice(divisors(rest)); rest //= k
    r = rnd.choice(divisors(rest)); s = rest // r
    cands = [(x, y) for x in range(1, ibbw + 1) for y in range(1, ibbw + 1) if x * y * c <= ibbw]
    x, y = rnd.choice(cands) if cands else (1, 1)
    ii, io = orders(rnd, 3)
    fi, fo = orders(rnd, 4)
    vals = [x, y, r, s, c, k] + ii + io + fi + fo
    return name + "," + ",".join(map(str, vals)) + ","

def gen(seed, count, outdir):
    rnd = random.Random(seed)
    cases = []
    for i in range(count):
        R = rnd.choice([1, 2, 3, 4, 8]); C = rnd.choice([1, 2, 3, 4, 8])
        df = rnd.choice(['ws', 'os', 'is'])
        mode = 'USER' if rnd.random() < 0.85 else 'CALC'
        ibn = rnd.choice([1, 2, 4]); fbn = rnd.choice([1, 2, 3])
        ibbw = ibn * rnd.randint(1, 4); fbbw = fbn * rnd.randint(1, 4)
        icl, fcl = rnd.choice([(True, False), (False, True), (True, True), (True, True)])
        kind = 'ok'
        u = rnd.random()
        if u < 0.05:
            kind = 'no_row'
        elif u < 0.08 and icl:
            kind = 'ifmap_offset'
        ioff = rnd.randint(1, 1000) if kind == 'ifmap_offset' else (0 if icl else rnd.choice([0, 500]))
        gemm = rnd.random() < 0.3
        layers = []
        for li in range(rnd.randint(1, 2)):
            if gemm:
                layers.append("G%d,%d,%d,%d," % (li, rnd.randint(1, 16), rnd.randint(1, 16), rnd.randint(1, 20)))
            else:
                H = rnd.randint(1, 9); W = rnd.randint(1, 9)
                Fh = rnd.randint(1, min(H, 3)); Fw = rnd.randint(1, min(W, 3))
                layers.append("L%d,%d,%d,%d,%d,%d,%d,%d," % (li, H, W, Fh, Fw, rnd.choice([1, 2, 3, 4]),
                                                           rnd.randint(1, 12), rnd.choice([1, 1, 2])))
        cid = "l%d_%04d" % (seed, i)
        d = os.path.join(outdir, cid)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "scalesim.cfg"), "w") as f:
            f.write(CFG.format(name=cid, rows=R, cols=C, ikb=rnd.choice([1, 2, 4]), fkb=rnd.choice([1, 2, 4]),
                               okb=rnd.choice([1, 2, 4]), ioff=ioff, foff=rnd.choice([10000000, 0, 777]),
                               ooff=20000000, bw=str(rnd.randint(1, 20)), df=df, icl=icl, fcl=fcl,
                               ibbw=ibbw, ibn=ibn, ibp=rnd.choice([1, 2]), fbbw=fbbw, fbn=fbn,
                               fbp=rnd.choice([1, 2]), mode=mode))
        with open(os.path.join(d, "topology.csv"), "w") as f:
            f.write("Layer, M, N, K,\n" if gemm else
                    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n")
            for L in layers:
                f.write(L + "\n")
        with open(os.path.join(d, "layout.csv"), "w") as f:
            f.write(HEADER)
            if kind != 'no_row':
                for li in range(len(layers)):
                    f.write(layout_row(rnd, "L%d" % li, ibbw, fbbw) + "\n")
        cases.append(dict(id=cid, gemm=gemm, traces=False, kind=kind))
    with open(os.path.join(outdir, "layout_cases_%d.json" % seed), "w") as f:
        json.dump(cases, f)

if __name__ == "__main__":
    gen(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
