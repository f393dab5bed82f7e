#!/usr/bin/env bash
# Side-by-side speed of SCALE-Sim 3.0.0 and `dfc simulate` on one representative case:
# AlexNet conv1 on a 32×32 weight-stationary array (the reference set's golden case), with
# identical reports checked. Not used by any test.
#
# Usage: benches/scalesim_peer.sh [VENV]   (default: target/scalesim-venv; created with
#        `pip install scalesim==3.0.0 "numpy<2.4"` when missing — needs PyPI)
# Output: scalesim_cpu_s=…, dfc_ms=… (median of 20 runs), ratio=…
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${SCALESIM_VENV:-$root/target/scalesim-venv}}
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import scalesim" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet scalesim==3.0.0 "numpy<2.4"
fi
data=$root/tests/data/scalesim
case_dir=$data/runs/golden/scalecfg_calc__alexnet_part__ws
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$case_dir/scalesim.cfg" "$tmp/scalesim.cfg"
cp "$data/topologies/alexnet_part.csv" "$tmp/topology.csv"

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
dfc=$root/target/release/dfc

scalesim_cpu=$(cd "$tmp" && "$venv/bin/python" - "$tmp" "$data/layout_header_only.csv" <<'PY'
import os, sys, time, warnings
warnings.simplefilter("ignore")
d, layout = sys.argv[1], sys.argv[2]
from scalesim.scale_sim import scalesim
t0 = time.process_time()
s = scalesim(save_disk_space=True, verbose=False, config=os.path.join(d, "scalesim.cfg"),
             topology=os.path.join(d, "topology.csv"), layout=layout, input_type_gemm=False)
s.run_scale(top_path=os.path.join(d, "scalesim_out"))
print(f"{time.process_time() - t0:.3f}")
PY
)
times=()
for _ in $(seq 20); do
  start=$(date +%s%N)
  "$dfc" simulate --config "$tmp/scalesim.cfg" --topology "$tmp/topology.csv" --model scalesim \
    --report-dir "$tmp/dfc_out" >/dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
dfc_us=$(printf '%s\n' "${times[@]}" | sort -n | sed -n '10p')
ours=$(find "$tmp/dfc_out" -name COMPUTE_REPORT.csv)
theirs=$(find "$tmp/scalesim_out" -name COMPUTE_REPORT.csv | head -1)
if cmp -s "$ours" "$theirs"; then same=yes; else same=no; fi
echo "scalesim_cpu_s=$scalesim_cpu"
echo "dfc_ms=$(awk "BEGIN { printf \"%.2f\", $dfc_us / 1000 }")  (whole process, median of 20)"
echo "identical_compute_report=$same"
echo "ratio=$(awk "BEGIN { printf \"%.0f\", $scalesim_cpu * 1e6 / $dfc_us }")"
