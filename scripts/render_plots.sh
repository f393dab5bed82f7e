#!/bin/sh
# Draw the example plots and the HDA Gantt chart, and render them to PNG to look at them
# (the images in docs/plots/ come from this script). Not run in CI.
#
#     scripts/render_plots.sh [OUT_DIR]      (default docs/plots)
#
# Needs rsvg-convert (Debian: librsvg2-bin). DFC picks the binary (default: the release
# build if there is one, else the debug build).
set -eu
out=${1:-docs/plots}
if [ -z "${DFC:-}" ]; then
    if [ -x target/release/dfc ]; then DFC=target/release/dfc; else DFC=target/debug/dfc; fi
fi
mkdir -p "$out"
svg=$(mktemp -d)
trap 'rm -rf "$svg"' EXIT
"$DFC" plot roofline examples/resnet50_edge.df -o "$svg/roofline.svg"
"$DFC" plot energy examples/resnet50_edge.df -o "$svg/energy.svg"
"$DFC" plot search examples/resnet50_edge.df --budget 128 --points 5 -o "$svg/search.svg"
"$DFC" plot density examples/sparse_resnet50.df --mapping resnet50_2to4 -o "$svg/density.svg"
"$DFC" plot noc examples/sparse_resnet50.df -o "$svg/noc.svg"
"$DFC" schedule examples/ar_vr_hda.df --svg "$svg/gantt.svg" > /dev/null
for name in roofline energy search density noc gantt; do
    rsvg-convert --background-color white "$svg/$name.svg" -o "$out/$name.png"
    echo "$out/$name.png"
done
