#!/bin/bash
# Runs every decode case (Tests/Fixtures/decode/COMMANDS.txt, plus decode-extra/) through
# the built mcelog and compares stdout with upstream's. Usage: decode-golden.sh [MCELOG] [-v]
# The 'Step' of the two CPUID-line cases is compared leniently (upstream reads it uninitialised).
bin=${1:-$(dirname "$0")/../.build/debug/mcelog}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
verbose=$2
root=$(cd "$(dirname "$0")/../Tests/Fixtures" && pwd)
pass=0; fail=0; failed=""
for dir in "$root/decode" "$root/decode-extra"; do
cd "$dir" || exit 2
while IFS=$'\t' read -r name cmd; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    args=${cmd#mcelog }
    if env TZ=UTC LC_ALL=C "$bin" $args 2>/dev/null | sed -E 's/ Step [0-9]+$/ Step X/' \
        | cmp -s - <(sed -E 's/ Step [0-9]+$/ Step X/' "$name.out"); then
        pass=$((pass+1))
    else
        fail=$((fail+1)); failed="$failed $name"
        [ -n "$verbose" ] && env TZ=UTC LC_ALL=C "$bin" $args 2>/dev/null | diff - "$name.out" | head -20
    fi
done < COMMANDS.txt
done
echo "decode: $pass passed, $fail failed"
[ -n "$failed" ] && echo "failed:$failed"
[ $fail -eq 0 ]
