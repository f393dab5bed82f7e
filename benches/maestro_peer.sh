#!/usr/bin/env bash
# Measurement aid (not used by any test): MAESTRO's in-process cost per layer evaluation on the
# public reference cases, for a same-machine comparison with `cargo bench --bench eval`.
#
# Usage: benches/maestro_peer.sh [path/to/maestro]     (or MAESTRO_BIN=path/to/maestro)
#
# MAESTRO evaluates one mapping file per process. To separate start-up from per-layer cost, the
# script concatenates the layers of the reference mapping files (tests/data/maestro/inputs/mapping,
# without the feature__* files and without cases whose reference status is an error, since MAESTRO
# stops the whole run on an error) into one `Network` per group, repeated k times (KS, default
# "1 5 10"), times each file RUNS times (default 3), takes the median per k and fits a line over k:
# slope / layers per copy = time per layer. Start-up (process, HW file, empty Network) is timed
# directly on a mapping file with no layers (STARTUP_RUNS runs, default 21, median).
# Groups: all layers, and each dataflow family (dla, rs, shi, ws), per HW file (hw256, hw1024),
# lanes = 1. Files are written only under a temp dir, removed on exit.
#
# Env: MAESTRO_BIN, MAESTRO_INPUTS (default <repo>/tests/data/maestro/inputs), KS, RUNS, STARTUP_RUNS,
#      HWS (default "hw256 hw1024"), FAMILIES (default "dla rs shi ws").
# Output: one line per (hw, group) and the summary lines
#   maestro_us_per_layer=<wall µs per layer, all layers, mean over HW files of the median-based fit>
#   maestro_cpu_us_per_layer=<same on user+sys CPU time>
#   maestro_startup_us=<wall, empty network, mean over HW files of the medians>
set -euo pipefail

BIN=${1:-${MAESTRO_BIN:-}}
if [[ -z "$BIN" || ! -x "$BIN" ]]; then
  echo "usage: $0 path/to/maestro   (or set MAESTRO_BIN)" >&2
  exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INPUTS=${MAESTRO_INPUTS:-$HERE/../tests/data/maestro/inputs}
INPUTS=$(cd "$INPUTS" && pwd)
EXPECTED=$INPUTS/../reference_expected.csv
KS=${KS:-"1 5 10"}
RUNS=${RUNS:-3}
STARTUP_RUNS=${STARTUP_RUNS:-21}
HWS=${HWS:-"hw256 hw1024"}
FAMILIES=${FAMILIES:-"dla rs shi ws"}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/maestro_peer.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Mapping files per (hw, family): rows of cases.csv with lanes 1, a family dataflow, and (when the
# expected-results file is there) status ok.
ok_cases=$TMP/ok_cases
if [[ -f "$EXPECTED" ]]; then
  awk -F, 'NR > 1 && $2 == "ok" { print $1 }' "$EXPECTED" > "$ok_cases"
else
  awk -F, 'NR > 1 { print $1 }' "$INPUTS/cases.csv" > "$ok_cases"
fi
list_files() { # hw family -> mapping paths (relative to INPUTS), in cases.csv order
  awk -F, -v hw="$1" -v fam="$2" 'NR == FNR { ok[$1] = 1; next }
    FNR > 1 && $16 == hw && $17 == 1 && ok[$1] && $19 !~ /feature__/ &&
    (fam == "all" ? ($15 ~ /^(dla|rs|shi|ws)$/) : $15 == fam) { print $19 }' "$ok_cases" "$INPUTS/cases.csv"
}

# The Layer blocks of a single-network mapping file: everything inside `Network <name> { ... }`.
layer_blocks() {
  awk '!started && /^[ \t]*Network[ \t].*\{[ \t]*$/ { started = 1; next }
       started { lines[++n] = $0 }
       END { last = n; while (last > 0 && lines[last] !~ /^[ \t]*\}[ \t]*$/) last--;
             for (i = 1; i < last; i++) print lines[i] }' "$1"
}

# time_run file -> "wall_us cpu_us" (wall from EPOCHREALTIME, cpu = user+sys of the child)
time_run() {
  local f=$1 hwfile=$2 t0 t1 cpu
  local TIMEFORMAT='%3U %3S'
  t0=$EPOCHREALTIME
  cpu=$( { time "$BIN" --Mapping_file="$f" --HW_file="$hwfile" --num_simd_lanes=1 \
            --print_res=false --print_res_csv_file=false >/dev/null 2>"$TMP/err" ; } 2>&1 ) || {
    echo "maestro failed on $f:" >&2; cat "$TMP/err" >&2; exit 1; }
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" -v c="$cpu" 'BEGIN { split(c, u, " ");
    printf "%.1f %.1f\n", (b - a) * 1e6, (u[1] + u[2]) * 1e6 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# fit: lines "k wall cpu" -> "wall_slope cpu_slope" (least squares over k)
fit() {
  awk '{ n++; sx += $1; sxx += $1 * $1; sy += $2; sxy += $1 * $2; sz += $3; sxz += $1 * $3 }
       END { d = n * sxx - sx * sx; printf "%.3f %.3f\n", (n * sxy - sx * sy) / d, (n * sxz - sx * sz) / d }'
}

cd "$TMP" # MAESTRO writes nothing with these flags, but keep any stray output here
summary=$TMP/summary
: > "$summary"
printf '%-7s %-4s %6s %14s %14s %14s\n' hw group layers wall_us/layer cpu_us/layer startup_us
printf 'Network peer_bench {\n}\n' > "$TMP/empty.m"
for hw in $HWS; do
  hwfile=$INPUTS/hw/$hw.m
  time_run "$TMP/empty.m" "$hwfile" > /dev/null # warm-up (page cache, dynamic loader)
  : > "$TMP/walls"
  for ((r = 0; r < STARTUP_RUNS; r++)); do
    read -r w c < <(time_run "$TMP/empty.m" "$hwfile")
    echo "$w" >> "$TMP/walls"
  done
  startup=$(median < "$TMP/walls")
  for group in all $FAMILIES; do
    mapfile -t files < <(list_files "$hw" "$group")
    n=${#files[@]}
    (( n > 0 )) || { echo "no mapping files for $hw/$group" >&2; exit 1; }
    body=$TMP/body_${hw}_$group
    : > "$body"
    for f in "${files[@]}"; do layer_blocks "$INPUTS/$f" >> "$body"; done
    : > "$TMP/points"
    for k in $KS; do
      m=$TMP/${hw}_${group}_k$k.m
      { echo "Network peer_bench {"; for ((i = 0; i < k; i++)); do cat "$body"; done; echo "}"; } > "$m"
      : > "$TMP/walls"; : > "$TMP/cpus"
      for ((r = 0; r < RUNS; r++)); do
        read -r w c < <(time_run "$m" "$hwfile")
        echo "$w" >> "$TMP/walls"; echo "$c" >> "$TMP/cpus"
      done
      echo "$k $(median < "$TMP/walls") $(median < "$TMP/cpus")" >> "$TMP/points"
    done
    read -r bw bc < <(fit < "$TMP/points")
    per_w=$(awk -v b="$bw" -v n="$n" 'BEGIN { printf "%.1f", b / n }')
    per_c=$(awk -v b="$bc" -v n="$n" 'BEGIN { printf "%.1f", b / n }')
    printf '%-7s %-4s %6d %14s %14s %14.0f\n' "$hw" "$group" "$n" "$per_w" "$per_c" "$startup"
    echo "$hw $group $per_w $per_c $startup" >> "$summary"
  done
done
awk '$2 == "all" { n++; w += $3; c += $4; s += $5 }
     END { printf "maestro_us_per_layer=%.1f\nmaestro_cpu_us_per_layer=%.1f\nmaestro_startup_us=%.0f\n", w / n, c / n, s / n }' "$summary"
