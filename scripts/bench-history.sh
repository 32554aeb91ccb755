#!/bin/bash
# History benchmark: writes N real mcelog journal entries (records decoded by `mcelog
# --ascii --json`, with journald's own fields, over 4 hosts and 5 boots) into a private
# journal file with systemd-journal-remote, then times `mcelog --summary` and `mcelog
# --errors` over it (best of 3). Prints entries/s for each size.
# Usage: bench-history.sh [MCELOG] [SIZES...]   (default sizes: 10000 100000)
set -euo pipefail
bin=${1:-.build-release/release/mcelog}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || { echo "needs $remote: apt-get install systemd-journal-remote" >&2; exit 1; }
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Four kinds of record, as in bench-decode (memory CE, IMC CE, bus error, cache error).
python3 "$here/gen-bench-input.py" 4 "$dir/kinds.txt" "$dir/kinds.bin"
env TZ=UTC "$bin" --ascii --json --file "$dir/kinds.txt" > "$dir/kinds.jsonl"

measure() {  # label, entries, command...
    local label=$1 n=$2; shift 2
    local best=""
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$dir/t" "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err"; exit 1; }
        read -r secs rss < "$dir/t"
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; bestrss=$rss; fi
    done
    awk -v l="$label" -v n="$n" -v s="$best" -v r="$bestrss" \
        'BEGIN{ if (s < 0.01) s = 0.01; printf "%-34s %7d entries in %5.2f s = %9.0f entries/s, peak RSS %5.1f MB\n", l, n, s, n/s, r/1024 }'
}

for n in "${sizes[@]}"; do
    mkdir -p "$dir/j$n"
    python3 "$here/bench-history.py" "$n" 4 5 < "$dir/kinds.jsonl" > "$dir/e$n.export"
    "$remote" --output="$dir/j$n/bench.journal" - < "$dir/e$n.export" 2>/dev/null
    total=$((n + n / 50))
    echo "journal: $total entries ($n records + $((n / 50)) records-lost), $(du -sh "$dir/j$n" | cut -f1) on disk"
    measure "mcelog --summary ($n records)" "$total" "$bin" --summary --journal-directory "$dir/j$n"
    measure "mcelog --summary --json" "$total" "$bin" --summary --json --journal-directory "$dir/j$n"
    measure "mcelog --errors ($n records)" "$n" "$bin" --errors --journal-directory "$dir/j$n"
    measure "mcelog --errors --json" "$n" "$bin" --errors --json --journal-directory "$dir/j$n"
    measure "journalctl -o json (reference)" "$total" journalctl -D "$dir/j$n" -o json --no-pager
done
