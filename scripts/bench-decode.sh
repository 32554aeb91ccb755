#!/bin/bash
# Decode throughput benchmark: 100,000 generated ascii records (four kinds, as upstream's
# measurement in mcelog.md §23) and 100,000 binary 128-byte records, output to /dev/null.
# Prints records/s and peak RSS for each. Usage: bench-decode.sh [MCELOG] [RECORDS]
set -euo pipefail
bin=${1:-.build/release/mcelog}
n=${2:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$(dirname "$0")/gen-bench-input.py" "$n" "$dir/big.txt" "$dir/big.bin"

measure() {  # label, then the command
    local label=$1; shift
    local best=""
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$dir/t" env TZ=UTC "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err"; exit 1; }
        read -r secs rss < "$dir/t"
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; bestrss=$rss; fi
    done
    awk -v l="$label" -v n="$n" -v s="$best" -v r="$bestrss" \
        'BEGIN{ if (s < 0.01) s = 0.01; printf "%-28s %8d records in %5.2f s = %9.0f records/s, peak RSS %6.1f MB\n", l, n, s, n/s, r/1024 }'
}
measure "ascii (--ascii --file)" "$bin" --no-dmi --ascii --file "$dir/big.txt"
measure "binary records (device)" "$bin" --no-dmi --cpu skylake_server "$dir/big.bin"
measure "ascii --raw" "$bin" --no-dmi --raw --ascii --file "$dir/big.txt"
