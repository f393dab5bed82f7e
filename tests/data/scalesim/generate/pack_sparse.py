"""Pack the sparse cases of gen_sparse.py, run by run_case.py, into one text file for dfc's tests.

Usage: pack_sparse.py OUTDIR SEED OUT.txt. Per case: `=== id gemm kind status`, the config
(`cfg` lines, blank lines left out) and topology (`topo` lines, header included), then either
SCALE-Sim's four reports (`compute`/`bandwidth`/`detailed`/`sparse` lines, headers included)
or, for a case SCALE-Sim fails on, `error` and its exception.
"""
import json, os, sys
base, seed, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
cases = json.load(open(os.path.join(base, "sparse_cases_%s.json" % seed)))
out = open(out_path, "w")
out.write("# SCALE-Sim 3.0.0 runs of sparse cases (generate/gen_sparse.py %s, run_case.py, pack_sparse.py).\n" % seed)
for c in cases:
    d = os.path.join(base, c["id"])
    st_path = os.path.join(d, "status.json")
    st = json.load(open(st_path)) if os.path.exists(st_path) else dict(status="hang")
    out.write("=== %s %d %s %s\n" % (c["id"], int(c["gemm"]), c["kind"], st["status"]))
    for line in open(os.path.join(d, "scalesim.cfg")).read().splitlines():
        if line.strip():
            out.write("cfg " + line + "\n")
    for line in open(os.path.join(d, "topology.csv")).read().splitlines():
        out.write("topo " + line + "\n")
    if st["status"] != "ok":
        out.write("error " + st.get("error", "timeout").splitlines()[0][:120] + "\n")
        continue
    r = os.path.join(d, "out", c["id"])
    for tag, f in (("compute", "COMPUTE_REPORT.csv"), ("bandwidth", "BANDWIDTH_REPORT.csv"),
                   ("detailed", "DETAILED_ACCESS_REPORT.csv"), ("sparse", "SPARSE_REPORT.csv")):
        for line in open(os.path.join(r, f)).read().split("\n")[:-1]:
            out.write(tag + " " + line + "\n")
out.close()
