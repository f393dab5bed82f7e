"""Pack cases of gen_sparse.py or gen_layout.py, run by run_case.py, into one text file for dfc's tests.

Usage: pack_cases.py OUTDIR CASES.json OUT.txt. Per case: `=== id gemm kind status`, the config
(`cfg` lines, blank lines left out), topology (`topo` lines) and layout file (`layout` lines, if
the case has one), headers included; then either SCALE-Sim's reports (`compute`, `bandwidth`,
`detailed` and, with sparsity, `sparse` lines, headers included) or, for a case SCALE-Sim fails
on, `error` and its exception (`timeout` for one that did not finish).
"""
import json, os, sys
base, cases_file, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
cases = json.load(open(os.path.join(base, cases_file)))
out = open(out_path, "w")
out.write("# SCALE-Sim 3.0.0 runs of generated cases (generate/%s, run_case.py, pack_cases.py).\n" % cases_file)
for c in cases:
    d = os.path.join(base, c["id"])
    st_path = os.path.join(d, "status.json")
    st = json.load(open(st_path)) if os.path.exists(st_path) else dict(status="hang")
    out.write("=== %s %d %s %s\n" % (c["id"], int(c["gemm"]), c["kind"], st["status"]))
    for tag, f in (("cfg", "scalesim.cfg"), ("topo", "topology.csv"), ("layout", "layout.csv")):
        if os.path.exists(os.path.join(d, f)):
            for line in open(os.path.join(d, f)).read().splitlines():
                if line.strip() or tag != "cfg":
                    out.write(tag + " " + line + "\n")
    if st["status"] != "ok":
        out.write("error " + st.get("error", "timeout").splitlines()[0][:120] + "\n")
        continue
    r = os.path.join(d, "out", c["id"])
    for tag, f in (("compute", "COMPUTE_REPORT.csv"), ("bandwidth", "BANDWIDTH_REPORT.csv"),
                   ("detailed", "DETAILED_ACCESS_REPORT.csv"), ("sparse", "SPARSE_REPORT.csv")):
        if os.path.exists(os.path.join(r, f)):
            for line in open(os.path.join(r, f)).read().split("\n")[:-1]:
                out.write(tag + " " + line + "\n")
out.close()
