#!/usr/bin/env bash
# The e-graph ablation: does the decoupled search's e-graph refinement earn its place?
#
# Part 1, anytime curves. For each suite entry (stdlib network on a stdlib hardware preset, the
# default model refusing every mapping that does not fit a buffer), objective and seed,
# `dfc plot search` searches every layer at each budget with four searches: decoupled,
# decoupled without the e-graph (`--egg-iters 0`), random and genetic, no stdlib seeds. Per
# entry and objective, averaged over the seeds, the table gives:
#   - each search's objective at the largest budget, relative to decoupled without e-graph
#     (`at_max`, < 1: better at equal evaluations), and
#   - the smallest budget at which it reaches what decoupled without e-graph reaches at the
#     largest budget (`reach`, `-` if it never does), on the seed-averaged curve.
# Part 2, the fixed check: objective EDP, `--budget 4000 --seed 0`, stdlib `nvdla` mappings of
# ResNet-18 and MobileNetV2 on `edge256` and BERT-base on `cloud1024`: network EDP (total
# runtime × total energy) of `dfc map`'s result with the e-graph against `--egg-iters 0`.
#
# Usage: benches/egraph_ablation.sh
# Env:   SUITE (default "resnet18:edge256 mobilenet_v2:edge256 bert_base:cloud1024"),
#        OBJECTIVES (default "runtime energy edp"), SEEDS (default "0 1 2"), BUDGET (default
#        4000), POINTS (default 5: BUDGET, BUDGET/2, … BUDGET/16), FIXED (default 1; 0 skips
#        part 2), SVG_DIR (draw each entry's seed-0 curves there).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/..
SUITE=${SUITE:-"resnet18:edge256 mobilenet_v2:edge256 bert_base:cloud1024"}
OBJECTIVES=${OBJECTIVES:-"runtime energy edp"}
SEEDS=${SEEDS:-"0 1 2"}
BUDGET=${BUDGET:-4000}
POINTS=${POINTS:-5}
FIXED=${FIXED:-1}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/egraph_ablation.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
DFC=$ROOT/target/release/dfc

program() { # network hardware dataflow
  printf 'use std::networks::%s;\nuse std::hardware::%s;\n' "$1" "$2"
  [[ $3 == search ]] || printf 'use std::dataflows::%s;\n' "$3"
  printf 'mapping m { network: %s; hardware: %s; dataflow: %s; }\n' "$1" "$2" "$3"
}

for entry in $SUITE; do
  net=${entry%%:*} hw=${entry##*:}
  program "$net" "$hw" search > "$TMP/$net.df"
  for objective in $OBJECTIVES; do
    for seed in $SEEDS; do
      svg=$TMP/plot.svg
      if [[ -n ${SVG_DIR:-} && $seed == "${SEEDS%% *}" ]]; then
        mkdir -p "$SVG_DIR"
        svg=$SVG_DIR/ablation_${net}_${objective}.svg
      fi
      "$DFC" -q plot search "$TMP/$net.df" --objective "$objective" --budget "$BUDGET" \
        --points "$POINTS" --seed "$seed" -o "$svg" \
        --data "$TMP/curve_${net}_${hw}_${objective}_${seed}.json" 2>"$TMP/log" ||
        { cat "$TMP/log" >&2; exit 1; }
    done
  done
done

python3 - "$TMP" <<'EOF'
import glob, json, os, sys
from collections import defaultdict

curves = defaultdict(list)
for path in sorted(glob.glob(os.path.join(sys.argv[1], "curve_*.json"))):
    data = json.load(open(path))
    name = os.path.basename(path)[6:-5]
    key = (name.rsplit("_", 2)[0], data["objective"])
    curves[key].append(data)

def label(s):
    if s["strategy"] == "decoupled" and not s["egraph"]:
        return "no-egraph"
    return s["strategy"]

print("entry objective search at_max reach (budgets %s)" % " ".join(
    str(b) for b in next(iter(curves.values()))[0]["budgets"]))
for (entry, objective), runs in sorted(curves.items()):
    budgets = runs[0]["budgets"]
    mean = {}
    for i, s in enumerate(runs[0]["series"]):
        per_seed = [r["series"][i]["values"] for r in runs]
        if any(v is None for vs in per_seed for v in vs):
            mean[label(s)] = None
            continue
        mean[label(s)] = [sum(vs[j] for vs in per_seed) / len(per_seed) for j in range(len(budgets))]
    base = mean.get("no-egraph")
    if base is None:
        print(f"{entry} {objective} - unmapped layers without the e-graph")
        continue
    target = base[-1]
    for name in ["decoupled", "no-egraph", "random", "genetic"]:
        curve = mean.get(name)
        if curve is None:
            print(f"{entry} {objective} {name} unmapped -")
            continue
        reach = next((b for b, v in zip(budgets, curve) if v <= target), None)
        print(f"{entry} {objective} {name} {curve[-1] / target:.4f} {reach if reach else '-'}")
EOF

[[ $FIXED == 1 ]] || exit 0
echo "fixed check: objective edp, budget 4000, seed 0, stdlib nvdla mappings"
for entry in resnet18:edge256 mobilenet_v2:edge256 bert_base:cloud1024; do
  net=${entry%%:*} hw=${entry##*:}
  program "$net" "$hw" nvdla > "$TMP/fixed_$net.df"
  for iters in 3 0; do
    "$DFC" -q map "$TMP/fixed_$net.df" --objective edp --budget 4000 --seed 0 --egg-iters "$iters" \
      -o "$TMP/mapped_${net}_$iters.df" >/dev/null 2>"$TMP/log" || { cat "$TMP/log" >&2; exit 1; }
    "$DFC" -q eval "$TMP/mapped_${net}_$iters.df" --format json > "$TMP/eval_${net}_$iters.json"
  done
done
python3 - "$TMP" <<'EOF'
import json, os, sys
gains = []
for net in ["resnet18", "mobilenet_v2", "bert_base"]:
    edp = {}
    for iters in ["3", "0"]:
        t = json.load(open(os.path.join(sys.argv[1], f"eval_{net}_{iters}.json")))[0]["totals"]
        edp[iters] = t["runtime_cycles"] * t["total_energy"]
    gain = 1 - edp["3"] / edp["0"]
    gains.append(gain)
    print(f"{net} edp_egraph={edp['3']:.6e} edp_no_egraph={edp['0']:.6e} gain={100 * gain:.2f}%")
print(f"mean gain={100 * sum(gains) / len(gains):.2f}%")
EOF
