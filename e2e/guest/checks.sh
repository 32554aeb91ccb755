#!/bin/bash
# e2e/guest/checks.sh: the end-to-end checks, run inside the QEMU guest as root by
# mcelog-e2e.service once systemd has started mcelog.socket (see e2e/run.sh for the whole flow).
#
# In order, in one guest session:
#   setup       the installed binary, units, catalog; mce-inject loaded; the kernel's own
#               soft_offline_page on a free page (the interface the daemon uses)
#   activation  `mcelog --ping` activates mcelog.service through mcelog.socket; READY
#   inject      3 corrected memory errors on one page of DIMM A (debugfs, sw), 1 on DIMM B (sw),
#               1 SRAO uncorrected error (debugfs, hw: a real #MC), 1 corrected error and 1 SRAO
#               error through QEMU's monitor `mce` command (the host sends them)
#   journal     `journalctl MCE_BANK=<bank> -o json`: every record once, with its MCE_STATUS,
#               MCE_ADDR, MCE_SEVERITY, MESSAGE_ID, PRIORITY; StatusText counts, and it keeps up
#               with what the daemon journaled; catalog (-x)
#   response    mcelog --client accounting; thresholds fired the triggers (their env files) and
#               soft-offlined the page (journal entry + the kernel's page flags). With the
#               kernel's own collector (RAS_CEC, 6.12) the kernel offlines the page and the
#               daemon only accounts (its default there), and says so
#   reload      systemctl reload: RELOADING=1 then READY=1, same process; a bad config is
#               refused and journaled, the daemon keeps running
#   fallback    journald stopped: records go to /var/log/mcelog, none lost; journald back:
#               records go to the journal again
#   restart     mcelog stopped, errors injected, started: the records the kernel buffered in the
#               tracefs instance meanwhile are journaled, none twice
#   final       every record the kernel traced (global trace buffer) is in the journal or the
#               fallback file exactly once; no restarts, no watchdog
# Results: /mnt/host/out/results, one line per check: PASS|FAIL <TAB> name <TAB> detail.
# Every wait has a timeout; the unit adds an overall one.
set -u
O=/mnt/host/out
RES=$O/results EXP=$O/expected.tsv
: > "$RES"; : > "$EXP"
T0=$(date +%s%N)
uname -r > "$O/uname-r"
cut -d' ' -f1 /proc/uptime > "$O/boot-seconds"
SERIES=$(cat "$O/series" 2>/dev/null || echo '?')
export SYSTEMD_PAGER= SYSTEMD_COLORS=0 LC_ALL=C

say() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*"; }
oneline() { tr '\n\t' '  ' | sed 's/  */ /g; s/ $//' | cut -c1-600; }
pass() { printf 'PASS\t%s\t%s\n' "$1" "$(printf '%s' "${2:-}" | oneline)" >> "$RES"; say "PASS $1 ${2:-}"; }
fail() { printf 'FAIL\t%s\t%s\n' "$1" "$(printf '%s' "$2" | oneline)" >> "$RES"; say "FAIL $1: $2"; }
# verdict NAME PROBLEMS [DETAIL]: PASS when PROBLEMS is empty
verdict() { if [ -z "$2" ]; then pass "$1" "${3:-}"; else fail "$1" "$2"; fi; }
# wait_until SECONDS COMMAND...: true as soon as COMMAND succeeds, false after SECONDS.
# COMMAND runs again each time: anything to re-evaluate goes in a function or a quoted eval.
wait_until() {
  local end=$(( $(date +%s%N) + $1 * 1000000000 )); shift
  while :; do
    "$@" && return 0
    [ "$(date +%s%N)" -ge "$end" ] && return 1
    sleep 0.2
  done
}
prop() { timeout 10 systemctl show -p "$2" --value "$1" 2>/dev/null; }
daemon_up() { timeout 10 systemctl is-active -q mcelog.service; }
# How long to wait for the daemon: briefly when it is not even running.
patience() { if daemon_up; then echo "${1:-20}"; else echo 3; fi; }
# The journal's current end (-n 0 would print no cursor at all).
cursor() { timeout 10 journalctl -b -n 1 --show-cursor --no-pager -o cat 2>/dev/null | sed -n 's/^-- cursor: //p'; }
hex() { printf '0x%x' "$(( $1 ))"; }

finish() {
  local rc=$?
  say "checks finished (rc $rc)"
  timeout 20 journalctl -b --no-pager -o short-monotonic 2>&1 | tail -n 200 > "$O/journal-tail.txt"
  timeout 20 journalctl -b --no-pager -o json SYSLOG_IDENTIFIER=mcelog > "$O/mcelog-journal.json" 2>&1
  timeout 10 systemctl status --no-pager -l mcelog.service mcelog.socket > "$O/mcelog-status.txt" 2>&1
  timeout 20 journalctl -b --no-pager -o short-monotonic -u mcelog.service -u mcelog.socket > "$O/mcelog-unit-journal.txt" 2>&1
  dmesg > "$O/dmesg.txt" 2>&1
  [ -f /var/log/mcelog ] && cp /var/log/mcelog "$O/fallback-mcelog.log"
  cp -r /var/lib/mcelog "$O/var-lib-mcelog" 2>/dev/null
  echo $(( ($(date +%s%N) - T0) / 1000000000 )) > "$O/checks-seconds"
  sync; touch "$O/done"
}
trap finish EXIT

T=/sys/kernel/tracing D=/sys/kernel/debug/mce-inject
INST=$T/instances/mcelog
MID_CE=19b8d76f99044599b3477385cb5fb56c
MID_UC=1bd5dc41140e4e6b8756ed568c5f39d2
MID_TRIGGER=8e38cc945e914afdb67b97e6c2866a1c
MID_PAGE=fd1c1bed96d3405e855f06da768b8cfe
MID_RELOAD_FAILED=de4fb400e7a84b9e9b8ea3dc2a395397
MID_THRESHOLD=adfb120cc3f64c229a0f88977f84a2bd
CE=0x9c00004000010090      # VAL|EN|MISCV|ADDRV, CEC 1, MCACOD 0x90: memory read, channel 0
SRAO=0xbd000000000000c0    # VAL|UC|EN|MISCV|ADDRV|S, AR 0: uncorrected, action optional (scrub)
# Nehalem puts the failing DIMM's channel in MISC[19:18] and slot in MISC[17:16].
misc_for() { printf '0x%x' $(( ($1 << 18) | ($2 << 16) | 0x8c )); }   # channel slot
ce_status() { printf '0x%x' $(( CE | $1 )); }                              # channel in MCACOD

say "e2e checks on $(uname -r) (series $SERIES)"

# ---- injection ------------------------------------------------------------------------------
# expect PHASE BANK STATUS ADDR DEST: one record the kernel will report; DEST journal|fallback
expect() {
  local sev mid pri
  if [ $(( $3 >> 61 & 1 )) = 1 ]; then sev=uncorrected-recoverable mid=$MID_UC pri=3
  else sev=corrected mid=$MID_CE pri=4; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(hex "$3")" "$(hex "$4")" "$sev" "$mid" "$pri" "$5" >> "$EXP"
}
# debugfs mce-inject: FLAGS (sw: straight into mce_log(); hw: bank MSRs written, then int 18 or
# the poller) BANK STATUS ADDR MISC. Writing `bank` performs the injection.
inject_debugfs() {
  echo "$1" > $D/flags && echo "$3" > $D/status && echo "$4" > $D/addr && echo "$5" > $D/misc \
    && echo 0 > $D/synd && echo 0 > $D/cpu && echo "$2" > $D/bank
}
# QEMU monitor `mce cpu bank status mcg_status addr misc`, sent by the host (e2e/run.sh relays
# share/out/req/N.cmd in order and answers with N.done).
QN=0
inject_qemu() {   # bank status mcgstatus addr misc
  QN=$((QN + 1))
  echo "mce 0 $1 $2 $3 $4 $5" > "$O/req/$QN.tmp" && mv "$O/req/$QN.tmp" "$O/req/$QN.cmd"
  wait_until 20 test -f "$O/req/$QN.done"
}
kernel_traced() {   # bank addr -> records of that bank and address in the global trace buffer
  grep -c -E "MC$1: [0-9a-f]{16}, .*ADDR(/MISC/SYND)?: 0*$(printf '%x' "$(( $2 ))")[,/]" $T/trace
}
# inject METHOD BANK STATUS ADDR MISC [MCGSTATUS]: injects and waits for the kernel's trace
# record (the daemon's journal entries are awaited per batch: journalctl is slow under TCG).
INJECT_PROBLEMS=""
inject() {
  local m=$1 b=$2 st=$3 a=$4 mi=$5 mcgs=${6:-0x0} before
  before=$(kernel_traced "$b" "$a")
  case $m in
    sw|hw) inject_debugfs "$m" "$b" "$st" "$a" "$mi" || { INJECT_PROBLEMS+="$m bank $b: debugfs write failed; "; return 1; } ;;
    qemu)  inject_qemu "$b" "$st" "$mcgs" "$a" "$mi" || { INJECT_PROBLEMS+="qemu bank $b: the host did not send the monitor command; "; return 1; } ;;
  esac
  # The kernel's own record (QEMU's corrected errors wait for the 1 s poller).
  if ! wait_until 10 eval '[ "$(kernel_traced "$b" "$a")" -gt "$before" ]'; then
    INJECT_PROBLEMS+="$m bank $b addr $(hex "$a"): the kernel traced no record; "
    return 1
  fi
  say "injected $m bank $b status $st addr $(hex "$a")"
}
# The daemon's machine-check entries so far: "bank status addr severity message-id priority".
# A repeated field would make jq fail (journald keeps both values): that shows as a bad row.
JSNAP=$O/journal-records.tsv
journal_snapshot() {
  timeout 20 journalctl -b -o json --no-pager SYSLOG_IDENTIFIER=mcelog \
      --output-fields=MCE_BANK,MCE_STATUS,MCE_ADDR,MCE_SEVERITY,MESSAGE_ID,PRIORITY \
    | jq -r 'select(.MCE_BANK != null) | [.MCE_BANK, .MCE_STATUS, .MCE_ADDR, .MCE_SEVERITY, .MESSAGE_ID, .PRIORITY] | @tsv' > "$JSNAP" 2>&1
}
journal_records() { journal_snapshot; grep -c . "$JSNAP"; }
# wait_journaled: until the journal holds every record expected there so far; prints how long
wait_journaled() {
  local want t0=$(date +%s%N)
  want=$(awk -F'\t' '$8 == "journal"' "$EXP" | grep -c .)
  if wait_until "$(patience 20)" eval '[ "$(journal_records)" -ge "$want" ]'; then
    say "journal holds all $want expected records (waited $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
  else
    say "journal holds $(grep -c . "$JSNAP") of $want expected records"
  fi
}

# ---- page helpers: /proc/kpageflags (KPF_BUDDY bit 10, KPF_HWPOISON bit 19) -----------------
pageflags() { od -An -v -tu8 -j $(( $1 * 8 )) -N 8 /proc/kpageflags | tr -d ' '; }
poisoned() { [ $(( $(pageflags "$1") >> 19 & 1 )) = 1 ]; }
# The last page of a free, 1024-page aligned block at or above pfn $1 (every page of a free
# buddy block reads as KPF_BUDDY and nothing else): the buddy allocator hands out the low end of
# a split block first, so this page stays free longest.
free_page_at_or_above() {
  local start=$(( ($1 + 1023) / 1024 * 1024 )) n=65536
  od -An -v -w8 -tu8 -j $(( start * 8 )) -N $(( n * 8 )) /proc/kpageflags | awk -v s="$start" '
    { pfn = s + NR - 1
      if (pfn % 1024 == 0) run = 0
      if ($1 == 1024) run++; else run = -100000
      if (pfn % 1024 == 1023 && run == 1024) { print pfn; exit } }'
}
corrupted_kb() { awk '/^HardwareCorrupted:/{print $2}' /proc/meminfo; }

# ==== setup ===================================================================================
why=""
ldd_out=$(ldd /usr/sbin/mcelog 2>&1)
echo "$ldd_out" | grep -q 'not found' && why+="missing libraries: $(echo "$ldd_out" | grep 'not found'); "
echo "$ldd_out" | grep -q 'libsystemd\.so\.0 =>' || why+="not linked to libsystemd; "
verdict install-binary "$why" "$(/usr/sbin/mcelog --version 2>&1 | head -1)"

why=""
out=$(timeout 30 systemd-analyze verify --man=no /etc/systemd/system/mcelog.socket /etc/systemd/system/mcelog.service 2>&1) || why+="rc $?; "
[ -n "$out" ] && why+="$out"
verdict units-verify "$why"

why=""
uc_err=$(timeout 30 journalctl --update-catalog 2>&1) || why+="journalctl --update-catalog failed: $uc_err; "
[ -z "$why" ] && [ -n "$uc_err" ] && why+="journalctl --update-catalog complained: $uc_err; "
listed=$(timeout 30 journalctl --list-catalog --no-pager 2>&1)
for id in $(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' /usr/lib/systemd/catalog/mcelog.catalog); do
  echo "$listed" | grep -q "^$id " || why+="$id not in journalctl --list-catalog; "
done
verdict catalog-install "$why" "$(grep -c '^-- [0-9a-f]\{32\}$' /usr/lib/systemd/catalog/mcelog.catalog) entries"

why=""
timeout 30 modprobe mce-inject 2>&1 || why+="modprobe mce-inject failed; "
[ -f $D/bank ] || why+="no $D/bank; "
# QEMU's corrected errors are only seen by the poller: every second instead of every 300 s.
echo 1 > /sys/devices/system/machinecheck/machinecheck0/check_interval || why+="cannot set check_interval; "
# The global trace buffer records every mce_record too: the kernel's own list, to compare with
# the journal at the end. It is separate from the daemon's instance, so nothing is taken away.
echo 1 > $T/events/mce/mce_record/enable || why+="cannot enable mce_record in the global trace buffer; "
verdict kernel-mce-inject "$why" "$(modinfo -F filename mce-inject 2>/dev/null)"

CEC=no; [ -d /sys/kernel/debug/ras/cec ] && CEC=yes
say "kernel correctable-error collector (RAS_CEC) active: $CEC"

# The kernel's soft_offline_page on a free page (issue 5 item 7: the real kernel interface).
why=""
PFN_K=$(free_page_at_or_above $((0x30000)))
if [ -z "$PFN_K" ]; then
  why="no free order-10 block above pfn 0x30000"
else
  kb0=$(corrupted_kb)
  echo "$(hex $((PFN_K << 12)))" > /sys/devices/system/memory/soft_offline_page 2>"$O/soft-offline.err" || why+="write failed: $(cat "$O/soft-offline.err"); "
  poisoned "$PFN_K" || why+="pfn $(hex "$PFN_K") not HWPOISON in /proc/kpageflags; "
  [ "$(corrupted_kb)" -ge $((kb0 + 4)) ] || why+="HardwareCorrupted did not grow ($kb0 -> $(corrupted_kb) kB); "
  # A second write finds the page poisoned: the kernel says so in its log.
  echo "$(hex $((PFN_K << 12)))" > /sys/devices/system/memory/soft_offline_page 2>/dev/null
  dmesg | grep -q -E "$(printf '%#x' "$PFN_K"):? page already poisoned" || why+="no 'page already poisoned' kernel line for $(hex "$PFN_K"); "
fi
verdict kernel-soft-offline "$why" "pfn $(hex "${PFN_K:-0}") offlined by writing soft_offline_page; HardwareCorrupted $(corrupted_kb) kB"

# ==== activation ==============================================================================
why=""
[ "$(prop mcelog.socket ActiveState)" = active ] || why+="mcelog.socket is $(prop mcelog.socket ActiveState); "
[ "$(prop mcelog.service ActiveState)" = inactive ] || why+="mcelog.service already $(prop mcelog.service ActiveState) before any client; "
verdict socket-listening "$why" "$(prop mcelog.socket Listen)"

why=""
ping_out=$(timeout 30 mcelog --ping 2>&1); ping_rc=$?
[ "$ping_rc" = 0 ] || why+="mcelog --ping rc $ping_rc; "
[ "$ping_out" = pong ] || why+="mcelog --ping printed '$ping_out'; "
state=$(timeout 10 systemctl show -p ActiveState,SubState,StatusText,MainPID mcelog.service | tr '\n' ' ')
case $state in *ActiveState=active*SubState=running*) ;; *) why+="after the first client: $state; " ;; esac
case $state in *StatusText=Reading*) ;; *) why+="no StatusText from the daemon; " ;; esac
timeout 10 journalctl -b -u mcelog.socket -u mcelog.service -o cat --no-pager | grep -q -E 'Started (mcelog.service - )?Machine Check' \
  || why+="journal has no 'Started ...' for mcelog.service; "
verdict socket-activation "$why" "$state"

why=""
ev=$INST/events/mce/mce_record/enable
[ -d "$INST" ] || why+="no tracefs instance $INST; "
[ "$(cat "$ev" 2>/dev/null)" = 1 ] || why+="mce_record not enabled in the instance; "
[ "$(cat "$INST/buffer_percent" 2>/dev/null)" = 0 ] || why+="buffer_percent is $(cat "$INST/buffer_percent" 2>/dev/null), want 0; "
verdict tracefs-instance "$why"

# ==== inject ==================================================================================
# Page A (3 corrected errors, DIMM A = channel 0 slot 0, bank 1): reaches the page and the DIMM
# thresholds; a free page, so the soft offline really succeeds.
PFN_A=$(free_page_at_or_above $(( ${PFN_K:-0x30000} + 1 )))
[ -n "$PFN_A" ] || PFN_A=$((0x3f000))
PA=$(( PFN_A << 12 ))
say "page A: pfn $(hex "$PFN_A") (flags $(pageflags "$PFN_A"))"
PB=0x5678000 PQ=0x9abc000   # one corrected error each: DIMM B (channel 1 slot 1), channel 2 slot 0
PUC1=0x1236000 PUC2=0x1237000   # uncorrected: kernel text (nokaslr), memory_failure() ignores them
kb_before_A=$(corrupted_kb)
for i in 1 2 3; do
  a=$(( PA + i * 0x40 )); expect main 1 $CE $a journal
  inject sw 1 $CE $a "$(misc_for 0 0)"
done
expect main 2 "$(ce_status 1)" $PB journal;   inject sw 2 "$(ce_status 1)" $PB "$(misc_for 1 1)"
expect main 3 $SRAO $PUC1 journal;            inject hw 3 $SRAO $PUC1 0x86
expect main 4 "$(ce_status 2)" $PQ journal;   inject qemu 4 "$(ce_status 2)" $PQ "$(misc_for 2 0)" 0x0
expect main 5 $SRAO $PUC2 journal;            inject qemu 5 $SRAO $PUC2 0x86 0x5
verdict inject-main "$INJECT_PROBLEMS" "7 records: sw x4, hw x1, qemu x2"; INJECT_PROBLEMS=""
wait_journaled

# ==== journal =================================================================================
# journal_rows BANK: the daemon's records of that bank as bank, status, addr, severity,
# message id, priority (a repeated field would make jq fail: journald keeps both values).
journal_rows() { awk -F'\t' -v b="$1" '$1 == b || NF != 6' "$JSNAP"; }
expected_rows() { awk -F'\t' -v b="$1" -v d="$2" '$2 == b && $8 == d {OFS="\t"; print $2, $3, $4, $5, $6, $7}' "$EXP"; }
# check_bank BANK: the journal snapshot holds exactly the expected records of BANK (each once,
# right fields)
check_bank() {
  local b=$1 want got
  want=$(expected_rows "$b" journal | sort)
  got=$(journal_rows "$b" | sort)
  if [ "$got" != "$want" ]; then
    echo "bank $b: want [$(echo "$want" | paste -sd'|')] got [$(echo "$got" | paste -sd'|')]; "
  fi
}
for b in 1 2 3 4 5; do
  why=$(check_bank $b)
  verdict "journal-bank-$b" "$why" "$(expected_rows $b journal | wc -l) record(s): $(expected_rows $b journal | cut -f2,4 | head -1 | tr '\t' ' ')"
done

why=""
e=$(timeout 10 journalctl -b -o json --no-pager SYSLOG_IDENTIFIER=mcelog MCE_BANK=1 -n 1 | jq -r '[.MCE_CPU, .MCE_SOCKET, .MCE_KIND, .MCE_CPUVENDOR, (.MCE_DECODED // "" | length > 0), .MCE_CHANNEL, .MCE_PAGE] | @tsv' 2>&1)
[ "$(echo "$e" | cut -f1-5)" = "$(printf '0\t0\tmemory\tIntel\ttrue')" ] || why+="bank 1 entry: MCE_CPU/SOCKET/KIND/CPUVENDOR/DECODED = [$e]; "
[ "$(echo "$e" | cut -f6)" = 0 ] || why+="MCE_CHANNEL '$(echo "$e" | cut -f6)', want 0; "
[ "$(echo "$e" | cut -f7)" = "$(hex "$PA")" ] || why+="MCE_PAGE '$(echo "$e" | cut -f7)', want $(hex "$PA"); "
verdict journal-fields "$why" "$e"

# StatusText: the records read, nothing lost, and "N journaled" equal to the entries the daemon
# really wrote (its own _PID, native protocol), once it has settled.
daemon_entries() {
  timeout 10 journalctl -b -o json --no-pager _PID="$(prop mcelog.service MainPID)" _TRANSPORT=journal | grep -c .
}
status_settled() {
  st=$(prop mcelog.service StatusText)
  [[ $st =~ (^|[^0-9])$1\ records ]] && [[ $st =~ (^|[^0-9])([0-9]+)\ journaled ]] && [ "${BASH_REMATCH[2]}" = "$(daemon_entries)" ]
}
why=""
wait_until "$(patience 5)" eval '[[ "$(prop mcelog.service StatusText)" =~ (^|[^0-9])7\ records ]]' || why+="StatusText '$(prop mcelog.service StatusText)' does not count 7 records; "
st=$(prop mcelog.service StatusText)
[[ $st =~ (^|[^0-9])0\ lost ]] || why+="StatusText '$st' reports losses; "
verdict status-counts "$why" "$st"
why=""
wait_until "$(patience 5)" status_settled 7 || why+="after 5 s StatusText still says '$(echo "$st" | grep -o '[0-9]* journaled')' but the daemon wrote $(daemon_entries) journal entries ('$st'); "
verdict status-settles "$why" "$(echo "$st" | grep -o '[0-9]* journaled')"

why=""
x=$(timeout 10 journalctl -b -x --no-pager SYSLOG_IDENTIFIER=mcelog MESSAGE_ID=$MID_CE -n 1 2>&1)
echo "$x" | grep -q 'Subject: Corrected memory error on CPU 0, bank [0-9]' || why+="no substituted corrected-error Subject in journalctl -x; "
echo "$x" | grep -q 'Physical address: 0x[0-9a-f]* (page 0x' || why+="no substituted address line; "
x=$(timeout 10 journalctl -b -x --no-pager SYSLOG_IDENTIFIER=mcelog MESSAGE_ID=$MID_UC -n 1 2>&1)
echo "$x" | grep -q 'Subject: Uncorrected memory error (uncorrected-recoverable) on CPU 0, bank [0-9]' || why+="no substituted uncorrected-error Subject in journalctl -x; "
verdict catalog-x "$why" "$(echo "$x" | grep -m1 'Subject:' | sed 's/^[^S]*//')"

# ==== response ================================================================================
# mcelog --client: upstream's dump (SOCKET s CHANNEL c DIMM d / corrected memory errors: /
# <TAB>N total) and page list (<addr>: total N seen "..." online|offline... [triggered]).
why=""
client=$(timeout 20 mcelog --client 2>&1); crc=$?
echo "$client" > "$O/client-main.txt"
[ "$crc" = 0 ] || why+="mcelog --client rc $crc; "
dimm_totals() {   # client output -> "socket channel dimm ce|uc N" lines
  awk '/^SOCKET [0-9]+ CHANNEL [0-9]+ DIMM [0-9]+/ {k = $2 " " $4 " " $6; kind = ""; next}
       /^SOCKET / {k = ""; next}
       /^corrected memory errors:/ {kind = "ce"; next}
       /^uncorrected memory errors:/ {kind = "uc"; next}
       /^\t[0-9]+ total$/ && k != "" && kind != "" {print k, kind, $1 + 0}'
}
totals=$(echo "$client" | dimm_totals)
for w in "0 0 0 ce 3" "0 1 1 ce 1" "0 2 0 ce 1" "0 0 0 uc 2"; do
  echo "$totals" | grep -qx "$w" || why+="no DIMM line for [$w] (socket channel dimm kind total); "
done
pa_hex=$(printf '%x' "$PA")
echo "$client" | grep -q -E "^$pa_hex: total 3 seen \"[0-9]+ in 24h\" (online|offline|offline-failed)( triggered)?$" \
  || why+="no page line '$pa_hex: total 3 seen ...'; "
echo "$client" | grep -q -E "^$(printf '%x' $((PB)) ): total 1 seen " || why+="no page line for $(printf '%x' $((PB))); "
verdict client-accounting "$why" "$(echo "$totals" | paste -sd,)"

# Triggers: each wrote its environment to /var/lib/mcelog/e2e-triggers/<name>.<pid>.env.
# The three fired at the 3rd corrected error of DIMM A / page A and the 1st uncorrected one.
TD=/var/lib/mcelog/e2e-triggers
trigger_env() {   # name regex-on-MESSAGE -> the first env file of that trigger whose MESSAGE matches
  local f
  for f in "$TD/$1".*.env; do
    [ -f "$f" ] && grep -q -E "^MESSAGE=$2\$" "$f" && { echo "$f"; return 0; }
  done
  return 1
}
all_triggers_ran() { ls "$TD"/e2e-dimm-trigger.*.env "$TD"/e2e-uc-trigger.*.env "$TD"/e2e-page-trigger.*.env >/dev/null 2>&1; }
wait_until "$(patience 10)" all_triggers_ran
check_trigger() {   # check-name trigger-name message-regex location-regex
  local f why=""
  if f=$(trigger_env "$2" "$3"); then
    grep -q -E "^LOCATION=$4" "$f" || why+="$2: LOCATION is '$(sed -n 's/^LOCATION=//p' "$f")', want /$4/; "
    grep -q '^THRESHOLD=' "$f" || why+="$2: no THRESHOLD; "
    grep -q '^THRESHOLD_COUNT=' "$f" || why+="$2: no THRESHOLD_COUNT; "
    grep -q '^AGETIME=86400$' "$f" || why+="$2: AGETIME is '$(sed -n 's/^AGETIME=//p' "$f")', want 86400; "
    cp "$f" "$O/"
  else
    why+="$2 did not run with MESSAGE matching /$3/ (env files: $(ls "$TD" 2>/dev/null | paste -sd' '); messages: $(cat "$TD"/*.env 2>/dev/null | sed -n 's/^MESSAGE=//p' | paste -sd'|')); "
  fi
  verdict "$1" "$why" "$(sed -n 's/^MESSAGE=//p' "${f:-/dev/null}" 2>/dev/null)"
}
check_trigger trigger-dimm-ce e2e-dimm-trigger 'corrected DIMM memory error count exceeded threshold: 3 in 24h' 'SOCKET:0 CHANNEL:0 DIMM:0'
check_trigger trigger-dimm-uc e2e-uc-trigger 'Uncorrected DIMM memory error count exceeded threshold: 1 in 24h' 'SOCKET:0 CHANNEL:0 DIMM:0'
check_trigger trigger-page e2e-page-trigger "Corrected memory errors on page $pa_hex exceed threshold 3 in 24h: 3 in 24h" 'SOCKET:0 CHANNEL:0 DIMM:0'

# The daemon's own entries about its response: trigger runs, thresholds, the page offline.
RESP=$O/journal-response.tsv
response_snapshot() {
  timeout 20 journalctl -b -o json --no-pager SYSLOG_IDENTIFIER=mcelog MESSAGE_ID=$MID_TRIGGER MESSAGE_ID=$MID_THRESHOLD MESSAGE_ID=$MID_PAGE \
    | jq -r '[.MESSAGE_ID, .MCE_TRIGGER, .MCE_TRIGGER_EXIT, .MCE_THRESHOLD, .MCE_PAGE, .MCE_OFFLINE_MODE, .MCE_OFFLINE_RESULT, .PRIORITY] | @tsv' > "$RESP" 2>&1
}
response_complete() {
  response_snapshot
  grep -q -P "^$MID_TRIGGER\t[^\t]*e2e-page-trigger\t" "$RESP" && { [ "$CEC" = yes ] || grep -q "^$MID_PAGE" "$RESP"; }
}
wait_until "$(patience 10)" response_complete
response_snapshot

why=""
tj=$(awk -F'\t' -v m=$MID_TRIGGER '$1 == m {print $2 "\t" $3}' "$RESP")
# MCE_TRIGGER: the configured name (the page trigger's is relative to [trigger] directory) or
# the resolved path.
for t in e2e-dimm-trigger e2e-uc-trigger e2e-page-trigger; do
  echo "$tj" | grep -q -E "^(/etc/mcelog/)?$t	(0|.*[^0-9]0)$" || why+="no trigger-run entry for $t with exit status 0; "
done
verdict trigger-journal "$why" "$(echo "$tj" | sort | uniq -c | paste -sd,)"

why=""
th=$(awk -F'\t' -v m=$MID_THRESHOLD '$1 == m {print $4}' "$RESP")
echo "$th" | grep -qx '3 in 24h' || why+="no threshold-exceeded entry with MCE_THRESHOLD=3 in 24h (got: $(echo "$th" | paste -sd'|')); "
verdict threshold-journal "$why" "$(echo "$th" | sort | uniq -c | paste -sd,)"

# Page offline: the daemon's entry, and the kernel's view of the page.
# Without RAS_CEC (6.1) the daemon soft-offlines page A at its threshold. With RAS_CEC (6.12) the
# kernel soft-offlines the page itself at its second corrected error, and the daemon by default
# only accounts ([page] memory-ce-action-with-cec = account) and says so in the journal.
why=""
po=$(awk -F'\t' -v m=$MID_PAGE 'BEGIN {OFS = "\t"} $1 == m {print $5, $6, $7, $8}' "$RESP")
line=$(echo "$po" | awk -F'\t' -v p="$(hex "$PA")" '$1 == p' | head -1)
if [ "$CEC" = yes ]; then
  [ -z "$po" ] || why+="page-offline entries although the kernel's collector is active and the config keeps the default (account): $(echo "$po" | paste -sd'|'); "
  timeout 10 journalctl -b -o cat --no-pager SYSLOG_IDENTIFIER=mcelog | grep -q "corrected-error collector is active" \
    || why+="no journal notice that RAS_CEC is active and soft offlining became account; "
  line="daemon: account only"
elif [ -z "$line" ]; then
  why+="no page-offline entry (MESSAGE_ID $MID_PAGE) for page $(hex "$PA") (entries: $(echo "$po" | paste -sd'|')); "
else
  [ "$(echo "$line" | cut -f2)" = soft ] || why+="MCE_OFFLINE_MODE '$(echo "$line" | cut -f2)', want soft; "
  case $(echo "$line" | cut -f3) in fail*|"") why+="MCE_OFFLINE_RESULT '$(echo "$line" | cut -f3)'; " ;; esac
  [ "$(echo "$po" | grep -c .)" = 1 ] || why+="$(echo "$po" | grep -c .) page-offline entries, want 1; "
  timeout 20 mcelog --client 2>&1 | grep -q -E "^$pa_hex: total 3 seen \"[0-9]+ in 24h\" offline triggered$" || why+="mcelog --client does not show page $pa_hex offline triggered; "
fi
poisoned "$PFN_A" || why+="kernel: pfn $(hex "$PFN_A") is not HWPOISON (/proc/kpageflags: $(printf '%#x' "$(pageflags "$PFN_A")")); "
[ "$(corrupted_kb)" -ge $((kb_before_A + 4)) ] || why+="kernel: HardwareCorrupted did not grow ($kb_before_A -> $(corrupted_kb) kB); "
if poisoned "$PFN_A"; then   # probe: the kernel's own line for a page it has offlined
  echo "$(hex "$PA")" > /sys/devices/system/memory/soft_offline_page 2>/dev/null
  dmesg | grep -q -E "$(printf '%#x' "$PFN_A"):? page already poisoned" || why+="kernel: no 'page already poisoned' line for pfn $(hex "$PFN_A"); "
fi
verdict page-soft-offline "$why" "$line (RAS_CEC $CEC); kernel: pfn $(hex "$PFN_A") flags $(printf '%#x' "$(pageflags "$PFN_A")"), HardwareCorrupted $(corrupted_kb) kB"

# ==== reload ==================================================================================
# Entries after CURSOR, as JSON. Field matches are applied by jq, not journalctl: systemd 252's
# journalctl finds nothing with --after-cursor plus a match the cursor's own entry fails.
after_cursor() { timeout 20 journalctl -b --after-cursor="$1" -o json --no-pager 2>/dev/null; }
# notifications PID CURSOR: the sd_notify messages PID 1 logged (at debug level) for PID
notifications() {
  after_cursor "$2" | jq -r 'select(._PID == "1") | .MESSAGE' | grep "mcelog.service: Got notification message from PID $1"
}
reload_sequence_ok() {   # notifications -> problems
  echo "$1" | grep -q 'RELOADING=1' || echo -n "no RELOADING=1 notification; "
  echo "$1" | grep 'RELOADING=1' | grep -q 'MONOTONIC_USEC=' || echo -n "RELOADING=1 without MONOTONIC_USEC; "
  echo "$1" | sed -n '/RELOADING=1/,$p' | grep -q 'READY=1' || echo -n "no READY=1 after RELOADING=1; "
}
why=""
pid=$(prop mcelog.service MainPID)
cur=$(cursor)
timeout 10 systemctl log-level debug   # PID 1 then journals every sd_notify message it gets
rl_out=$(timeout 30 systemctl reload mcelog.service 2>&1) || why+="systemctl reload failed: $rl_out ($(after_cursor "$cur" | jq -r 'select(.UNIT == "mcelog.service" or ._SYSTEMD_UNIT == "mcelog.service") | .MESSAGE' | grep -m2 -E 'Failed (to locate|at step|to execute)|not executable|Reload failed' | paste -sd' ')); "
wait_until 10 eval '[ "$(prop mcelog.service SubState)" = running ]' || why+="SubState $(prop mcelog.service SubState) after reload; "
sleep 0.5
[ "$(prop mcelog.service MainPID)" = "$pid" ] || why+="MainPID changed $pid -> $(prop mcelog.service MainPID); "
[ "$(prop mcelog.service ActiveState)" = active ] || why+="ActiveState $(prop mcelog.service ActiveState); "
notes=$(notifications "$pid" "$cur")
why+=$(reload_sequence_ok "$notes")
verdict reload "$why" "pid $pid; $(echo "$notes" | grep -o '(.*)' | cut -c1-50 | paste -sd' ')"

# The daemon's part alone (SIGHUP, as ExecReload sends it), whatever the unit's ExecReload does.
why=""
cur=$(cursor)
timeout 10 systemctl kill --kill-whom=main --signal=SIGHUP mcelog.service || why+="systemctl kill -s HUP failed; "
wait_until 10 eval 'notifications "$pid" "$cur" | sed -n "/RELOADING=1/,\$p" | grep -q READY=1'
notes=$(notifications "$pid" "$cur")
echo "$notes" > "$O/reload-notify.txt"
why+=$(reload_sequence_ok "$notes")
[ "$(prop mcelog.service ActiveState)/$(prop mcelog.service SubState)" = active/running ] || why+="$(prop mcelog.service ActiveState)/$(prop mcelog.service SubState) after SIGHUP; "
[ "$(prop mcelog.service MainPID)" = "$pid" ] || why+="MainPID changed; "
verdict reload-sighup "$why" "$(echo "$notes" | grep -o '(.*)' | cut -c1-50 | paste -sd' ')"

# A bad configuration is refused and journaled; the daemon keeps the old one and keeps running.
why=""
cp /etc/mcelog/mcelog-e2e.conf /run/mcelog-e2e.conf.good
echo "no-such-key = 1" >> /etc/mcelog/mcelog-e2e.conf
cur=$(cursor)
timeout 10 systemctl kill --kill-whom=main --signal=SIGHUP mcelog.service || why+="systemctl kill -s HUP failed; "
reload_failure() { after_cursor "$cur" | jq -r --arg m $MID_RELOAD_FAILED 'select(.MESSAGE_ID == $m) | .MCE_CONFIG_ERROR' | head -1; }
wait_until "$(patience 10)" eval '[ -n "$(reload_failure)" ]' \
  || why+="no config-reload-failed entry (MESSAGE_ID $MID_RELOAD_FAILED); "
err=$(reload_failure)
case $err in *mcelog-e2e.conf*line*) ;; *) why+="MCE_CONFIG_ERROR '$err' does not name the file and line; " ;; esac
cp /run/mcelog-e2e.conf.good /etc/mcelog/mcelog-e2e.conf
timeout 10 systemctl kill --kill-whom=main --signal=SIGHUP mcelog.service
wait_until 10 eval 'notifications "$pid" "$cur" | grep -c READY=1 | grep -q "^[2-9]"'
timeout 10 systemctl log-level info
[ "$(prop mcelog.service ActiveState)/$(prop mcelog.service SubState)" = active/running ] || why+="$(prop mcelog.service ActiveState)/$(prop mcelog.service SubState) after the bad config; "
[ "$(prop mcelog.service MainPID)" = "$pid" ] || why+="MainPID changed; "
verdict reload-bad-config "$why" "$err"

# ==== fallback: journald stopped ==============================================================
why=""
JUNITS="systemd-journald.socket systemd-journald-dev-log.socket systemd-journald-audit.socket systemd-journald.service"
fb_records() { grep -c '^CPU 0 BANK 6 ' /var/log/mcelog 2>/dev/null || true; }
fb_in_file() { grep -q -E "^MISC [0-9a-f]+ ADDR $(printf '%x' "$(( $1 ))") *$" /var/log/mcelog 2>/dev/null; }
fb_before=$(fb_records); fb_before=${fb_before:-0}
timeout 30 systemctl stop $JUNITS 2>/dev/null
timeout 30 systemctl is-active -q systemd-journald.service && why+="journald still running; "
for i in 0 1 2 3 4; do
  a=$(( 0x1240000 + i * 0x1000 )); expect fallback 6 "$(ce_status 3)" $a fallback
  inject sw 6 "$(ce_status 3)" $a "$(misc_for 3 0)"
done
wait_until "$(patience 10)" eval '[ "$(fb_records)" -ge $((fb_before + 5)) ]'
for i in 0 1 2 3 4; do
  a=$(( 0x1240000 + i * 0x1000 )); fb_in_file $a || why+="$(hex $a) not in /var/log/mcelog; "
done
n6=$(fb_records)
[ "$(( ${n6:-0} - fb_before ))" = 5 ] || why+="/var/log/mcelog has $(( ${n6:-0} - fb_before )) new bank-6 records, want 5; "
st=$(prop mcelog.service StatusText)
[[ $st =~ (^|[^0-9])12\ records ]] || why+="StatusText '$st' does not count 12 records; "
# "N to /var/log/mcelog" counts the daemon's notices written there too (trigger runs...).
fb_counted() { [[ "$(prop mcelog.service StatusText)" =~ (^|[^0-9])([0-9]+)\ to\ /var/log/mcelog ]] && [ "${BASH_REMATCH[2]}" -ge 5 ]; }
wait_until 5 fb_counted
st=$(prop mcelog.service StatusText)
fb_counted || why+="StatusText '$st' does not count the 5 records written to /var/log/mcelog; "
if [[ $st =~ (^|[^0-9])0\ lost ]] && [ "$(( ${n6:-0} - fb_before ))" != 5 ]; then why+="and it reports 0 lost; "; fi
[ "$(prop mcelog.service ActiveState)" = active ] || why+="mcelog.service $(prop mcelog.service ActiveState) while journald was down; "
if [ ! -f /var/log/mcelog ]; then   # why the daemon could not write it: look from inside its sandbox
  p=$(prop mcelog.service MainPID)
  [ "${p:-0}" != 0 ] && why+="inside the service's mount namespace /var/log is $(timeout 10 nsenter -t "$p" -m sh -c 'test -w /var/log && echo writable || echo read-only') and /var/log/mcelog does not exist; "
fi
verdict fallback-journald-stopped "$why$INJECT_PROBLEMS" "$st"; INJECT_PROBLEMS=""

why=""
timeout 30 systemctl start systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service 2>&1 || why+="journald did not start again; "
for i in 0 1; do
  a=$(( 0x1250000 + i * 0x1000 )); expect fallback 7 "$(ce_status 3)" $a journal
  inject sw 7 "$(ce_status 3)" $a "$(misc_for 3 0)"
done
wait_journaled
why+=$(check_bank 7)
for i in 0 1; do fb_in_file $(( 0x1250000 + i * 0x1000 )) && why+="$(hex $(( 0x1250000 + i * 0x1000 ))) went to /var/log/mcelog although journald is back; "; done
[ "$(journal_rows 6 | grep -c .)" = 0 ] || why+="bank-6 records (journald was down) are in the journal too; "
verdict fallback-journald-back "$why$INJECT_PROBLEMS"; INJECT_PROBLEMS=""

# ==== restart: records buffered by the kernel while the daemon is stopped =====================
why=""
timeout 30 systemctl stop mcelog.service 2>/dev/null || why+="systemctl stop failed; "
[ "$(prop mcelog.service ActiveState)" = inactive ] || why+="after stop: $(prop mcelog.service ActiveState); "
[ "$(prop mcelog.service Result)" = success ] || why+="stop result $(prop mcelog.service Result) (exit status $(prop mcelog.service ExecMainStatus)); "
for i in 0 1 2; do
  a=$(( 0x1260000 + i * 0x1000 )); expect restart 8 "$(ce_status 3)" $a journal
  inject sw 8 "$(ce_status 3)" $a "$(misc_for 3 1)"
done
expect restart 9 "$(ce_status 3)" 0x1270000 journal
inject qemu 9 "$(ce_status 3)" 0x1270000 "$(misc_for 3 2)" 0x0
inst_n=$(grep -c 'mce_record:' "$INST/trace" 2>/dev/null)
[ "${inst_n:-0}" -ge 4 ] || why+="the instance buffered ${inst_n:-0} records while the daemon was stopped, want 4; "
timeout 30 systemctl start mcelog.service || why+="systemctl start failed; "
[ "$(prop mcelog.service ActiveState)" = active ] || why+="after start: $(prop mcelog.service ActiveState); "
wait_journaled
for b in 1 2 3 4 5 7 8 9; do why+=$(check_bank $b); done   # the new ones; nothing old again
verdict restart-buffered "$why$INJECT_PROBLEMS" "the instance held $inst_n records"; INJECT_PROBLEMS=""

why=""
client_after=$(timeout 20 mcelog --client 2>&1 | dimm_totals)
echo "$client_after" > "$O/client-after-restart.txt"
for w in "0 0 0 ce 3" "0 0 0 uc 2" "0 1 1 ce 1"; do
  echo "$client_after" | grep -qx "$w" || why+="after restart no DIMM line [$w]; "
done
verdict accounting-survives-restart "$why" "$(echo "$client_after" | paste -sd,)"

# ==== final ===================================================================================
# Every record the kernel traced (global buffer) is in the journal or the fallback file, once.
why=""
ktrace=$(grep 'mce_record:' $T/trace | sed -E 's/.*MC([0-9]+): 0*([0-9a-f]+),.* ADDR(\/MISC\/SYND)?: 0*([0-9a-f]+)[,/].*/\1 0x\2 0x\4/' | sort)
journal_snapshot
jrows=$(awk -F'\t' '{print $1, $2, $3}' "$JSNAP")
frows=$(awk '/^CPU [0-9]+ BANK [0-9]+ / {b = $4} /^MISC [0-9a-f]+ ADDR [0-9a-f]+/ {a = $4} /^STATUS [0-9a-f]+ / {print b, "0x" $2, "0x" a}' /var/log/mcelog 2>/dev/null)
delivered=$(printf '%s\n%s\n' "$jrows" "$frows" | grep . | sort)
echo "$ktrace" > "$O/kernel-records.txt"; echo "$delivered" > "$O/delivered-records.txt"
[ "$(echo "$ktrace" | grep -c .)" = "$(grep -c . "$EXP")" ] || why+="the kernel traced $(echo "$ktrace" | grep -c .) records for $(grep -c . "$EXP") injections; "
dups=$(echo "$delivered" | uniq -d)
[ -z "$dups" ] && [ "$(echo "$jrows" | grep -c .)" = "$(echo "$jrows" | sort -u | grep -c .)" ] || why+="delivered twice: $(echo "$dups" | paste -sd'|'); "
missing=$(comm -23 <(echo "$ktrace") <(echo "$delivered" | sort -u))
[ -z "$missing" ] || why+="traced by the kernel but not delivered: $(echo "$missing" | paste -sd'|'); "
extra=$(comm -13 <(echo "$ktrace") <(echo "$delivered" | sort -u))
[ -z "$extra" ] || why+="delivered but never traced: $(echo "$extra" | paste -sd'|'); "
verdict no-record-lost-or-twice "$why" "$(echo "$ktrace" | grep -c .) kernel records, $(echo "$jrows" | grep -c .) journaled, $(echo "$frows" | grep -c .) in /var/log/mcelog"

why=""
[ "$(prop mcelog.service NRestarts)" = 0 ] || why+="NRestarts=$(prop mcelog.service NRestarts); "
bad=$(timeout 10 journalctl -b _PID=1 -o cat --no-pager | grep -E '^mcelog\.service: (Main process exited|Failed with result|Watchdog timeout|Killing process)')
[ -z "$bad" ] || why+="$bad; "
timeout 10 journalctl -b _SYSTEMD_UNIT=mcelog.service _TRANSPORT=stdout -o cat --no-pager > "$O/daemon-stderr.txt" 2>&1
verdict daemon-health "$why" "stderr lines: $(grep -c . "$O/daemon-stderr.txt")"

# ==== the Debian package (issue 7) ===========================================================
# Last, because it replaces the test installation: the package built by scripts/build-deb.sh
# installs offline, its postinst updates the catalog, creates the fallback log, enables and
# starts the socket; the first client activates the service.
why=""
deb=$(ls /mnt/host/payload/mcelog_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
  why+="no .deb in the payload; "
else
  timeout 30 systemctl stop mcelog.service mcelog.socket
  rm -rf /etc/systemd/system/mcelog.service /etc/systemd/system/mcelog.socket /etc/systemd/system/mcelog.service.d \
         /etc/systemd/system/sockets.target.wants/mcelog.socket /usr/sbin/mcelog /usr/lib/systemd/catalog/mcelog.catalog \
         /usr/lib/tmpfiles.d/mcelog.conf /var/log/mcelog
  timeout 30 systemctl daemon-reload
  out=$(DEBIAN_FRONTEND=noninteractive timeout 120 dpkg -i --force-confnew "$deb" 2>&1) || why+="dpkg -i failed: $(echo "$out" | tail -3 | paste -sd' '); "
  [ "$(dpkg-query -W -f='${Status}' mcelog 2>/dev/null)" = "install ok installed" ] || why+="dpkg-query: $(dpkg-query -W -f='${Status}' mcelog 2>&1); "
  [ "$(systemctl is-enabled mcelog.socket 2>/dev/null)" = enabled ] || why+="mcelog.socket not enabled; "
  wait_until 20 eval '[ "$(systemctl is-active mcelog.socket)" = active ]' || why+="mcelog.socket not active; "
  p=$(timeout 20 mcelog --ping 2>&1); [ "$p" = pong ] || why+="mcelog --ping after the install: $p; "
  wait_until 20 daemon_up || why+="mcelog.service not active: $(prop mcelog.service ActiveState); "
  n=$(timeout 10 journalctl --list-catalog --no-pager 2>/dev/null | grep -c ' mcelog: ')
  [ "$n" = 10 ] || why+="the catalog lists $n mcelog ids, want 10; "
  [ -f /var/log/mcelog ] || why+="no /var/log/mcelog after the install (tmpfiles.d); "
  v=$(timeout 30 systemd-analyze verify --man=no /lib/systemd/system/mcelog.socket /lib/systemd/system/mcelog.service 2>&1)
  [ -z "$v" ] || why+="systemd-analyze verify: $v; "
fi
verdict deb-install "$why" "$(basename "${deb:-none}")"

say "done: $(grep -c '^PASS' "$RES") passed, $(grep -c '^FAIL' "$RES") failed"
exit 0
