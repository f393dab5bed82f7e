#!/usr/bin/env bash
# Side by side with BookSim2 (not used by any test): the same 8x8 mesh, XY routing, 2 VCs of 8
# flits, single-flit packets, BookSim2's default input-queued router (`dfc noc sim --pipeline
# booksim`), five traffic patterns:
#   * average packet latency at a low load (RATE_LOW, default 0.01), and the difference in %;
#   * the saturation band: the first rate of 0.05, 0.10, ..., 1.00 at which each simulator
#     reports saturation (BookSim2: "unstable" or no final statistics; dfc: `saturated: true`);
#   * speed: simulated router-cycles per second of both on uniform traffic at 0.1, and the ratio.
# Hops: BookSim2 counts routers, dfc links (one fewer); both are printed.
#
# Build BookSim2 beside the project (never inside it):
#   git clone https://github.com/booksim/booksim2 /work/peer/booksim2 && make -C /work/peer/booksim2/src
# Usage: benches/noc_booksim.sh [path/to/booksim] [path/to/dfc]
#        (defaults: /work/peer/booksim2/src/booksim, target/release/dfc)
set -euo pipefail
cd "$(dirname "$0")/.."
BOOKSIM=${1:-/work/peer/booksim2/src/booksim}
DFC=${2:-target/release/dfc}
[[ -x "$BOOKSIM" ]] || { echo "no BookSim2 binary at $BOOKSIM" >&2; exit 2; }
[[ -x "$DFC" ]] || cargo build --release --quiet
RATE_LOW=${RATE_LOW:-0.01}
PATTERNS=${PATTERNS:-"uniform transpose bitcomp shuffle tornado"}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

booksim_run() { # pattern rate [sample_period] -> BookSim2's output
  cat > "$TMP/cfg" <<CFG
topology = mesh;
k = 8;
n = 2;
routing_function = dor;
num_vcs = 2;
vc_buf_size = 8;
traffic = $1;
packet_size = 1;
injection_rate = $2;
sim_type = latency;
sample_period = ${3:-1000};
CFG
  "$BOOKSIM" "$TMP/cfg" 2>&1 || true
}

booksim_latency() { # output -> overall average packet latency and hops, or "-"
  awk '/Overall Traffic Statistics/ {o=1} o && /Packet latency average/ {l=$5} o && /Hops average/ {h=$4}
       END {if (l=="") print "- -"; else print l, h}'
}

dfc_run() { # pattern rate -> avg_latency avg_hops saturated
  "$DFC" noc sim --mesh 8x8 --traffic "$1" --rate "$2" --routing xy --vcs 2 --buffer 8 \
    --packet-size 1 --pipeline booksim --cycles 10000 --format csv \
    | awk -F, 'NR==2 {print $2, $4, $7}'
}

rates=$(awk 'BEGIN {for (i = 1; i <= 20; i++) printf "%.2f ", i * 0.05}')

echo "pattern,booksim_latency,dfc_latency,diff_pct,booksim_hops,dfc_hops,booksim_saturates_at,dfc_saturates_at"
for p in $PATTERNS; do
  read -r b_lat b_hops < <(booksim_run "$p" "$RATE_LOW" | booksim_latency)
  read -r d_lat d_hops _ < <(dfc_run "$p" "$RATE_LOW")
  diff=$(awk -v b="$b_lat" -v d="$d_lat" 'BEGIN {if (b == "-") print "-"; else printf "%.1f", (d - b) / b * 100}')
  b_sat=-; d_sat=-
  for r in $rates; do
    if [[ $b_sat == - ]]; then
      out=$(booksim_run "$p" "$r")
      if grep -q "unstable" <<<"$out" || ! grep -q "Overall Traffic Statistics" <<<"$out"; then b_sat=$r; fi
    fi
    if [[ $d_sat == - ]]; then
      read -r _ _ s < <(dfc_run "$p" "$r")
      if [[ $s == true ]]; then d_sat=$r; fi
    fi
    [[ $b_sat != - && $d_sat != - ]] && break
  done
  echo "$p,$b_lat,$d_lat,$diff,$b_hops,$d_hops,$b_sat,$d_sat"
done

echo
echo "# speed: 8x8 uniform at 0.1, XY, BookSim2 pipeline"
start=$(date +%s.%N)
bout=$(booksim_run uniform 0.1 20000)
end=$(date +%s.%N)
b_cycles=$(sed -n 's/^Time taken is \([0-9]*\) cycles.*/\1/p' <<<"$bout" | tail -1)
b_rate=$(awk -v c="$b_cycles" -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", 64 * c / (e - s)}')
start=$(date +%s.%N)
d_cycles=$("$DFC" noc sim --mesh 8x8 --traffic uniform --rate 0.1 --routing xy --pipeline booksim \
  --cycles 200000 --format csv | awk -F, 'NR==2 {print $8}')
end=$(date +%s.%N)
d_rate=$(awk -v c="$d_cycles" -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", 64 * c / (e - s)}')
echo "booksim_router_cycles_per_s=$b_rate (cycles $b_cycles)"
echo "dfc_router_cycles_per_s=$d_rate (cycles $d_cycles)"
awk -v b="$b_rate" -v d="$d_rate" 'BEGIN {printf "speed_ratio=%.1f\n", d / b}'

echo
echo "# a 10-point latency curve, 20,000 measured cycles per point"
start=$(date +%s.%N)
"$DFC" noc sim --mesh 8x8 --traffic uniform --routing xy --sweep 0.05:0.5:0.05 --format csv >/dev/null
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN {printf "curve_seconds=%.2f\n", e - s}'
