#!/usr/bin/env bash
# Time and peak memory of `dfc check` and `dfc eval` on generated programs of growing size
# (a network of N conv layers and one mapping), measured with `/usr/bin/time -v`. Prints, per
# size and command, the throughput in input bytes per second and the peak RSS per MB of input;
# linear scaling shows as flat columns.
#
#     cargo build --release && bash benches/input_scaling.sh [MB ...]   (default: 5 50)
set -euo pipefail
cd "$(dirname "$0")/.."
dfc=target/release/dfc
[ -x "$dfc" ] || { echo "build first: cargo build --release" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

generate() { # $1 = size in MB → $dir/big_$1.df
    local bytes=$(( $1 * 1000000 ))
    awk -v bytes="$bytes" 'BEGIN {
        print "use std::dataflows::nvdla;\nuse std::hardware::edge256;\n\nnetwork big {"
        n = 0; size = 0
        while (size < bytes) {
            line = sprintf("    l%d = conv(K: %d, C: %d, R: 3, S: 3, Y: %d, X: %d);", n, 16 + (n % 8) * 16, 16 + (n % 5) * 16, 14 + (n % 3) * 14, 14 + (n % 3) * 14)
            print line; size += length(line) + 1; n++
        }
        print "}\n\nmapping m {\n    network: big;\n    hardware: edge256;\n    dataflow: nvdla;\n}"
    }' > "$dir/big_$1.df"
}

printf '%-6s %-6s %10s %9s %14s %12s %12s\n' size cmd bytes wall_s bytes_per_s peak_rss_MB rss_per_MB
for mb in "${@:-5 50}"; do
    for m in $mb; do
        generate "$m"
        file="$dir/big_$m.df"
        bytes=$(stat -c %s "$file")
        for cmd in check eval; do
            /usr/bin/time -v "$dfc" --max-input-size 1000000000 "$cmd" "$file" \
                > /dev/null 2> "$dir/time.txt" || true
            wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$dir/time.txt")
            rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/time.txt")
            awk -v m="$m" -v c="$cmd" -v b="$bytes" -v w="$wall" -v r="$rss_kb" 'BEGIN {
                printf "%-6s %-6s %10d %9.2f %14.0f %12.1f %12.1f\n",
                    m "MB", c, b, w, (w > 0 ? b / w : 0), r / 1024, (r / 1024) / (b / 1e6) }'
        done
    done
done
