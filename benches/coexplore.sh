#!/usr/bin/env bash
# NASAIC against the successive baseline (`dfc coexplore`, docs/coexplore.md; not used by any
# test): for seeds 1..5 at the default budget (200 episodes, 15 epochs, default specs), the
# specs each design breaks, successive/NASAIC latency, energy and area ratios and NASAIC's
# mean metric minus the successive one, then their means beside the paper's figures
# (arXiv 2002.04116: 17.77 % lower latency, 2.49x less energy, 2.32x less area, 0.76 %
# accuracy loss), and the wall time of each run. Needs jq.
#
# Usage: benches/coexplore.sh [path/to/dfc] [TASKS]   (default: target/release/dfc,
#        digits,breast_cancer)
set -euo pipefail
cd "$(dirname "$0")/.."
DFC=${1:-target/release/dfc}
TASKS=${2:-digits,breast_cancer}
[[ -x "$DFC" ]] || cargo build --release --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "# seed,nasaic_violations,successive_violations,latency_reduction_percent,energy_ratio,area_ratio,accuracy_delta_points,nasaic_trained,wall_seconds"
for seed in 1 2 3 4 5; do
  start=$(date +%s.%N)
  "$DFC" -q coexplore --no-cache --tasks "$TASKS" --seed "$seed" -o "$OUT/$seed.df" --report "$OUT/$seed.json"
  end=$(date +%s.%N)
  jq -r --arg s "$seed" --arg t "$(echo "$end - $start" | bc)" '
    [$s,
     (.nasaic.violations | join(" ") | if . == "" then "none" else . end),
     (.successive.violations | join(" ") | if . == "" then "none" else . end),
     ((1 - 1 / .comparison.latency_ratio) * 10000 | round / 100),
     (.comparison.energy_ratio * 100 | round / 100),
     (.comparison.area_ratio * 100 | round / 100),
     (.comparison.metric_delta * 10000 | round / 100),
     .nasaic.trained,
     ($t | tonumber * 10 | round / 10)] | @csv' "$OUT/$seed.json" | tr -d '"'
done | tee "$OUT/rows.csv"

awk -F, '{n++; lat += $4; en += $5; ar += $6; acc += $7; w += $9;
  if ($2 == "none") nm++; if ($3 == "none") sm++}
  END {printf "# mean over %d seeds: NASAIC met the specs %d times, successive %d times; latency %.2f %% lower, energy %.2fx, area %.2fx, accuracy delta %.2f points; wall %.1f s per run\n", n, nm, sm, lat / n, en / n, ar / n, acc / n, w / n
       printf "# paper (NASAIC vs successive): specs met vs violated; latency 17.77 %% lower, energy 2.49x, area 2.32x, accuracy delta -0.76 points\n"}' "$OUT/rows.csv"
