#!/usr/bin/env bash
# Side-by-side speed of SCALE-Sim 3.0.0 and `dfc simulate --model scalesim` on the generated
# sparse, optimized-mapping and custom-layout cases of tests/data/scalesim (the ones SCALE-Sim
# runs), with every report file checked byte for byte. Not used by any test.
#
# Usage: benches/scalesim_sparse_peer.sh [VENV]   (default: target/scalesim-venv; created with
#        `pip install scalesim==3.0.0 "numpy<2.4"` when missing — needs PyPI)
# Output per case set: cases=…, identical=…, scalesim_cpu_s=… (sum), dfc_s=… (sum of whole
# processes, start-up included: the cases are small), ratio=…
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${SCALESIM_VENV:-$root/target/scalesim-venv}}
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import scalesim" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet scalesim==3.0.0 "numpy<2.4"
fi
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for set in sparse optimized layout; do
  "$venv/bin/python" - "$root/tests/data/scalesim/${set}_cases.txt" "$tmp/$set" \
    "$root/target/release/dfc" "$root/tests/data/scalesim/layout_header_only.csv" <<'PY'
import contextlib, filecmp, io, os, subprocess, sys, time, warnings
warnings.simplefilter("ignore")
packed, out, dfc, header_only = sys.argv[1:5]
from scalesim.scale_sim import scalesim
cases, case = [], None
for line in open(packed).read().split("\n"):
    if line.startswith("=== "):
        f = line[4:].split(" ")
        case = dict(id=f[0], gemm=f[1] == "1", status=f[3], files={})
        cases.append(case)
    elif case and " " in line:
        tag, rest = line.split(" ", 1)
        if tag in ("cfg", "topo", "layout"):
            case["files"].setdefault(tag, []).append(rest)
n = same = 0
cpu = wall = 0.0
for c in cases:
    if c["status"] != "ok":
        continue
    d = os.path.join(out, c["id"]); os.makedirs(d)
    paths = {}
    for tag, name in (("cfg", "scalesim.cfg"), ("topo", "topology.csv"), ("layout", "layout.csv")):
        if tag in c["files"]:
            paths[tag] = os.path.join(d, name)
            open(paths[tag], "w").write("\n".join(c["files"][tag]) + "\n")
    layout = paths.get("layout", header_only)
    t0 = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):  # SCALE-Sim prints its layout settings
        s = scalesim(save_disk_space=True, verbose=False, config=paths["cfg"],
                     topology=paths["topo"], layout=layout, input_type_gemm=c["gemm"])
        s.run_scale(top_path=os.path.join(d, "theirs"))
    cpu += time.process_time() - t0
    args = [dfc, "simulate", "--model", "scalesim", "--config", paths["cfg"], "--topology",
            paths["topo"], "--layout", layout, "--report-dir", os.path.join(d, "ours"), "-q"]
    if c["gemm"]:
        args.append("--gemm")
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    wall += time.perf_counter() - t0
    theirs = os.path.join(d, "theirs", c["id"])
    names = sorted(os.listdir(theirs))
    same += all(filecmp.cmp(os.path.join(theirs, f), os.path.join(d, "ours", f), shallow=False)
                for f in names) and names == sorted(os.listdir(os.path.join(d, "ours")))
    n += 1
print(f"{os.path.basename(packed)}: cases={n} identical={same} scalesim_cpu_s={cpu:.2f} "
      f"dfc_s={wall:.2f} ratio={cpu / wall:.0f}")
PY
done
