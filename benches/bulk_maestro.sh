#!/usr/bin/env bash
# Whole-process throughput on a large MAESTRO file: `dfc import maestro` and
# `dfc eval --model maestro` on one `Network` of N distinct convolution layers (each with its own
# dataflow), and MAESTRO itself on the same file when its binary is given, with the ratio.
#
# Usage: benches/bulk_maestro.sh [path/to/maestro]   (or MAESTRO_BIN=…)
# Env:   LAYERS (default "2000 4000 8000"), RUNS (default 3; the median is printed).
# Output: one line per (tool, N): `<tool> layers=N wall_s=… us_per_layer=…`, and with MAESTRO
#         `ratio layers=N maestro/dfc_eval=…`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/..
BIN=${1:-${MAESTRO_BIN:-}}
LAYERS=${LAYERS:-"2000 4000 8000"}
RUNS=${RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bulk_maestro.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
DFC=$ROOT/target/release/dfc
# hw256 in the HW-file keywords current MAESTRO reads (older releases read `NumPEs`, …; dfc
# reads both). The off-chip bandwidth has no effect on either tool's numbers here.
printf 'num_pes: 256\nl1_size_cstr: 512\nl2_size_cstr: 110592\nnoc_bw_cstr: 64\noffchip_bw_cstr: 64\n' \
  > "$TMP/hw.m"

# A network of n distinct layers: shapes and dataflow tile/cluster sizes vary with the index.
network() {
  awk -v n="$1" 'BEGIN {
    srand(2); print "Network bulk {";
    split("16 32 64 128 256", ks, " "); split("3 16 32 64 128", cs, " "); split("1 3 5", rs, " ");
    split("14 28 56", ys, " ");
    for (i = 0; i < n; i++) {
      k = ks[1 + int(rand() * 5)]; c = cs[1 + int(rand() * 5)]; r = rs[1 + int(rand() * 3)];
      y = ys[1 + int(rand() * 3)] + r - 1 + i % 7; t = 1 + i % 64; cl = 2 + i % 31;
      printf "\tLayer l%d {\n\t\tType: CONV\n\t\tStride { X: 1, Y: 1 }\n", i;
      printf "\t\tDimensions { K: %d, C: %d, R: %d, S: %d, Y: %d, X: %d }\n", k, c, r, r, y, y;
      printf "\t\tDataflow {\n\t\t\tSpatialMap(1,1) K;\n\t\t\tTemporalMap(%d,%d) C;\n", t, t;
      printf "\t\t\tTemporalMap(Sz(R),Sz(R)) R;\n\t\t\tTemporalMap(Sz(S),Sz(S)) S;\n";
      printf "\t\t\tTemporalMap(Sz(R),1) Y;\n\t\t\tTemporalMap(Sz(S),1) X;\n";
      printf "\t\t\tCluster(%d, P);\n\t\t\tSpatialMap(1,1) C;\n", cl;
      printf "\t\t\tTemporalMap(Sz(R),1) Y;\n\t\t\tTemporalMap(Sz(S),1) X;\n";
      printf "\t\t\tTemporalMap(Sz(R),Sz(R)) R;\n\t\t\tTemporalMap(Sz(S),Sz(S)) S;\n\t\t}\n\t}\n";
    }
    print "}" }'
}

# Median wall time in seconds of RUNS runs of a command.
median_wall() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>"$TMP/stderr" || { echo "failed: $*" >&2; cat "$TMP/stderr" >&2; exit 1; }
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

report() { # tool n seconds
  printf '%s layers=%d wall_s=%.3f us_per_layer=%.1f\n' "$1" "$2" "$3" "$(echo "$3 * 1000000 / $2" | bc -l)"
}

for n in $LAYERS; do
  network "$n" > "$TMP/net.m"
  import=$(median_wall "$DFC" import maestro "$TMP/net.m" --hw "$TMP/hw.m" --lanes 1 -o "$TMP/net.df")
  report dfc_import "$n" "$import"
  eval=$(median_wall "$DFC" eval --model maestro "$TMP/net.m" --hw "$TMP/hw.m" --lanes 1 --format csv -o "$TMP/net.csv")
  report dfc_eval "$n" "$eval"
  if [[ -n "$BIN" ]]; then
    maestro=$(cd "$TMP" && median_wall "$BIN" --Mapping_file=net.m --HW_file=hw.m \
      --num_simd_lanes=1 --print_res=false --print_res_csv_file=true)
    report maestro "$n" "$maestro"
    printf 'ratio layers=%d maestro/dfc_eval=%.1f\n' "$n" "$(echo "$maestro / $eval" | bc -l)"
  fi
done
