#!/usr/bin/env bash
# Sweep throughput through each front end, on the 14,400-point ResNet-18 × hardware grid of
# `benches/sweep_resnet18.df` (benches/sweep_scaleout.py): `dfc sweep` on one thread, the
# Python package on one thread, and Ray with 2 workers (one shard and one thread each), as
# points per second and as ratios to the command line; then Ray's per-task overhead (empty
# tasks) and, from both, an estimate of a 10⁷-point sweep on 100 nodes. Builds the release
# binary and the package (into target/bench-venv, with Ray). Run: `bash benches/sweep_scaleout.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check maturin==1.16.0 ray==2.60.0
cargo build --release --locked --quiet
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./python
RAYON_NUM_THREADS=1 "$venv/bin/python" benches/sweep_scaleout.py target/release/dfc
