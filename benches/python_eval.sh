#!/usr/bin/env bash
# The Python package's call overhead against the command line (benches/python_eval.py):
# builds the release binary and the package (release, into target/bench-venv), then times
# both on bundled examples. Run from anywhere: `bash benches/python_eval.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check maturin==1.16.0
cargo build --release --locked --quiet
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./python
"$venv/bin/python" benches/python_eval.py target/release/dfc
