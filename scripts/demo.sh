#!/bin/bash
# The main job on a bundled capture of real kernel records: the tracefs instance of a Debian 12
# kernel (6.1) under QEMU after mce-inject and QEMU-monitor machine checks
# (Tests/Fixtures/tracefs/debian-6.1/PROVENANCE.md). The daemon reads the raw ring-buffer pages
# as it reads /sys/kernel/tracing, writes one journal entry per record, and this shows them.
set -euo pipefail
bin=$(realpath "${1:-.build/debug/mcelog}")
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r Tests/Fixtures/tracefs/debian-6.1/. "$work/"
records=$(grep -vc '^#' "$work/injected.tsv")

if [ ! -S /run/systemd/journal/socket ] && [ -x /lib/systemd/systemd-journald ]; then
    echo "(starting a journald: none is running)"
    mkdir -p /run/systemd/journal
    /lib/systemd/systemd-journald >/dev/null 2>&1 &
    for _ in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
fi

echo "== mcelog --daemon --foreground --tracefs <capture> --num-errors $records"
"$bin" --daemon --foreground --tracefs "$work" --num-errors "$records" --logfile "$work/mcelog.log" &
pid=$!
wait $pid
if [ -S /run/systemd/journal/socket ]; then
    journalctl --sync 2>/dev/null || true
    n=$(journalctl _PID=$pid -o json --no-pager | wc -l)
    echo "== $n journal entries from pid $pid; the first three and the last two (journalctl -o verbose):"
    journalctl _PID=$pid -o verbose --no-pager | awk '/^[A-Z][a-z][a-z] [0-9]{4}-/{n++} n<=3' 
    echo "..."
    journalctl _PID=$pid -o verbose --no-pager -n 2
    echo "== entries per bank and severity (journalctl _PID=$pid MCE_BANK=N MCE_SEVERITY=S):"
    for b in $(journalctl -F MCE_BANK --no-pager | sort -n); do
        for s in corrected uncorrected-recoverable uncorrected fatal; do
            c=$(journalctl _PID=$pid MCE_BANK=$b MCE_SEVERITY=$s -o cat --no-pager | grep -c . || true)
            if [ "$c" -gt 0 ]; then printf '  MCE_BANK=%-3s MCE_SEVERITY=%-24s %3d\n' "$b" "$s" "$c"; fi
        done
    done
else
    echo "== no journald: the records went to the fallback log $work/mcelog.log"
    cat "$work/mcelog.log"
fi
