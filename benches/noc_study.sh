#!/usr/bin/env bash
# The NoC study (not used by any test; `tests/it/noc.rs` checks the MAESTRO figures):
#  1. runtime vs NoC bandwidth per dataflow on the study layer (K = C = 64, 3x3, 56x56 outputs,
#     256 PEs), under `--model maestro` (MAESTRO's figures) and the default model;
#  2. wired (mesh) vs wireless vs hybrid runtime and NoC energy per dataflow at 64 elem/cycle.
# Prints CSV to stdout; with SVG_DIR set, also draws part 1 as `runtime-vs-bandwidth-maestro.svg`
# and `runtime-vs-bandwidth-default.svg` there (`dfc plot bandwidth`), and part 2 as
# `noc-topologies.svg` (`dfc plot noc`).
#
# Usage: [SVG_DIR=DIR] benches/noc_study.sh [path/to/dfc]   (default: target/release/dfc)
set -euo pipefail
cd "$(dirname "$0")/.."
DFC=${1:-target/release/dfc}
[[ -x "$DFC" ]] || cargo build --release --quiet
STUDY=tests/cases/noc/bandwidth_study.df
DATAFLOWS="nvdla shi rs shim rsm"

runtime() { # model mapping -> cost-model runtime and the mesh-model runtime
  "$DFC" noc cost "$STUDY" --model "$1" --mapping "$2" --topology mesh \
    | sed -n 's/^total: runtime \([0-9]*\) cycles (cost model: \([0-9]*\)).*/\2,\1/p'
}

echo "# runtime (cycles) vs NoC bandwidth: cost model and the mesh model on its traffic"
echo "model,dataflow,bw,cost_model_runtime,mesh_model_runtime"
for model in maestro default; do
  for df in $DATAFLOWS; do
    for bw in 1 4 16 64 256; do
      echo "$model,$df,$bw,$(runtime "$model" "${df}_bw$bw")"
    done
  done
done

echo
echo "# wired vs wireless vs hybrid at 64 elem/cycle (default model; wireless channel = 64 elem/cycle, token MAC)"
echo "dataflow,topology,runtime_cycles,noc_energy_pj"
for df in $DATAFLOWS; do
  for topo in mesh bus tree crossbar wireless hybrid; do
    "$DFC" noc cost "$STUDY" --mapping "${df}_bw64" --topology "$topo" \
      | sed -n "s/^total: runtime \([0-9]*\) cycles.*NoC energy \([0-9.]*\) pJ/$df,$topo,\1,\2/p"
  done
done

if [[ -n "${SVG_DIR:-}" ]]; then
  # One mapping per dataflow (the `_bw64` ones); `dfc plot bandwidth` sets each bandwidth.
  mkdir -p "$SVG_DIR"
  FIVE=$(mktemp --suffix=.df)
  trap 'rm -f "$FIVE"' EXIT
  awk '/^mapping /{keep = ($2 ~ /_bw64$/)} /^mapping /||inmap{inmap=1; if(keep) print; if(/^}/) inmap=0; next} {print}' \
    "$STUDY" > "$FIVE"
  for model in maestro default; do
    "$DFC" plot bandwidth "$FIVE" --model "$model" -o "$SVG_DIR/runtime-vs-bandwidth-$model.svg"
  done
  # Part 2 drawn: the `_bw64` mappings on every topology (`dfc plot noc`).
  "$DFC" plot noc "$FIVE" -o "$SVG_DIR/noc-topologies.svg"
  echo "# SVG: $SVG_DIR/runtime-vs-bandwidth-{maestro,default}.svg, $SVG_DIR/noc-topologies.svg"
fi
