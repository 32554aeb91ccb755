#!/bin/bash
# The main job on a bundled capture of real kernel records (Debian 12 kernel 6.1 under QEMU,
# machine checks injected through mce-inject; Tests/Fixtures/tracefs/debian-6.1/PROVENANCE.md).
set -euo pipefail
bin=${1:-.build/debug/mcelog}
cd "$(dirname "$0")/.."
cap=Tests/Fixtures/tracefs/debian-6.1
echo "== mcelog --ascii on kernel log lines of the capture =="
grep -h 'mce: \[Hardware Error\]' "$cap/PROVENANCE.md" | head -12 | TZ=UTC "$bin" --ascii
