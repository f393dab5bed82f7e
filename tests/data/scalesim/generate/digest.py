"""FNV-1a 64 digests of SCALE-Sim trace files: case_id,layer,file,bytes,lines,fnv64hex"""
import gzip, os, sys
FILES = ["IFMAP_SRAM_TRACE", "FILTER_SRAM_TRACE", "OFMAP_SRAM_TRACE", "IFMAP_DRAM_TRACE", "FILTER_DRAM_TRACE", "OFMAP_DRAM_TRACE"]
def fnv(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
def fnv_fast(data):
    # chunked pure python is slow; use numpy-free approach with bytes iteration (acceptable for ~10 MB)
    return fnv(data)
def digest_dir(case_id, layer_dirs, out):
    for layer, d in layer_dirs:
        for f in FILES:
            p = os.path.join(d, f + ".csv")
            if os.path.exists(p + ".gz"):
                data = gzip.open(p + ".gz").read()
            else:
                data = open(p, "rb").read()
            out.write("%s,%s,%s,%d,%d,%016x\n" % (case_id, layer, f, len(data), data.count(b"\n"), fnv_fast(data)))
if __name__ == "__main__":
    mode = sys.argv[1]
    out = open(sys.argv[2], "w")
    out.write("case_id,layer,file,bytes,lines,fnv64\n")
    if mode == "ref":
        base = sys.argv[3]  # the `trace` suite's run directory of the reference runs
        for case in sorted(os.listdir(base)):
            cd = os.path.join(base, case)
            layers = sorted([x for x in os.listdir(cd) if x.startswith("layer")], key=lambda x: int(x[5:]))
            digest_dir(case, [(l[5:], os.path.join(cd, l)) for l in layers], out)
    else:
        base = sys.argv[3]
        for case in sys.argv[4:]:
            cd = os.path.join(base, case, "out", case)
            layers = sorted([x for x in os.listdir(cd) if x.startswith("layer")], key=lambda x: int(x[5:]))
            digest_dir(case, [(l[5:], os.path.join(cd, l)) for l in layers], out)
