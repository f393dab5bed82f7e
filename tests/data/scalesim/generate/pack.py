"""Pack generated SCALE-Sim cases into a compact text file for dfc's tests."""
import json, os, re, sys
base, out_path, digest_path = sys.argv[1], sys.argv[2], sys.argv[3]
cases = []
for f in sorted(os.listdir(base)):
    if f.startswith("cases_") and f.endswith(".json"):
        cases += json.load(open(os.path.join(base, f)))
keys = ["ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB", "IfmapOffset", "FilterOffset",
        "OfmapOffset", "Bandwidth", "Dataflow", "IfmapSRAMBankBandwidth", "IfmapSRAMBankNum", "FilterSRAMBankBandwidth",
        "FilterSRAMBankNum", "InterfaceBandwidth"]
out = open(out_path, "w")
out.write("# SCALE-Sim 3.0.0 reports of generated cases (checks of the semantics in docs/semantics/scalesim.md).\n")
out.write("# === id gemm traces / cfg key=value... (into the template of tests/parity.rs) / topo lines /\n")
out.write("# compute, bandwidth, detailed: report lines without header. Produced by dfc's own scripts.\n")
trace_cases = []
for c in cases:
    d = os.path.join(base, c["id"])
    st = json.load(open(os.path.join(d, "status.json")))
    if st["status"] != "ok":
        continue
    cfg = open(os.path.join(d, "scalesim.cfg")).read()
    vals = {}
    for k in keys:
        m = re.search(r"^%s\s*[:=]\s*(.*)$" % k, cfg, re.M)
        vals[k] = m.group(1).strip()
    out.write("=== %s %d %d\n" % (c["id"], int(c["gemm"]), int(c["traces"])))
    out.write("cfg " + " ".join("%s=%s" % (k, vals[k]) for k in keys) + "\n")
    topo = open(os.path.join(d, "topology.csv")).read().splitlines()[1:]
    for t in topo:
        out.write("topo " + t + "\n")
    r = os.path.join(d, "out", c["id"])
    for tag, f in (("compute", "COMPUTE_REPORT.csv"), ("bandwidth", "BANDWIDTH_REPORT.csv"), ("detailed", "DETAILED_ACCESS_REPORT.csv")):
        for line in open(os.path.join(r, f)).read().splitlines()[1:]:
            out.write(tag + " " + line + "\n")
    if c["traces"]:
        trace_cases.append(c["id"])
out.close()
import subprocess
subprocess.check_call([sys.executable, os.path.join(os.path.dirname(__file__), "digest.py"), "gen", digest_path, base] + trace_cases)
