#!/usr/bin/env bash
# Runtime and energy against weight density: ResNet-50 with the stdlib `nvdla` dataflow
# (`row_stationary` for the stem, which stays dense) on `sparse_edge256`, whose PEs hold
# weights in a bitmask and skip zero weights (`docs/sparsity.md`), at uniform weight densities
# from 1 down to 0.1 and at 2:4, each against the dense network on `edge256`. Prints one row per
# density: network runtime, energy, effectual MACs, and each relative to dense.
#
# Usage: benches/sparsity.sh
# Env:   NETWORK (default resnet50), DENSITIES (default "1.0 0.9 … 0.1"), DFC (a dfc binary;
#        default: build the release one).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/..
NETWORK=${NETWORK:-resnet50}
DENSITIES=${DENSITIES:-"1.0 0.9 0.8 0.7 0.6 0.5 0.4 0.3 0.2 0.1"}
if [ -z "${DFC:-}" ]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    DFC=$ROOT/target/release/dfc
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
{
    echo "use std::dataflows::{nvdla, row_stationary};"
    echo "use std::hardware::{edge256, sparse_edge256};"
    echo "use std::networks::$NETWORK;"
    echo "mapping dense { network: $NETWORK; hardware: edge256; dataflow: nvdla(c_tile: 32); conv1: row_stationary; }"
    for d in $DENSITIES 2:4; do
        name=d_${d//[.:]/_}
        echo "mapping $name { network: $NETWORK; hardware: sparse_edge256; dataflow: nvdla(c_tile: 32); conv1: row_stationary;"
        echo "    sparsity { *: weights $d; conv1: dense; } }"
    done
} > "$WORK/sweep.df"
"$DFC" eval --format csv -o "$WORK/out.csv" "$WORK/sweep.df"
# Per mapping: runtime, energy, effectual MACs (num_macs for dense layers).
awk -F, -v densities="dense $DENSITIES 2:4" '
    NR == 1 {
        for (i = 1; i <= NF; i++) col[$i] = i
        next
    }
    $col["status"] == "ok" {
        m = $col["mapping"]
        runtime[m] += $col["runtime_cycles"]
        energy[m] += $col["total_energy"]
        effectual[m] += ($col["effectual_macs"] == "" ? $col["num_macs"] : $col["effectual_macs"])
    }
    END {
        printf "%-8s %14s %8s %18s %8s %14s %8s\n", "weights", "runtime", "x dense", "energy (pJ)", "x dense", "effectual MACs", "x dense"
        n = split(densities, ds, " ")
        for (i = 1; i <= n; i++) {
            d = ds[i]
            m = (d == "dense") ? "dense" : "d_" d
            gsub(/[.:]/, "_", m)
            printf "%-8s %14.0f %8.3f %18.4g %8.3f %14.0f %8.3f\n", d, runtime[m], runtime[m] / runtime["dense"], energy[m], energy[m] / energy["dense"], effectual[m], effectual[m] / effectual["dense"]
        }
    }' "$WORK/out.csv"
