#!/usr/bin/env python3
"""Generate oracle_cases.jsonl: random layers, dataflows and hardware evaluated by the
executable model of MAESTRO's semantics (`maestro_model.py`, not part of this repository; the
semantics are written down in docs/semantics/maestro.md).

Usage:
    python3 gen_oracle_cases.py PATH/TO/maestro_model.py [COUNT [SEED]] > oracle_cases.jsonl

Each output line is one case: the problem (layer type, dims in declaration order, strides,
N coupling, resolved directives, hardware [NumPEs, L1Size, L2Size, NoC_BW, NoC_NumHops],
SIMD lanes) and either "expect" (the oracle's top-level record, delays converted the way
MAESTRO prints them) or "error" ("L1 <required>", "L2 <required>", "zero-unique", or
"other:<exception>" where the oracle rejects the input). Output is deterministic (seeded).
"""
import importlib.util
import json
import math
import random
import sys

SEED = 20250611
I64_MIN = -(2 ** 63)


def load_oracle(path):
    spec = importlib.util.spec_from_file_location("maestro_model", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------ shapes
def gen_shape(rng):
    ty = rng.choice(["CONV"] * 5 + ["DSCONV"] * 2 + ["NGCONV"] * 2 + ["TRCONV"])
    r = rng.choice([1, 1, 3, 3, 3, 5, 7])
    s = r if rng.random() < 0.85 else rng.choice([1, 2, 3, 5])
    sy = rng.choice([1, 1, 1, 2, 2, 3])
    sx = sy if rng.random() < 0.8 else rng.choice([1, 2, 3])
    yo, xo = rng.randint(1, 18), rng.randint(1, 18)
    y = (yo - 1) * sy + r + (rng.randint(1, 3) if rng.random() < 0.25 else 0)
    x = (xo - 1) * sx + s + (rng.randint(1, 3) if rng.random() < 0.25 else 0)
    k = rng.choice([1, 2, 3, 4, 6, 8, 16, 32, 64])
    c = rng.choice([1, 2, 3, 4, 8, 16, 32, 64])
    if ty == "DSCONV":
        k = 1
    dims = []
    batch = rng.random() < 0.25
    if batch:
        dims.append(("N", rng.randint(1, 4)))
    if ty == "NGCONV":
        dims.append(("G", rng.choice([2, 3, 4, 8])))
        k, c = min(k, 8), min(c, 8)
    dims += [("K", k), ("C", c), ("R", r), ("S", s)]
    output_centric = rng.random() < 0.08
    if output_centric:
        # MAESTRO derives Y = Y' + R - 1 with stride 1 (the declared stride of Y is lost).
        dims += [("Y'", y - r + 1), ("X'", x - s + 1)]
    else:
        dims += [("Y", y), ("X", x)]
    strides = {}
    if sx != 1 or rng.random() < 0.1:
        strides["X"] = sx
    if sy != 1 or rng.random() < 0.1:
        strides["Y"] = sy
    return ty, dims, strides, batch


def dsize(dims, name):
    return dict(dims)[name]


# ------------------------------------------------------------------ dataflows
def T(m, o, v):
    return ["T", m, o, v]


def Sp(m, o, v):
    return ["S", m, o, v]


def Cl(n):
    return ["C", n, 0, ""]


def df_dla(rng, ty, dims):
    R, S = dsize(dims, "R"), dsize(dims, "S")
    ct = rng.choice([1, 2, 4, 8, 16, 32, 64])
    if ty == "DSCONV":
        return [Sp(1, 1, "C"), T(R, 1, "Y"), T(S, 1, "X"), T(R, R, "R"), T(S, S, "S")]
    kt = rng.choice([1, 1, 1, 2, 4])
    cl = rng.choice([2, 4, 8, 16, 32, 64])
    head = [T(1, 1, "G")] if ty == "NGCONV" else []
    return head + [Sp(kt, kt, "K"), T(ct, ct, "C"), T(R, R, "R"), T(S, S, "S"),
                   T(R, 1, "Y"), T(S, 1, "X"), Cl(cl),
                   Sp(1, 1, "C"), T(R, 1, "Y"), T(S, 1, "X"), T(R, R, "R"), T(S, S, "S")]


def df_rs(rng, ty, dims):
    R, S = dsize(dims, "R"), dsize(dims, "S")
    kt, ct = rng.choice([1, 2, 4, 8]), rng.choice([1, 2, 3, 4, 8])
    head = [] if ty == "DSCONV" else [T(kt, kt, "K")]
    if ty == "NGCONV":
        head = [T(1, 1, "G")] + head
    return head + [T(ct, ct, "C"), T(R, R, "R"), Sp(R, 1, "Y"), T(S, 1, "X"), Cl(R),
                   Sp(1, 1, "Y"), Sp(1, 1, "R"), T(S, S, "S")]


def df_shi(rng, ty, dims):
    R, S = dsize(dims, "R"), dsize(dims, "S")
    t = rng.choice([2, 4, 8, 8, 16])
    head = [] if ty == "DSCONV" else [T(1, 1, "K")]
    if ty == "NGCONV":
        head = [T(1, 1, "G")] + head
    return head + [T(1, 1, "C"), Sp(R, 1, "Y"), T(t + S - 1, t, "X"), Cl(t),
                   Sp(S, 1, "X"), T(R, R, "R"), T(S, S, "S")]


def df_ws(rng, ty, dims):
    R, S = dsize(dims, "R"), dsize(dims, "S")
    head = [] if ty == "DSCONV" else [T(1, 1, "K")]
    if ty == "NGCONV":
        head = [T(1, 1, "G")] + head
    return head + [T(1, 1, "C"), T(R, 1, "Y"), Sp(S, 1, "X"), T(R, R, "R"), T(S, S, "S")]


def df_three_level(rng, ty, dims):
    R, S = dsize(dims, "R"), dsize(dims, "S")
    c1, c2 = rng.choice([2, 4, 8]), rng.choice([2, 4, 8])
    ct = rng.choice([2, 4, 8, 16])
    head = [] if ty == "DSCONV" else [Sp(1, 1, "K")]
    if ty == "NGCONV":
        head = [T(1, 1, "G")] + head
    if ty == "DSCONV":
        head = [Sp(ct, ct, "C")]  # the spatial map of the top level is on C itself
    else:
        head = head + [T(ct, ct, "C")]
    return head + [T(R, R, "R"), T(S, S, "S"), T(R + 1, 2, "Y"), T(S, 1, "X"), Cl(c1),
                   Sp(1, 1, "C"), T(R + 1, 2, "Y"), T(S, 1, "X"), Cl(c2),
                   Sp(R, 1, "Y"), T(S, 1, "X"), T(R, R, "R"), T(S, S, "S")]


def df_random(rng, ty, dims):
    """1-3 levels of random maps on random subsets of the dims, random sizes and offsets."""
    names = [n for n, _ in dims]
    iv = [n for n in names if n in ("N", "G", "K", "C", "R", "S", "Y", "X")]
    if ty == "DSCONV":
        iv = [n for n in iv if n != "K"]
    nlev = rng.choice([1, 1, 2, 2, 3])
    out = []
    for lev in range(nlev):
        pool = list(names if lev == 0 else iv)
        rng.shuffle(pool)
        chosen = pool[: rng.randint(1, len(pool))]
        nsp = rng.choice([1, 1, 2])
        sp = set(rng.sample(chosen, min(nsp, len(chosen))))
        for v in chosen:
            d = dsize(dims, v) if v in dict(dims) else 4
            m = rng.randint(1, d + 2)
            o = rng.randint(1, m + 1) if rng.random() < 0.9 else rng.randint(1, max(1, d))
            out.append([("S" if v in sp else "T"), m, o, v])
        if lev + 1 < nlev:
            out.append(Cl(rng.choice([2, 3, 4, 8])))
    return out


PATTERNS = [("dla", df_dla, 3), ("rs", df_rs, 3), ("shi", df_shi, 3), ("ws", df_ws, 2),
            ("three_level", df_three_level, 2), ("random", df_random, 4)]


def gen_hw(rng):
    pes = rng.choice([8, 16, 32, 64, 100, 128, 256, 512, 1024])
    l1 = 1 << 24 if rng.random() < 0.85 else rng.choice([4, 16, 64, 256, 1024])
    l2 = 1 << 30 if rng.random() < 0.85 else rng.choice([16, 256, 4096, 65536])
    bw = rng.choice([1, 2, 4, 8, 16, 32, 64, 128, 256])
    hops = rng.choice([1, 1, 1, 2, 3])
    lanes = rng.choice([1, 1, 2, 4])
    return [pes, l1, l2, bw, hops], lanes


# ------------------------------------------------------------------ oracle
def num(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def delay_int(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return I64_MIN
    return int(x)


def run_oracle(mm, case):
    ty = case["type"]
    layer = dict(name="L", type=ty, dims=[tuple(d) for d in case["dims"]],
                 stride=dict(case["strides"]),
                 df=[mm.D(k, m, o, v) for k, m, o, v in case["df"]])
    pes, l1, l2, bw, hops = case["hw"]
    hw = {"NumPEs": pes, "L1Size": l1, "L2Size": l2, "NoC_BW": bw, "NoC_NumHops": hops}
    tens = mm.tensors_for(ty, case["batch"])
    in_vars = sorted(set(v for _, k, vs in tens if k == "in" for v in vs))
    clusters = mm.cluster_analysis(layer, pes, in_vars, [(bw, hops)] * 4)
    ret = []
    top = mm.analyze_level(clusters, 0, clusters[0].dims, ret, tens, case["lanes"], hw)
    e = dict(runtime_cycles=top.runtime, num_macs=top.macs)
    for name, _, _ in tens:
        e[name + "_l2_size_req"] = top.req.get(("L2", name), 0)
        e[name + "_l1_size_req"] = top.req.get(("L1", name), 0)
        for b in ("l2", "l1"):
            for rw, w in (("w", "write"), ("r", "read")):
                e["%s_%s_%s" % (name, b, w)] = top.a((b.upper(), rw, name))
    e["peak_bw_req"] = top.peak
    e["avg_bw_req"] = num(top.avg_bw)
    e["avg_utilized_pes"] = num(top.avg_active)
    e["arithmetic_intensity"] = num(top.ai)
    for k, nm in (("in", "ingress"), ("eg", "egress"), ("co", "compute")):
        mn, mx, av = top.delay[k]
        e[nm + "_delay_min"] = delay_int(mn)
        e[nm + "_delay_max"] = delay_int(mx)
        e[nm + "_delay_avg"] = delay_int(av)
    first = ret[0]
    e["csv_l1_sram_size"] = sum(v for (buf, _), v in first.req.items() if buf == "L1")
    return e


def main():
    mm = load_oracle(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else SEED)
    weights = [w for _, _, w in PATTERNS]
    for i in range(count):
        ty, dims, strides, batch = gen_shape(rng)
        name, fn, _ = rng.choices(PATTERNS, weights)[0]
        df = fn(rng, ty, dims)
        hw, lanes = gen_hw(rng)
        case = dict(case_id="oracle_%04d_%s" % (i, name), type=ty, dims=[list(d) for d in dims],
                    strides=sorted([k, v] for k, v in strides.items()), batch=batch,
                    df=df, hw=hw, lanes=lanes)
        try:
            case["expect"] = run_oracle(mm, json.loads(json.dumps(case)))
        except mm.Abort as ex:
            kind, req = str(ex).split()
            case["error"] = ("L2 " if "L2" in kind else "L1 ") + req
        except RuntimeError:
            case["error"] = "zero-unique"
        except (KeyError, TypeError, AssertionError, ZeroDivisionError, AttributeError) as ex:
            case["error"] = "other:" + type(ex).__name__
        print(json.dumps(case, separators=(",", ":")))


if __name__ == "__main__":
    main()
