#!/usr/bin/env bash
# Sweep throughput on one process and one thread: `dfc sweep` over the 14,400-point
# ResNet-18 × hardware grid of `benches/sweep_resnet18.df` with RAYON_NUM_THREADS=1, best of
# three runs. Prints the points, how many fit, the wall time, points per second and the cost
# of one point in µs (compiling the file included; it is a few milliseconds). Then the same
# grid as 4 shards run one after another and merged, checked equal to the unsharded output.
#
#     cargo build --release && bash benches/sweep.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dfc=target/release/dfc
[ -x "$dfc" ] || { echo "build first: cargo build --release" >&2; exit 2; }
grid=benches/sweep_resnet18.df
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

best=""
for run in 1 2 3; do
    start=$(date +%s.%N)
    RAYON_NUM_THREADS=1 "$dfc" sweep "$grid" -o "$dir/all.csv"
    end=$(date +%s.%N)
    wall=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc -l)" = 1 ]; then best=$wall; fi
done
points=$(($(wc -l < "$dir/all.csv") - 1))
fit=$(awk -F, 'NR > 1 && $10 == "ok"' "$dir/all.csv" | wc -l)
printf 'points %d  ok %d  does_not_fit %d\n' "$points" "$fit" $((points - fit))
printf 'one thread: %.3f s  %.0f points/s  %.1f us/point\n' "$best" \
    "$(echo "$points / $best" | bc -l)" "$(echo "$best * 1000000 / $points" | bc -l)"

for i in 0 1 2 3; do
    RAYON_NUM_THREADS=1 "$dfc" sweep "$grid" --shard "$i/4" -o "$dir/part$i.csv"
done
"$dfc" sweep merge "$dir"/part*.csv -o "$dir/merged.csv"
cmp -s "$dir/all.csv" "$dir/merged.csv" && echo "4 shards merged: identical to the unsharded output"
