#!/bin/bash
# capture-tracefs.sh: record real kernel tracefs output for mce:mce_record, to be used as test
# fixtures for the daemon's tracefs ring-buffer parser.
#
# It boots a Debian 12 kernel under QEMU (TCG, no KVM) with a throw-away busybox initramfs. Inside
# the guest, /init creates the tracefs instance `mcelog`, enables mce:mce_record (and ras:mc_event
# if the kernel has it), injects a fixed list of machine checks (debugfs mce-inject plus QEMU's
# HMP `mce` command), then copies the instance's files, including the binary
# per_cpu/cpuN/trace_pipe_raw pages, to the host over a second serial port.
#
# usage: scripts/capture-tracefs.sh 6.1|6.12 [FIXTURE_ROOT]
#   Results go to FIXTURE_ROOT/debian-<series>/ (default FIXTURE_ROOT: Tests/Fixtures/tracefs
#   next to this script's repository), laid out like tracefs:
#     instances/mcelog/events/header_page, .../events/mce/mce_record/format, .../trace,
#     instances/mcelog/per_cpu/cpu0/trace_pipe_raw, ...
#   plus uname-r, cpuinfo, injected.tsv and PROVENANCE.md.
# env: VM_CACHE  download/unpack cache (default /var/cache/mce-e2e-vm; not /tmp, which can be
#                cleaned at any time)
#      KPKG      kernel package to use instead of the default for the series
#      KEEP_WORK=1  keep the temporary work directory (initramfs tree, console log)
# Needs (Debian 12 host, root): qemu-system-x86, cpio, xz-utils, Debian bookworm and
# bookworm-security apt sources (the 6.12 kernel is linux-image-6.12.*+deb12-amd64-unsigned there).
#
# SAFETY: the guest runs only busybox as PID 1 inside QEMU; nothing runs on the host's init.
set -euo pipefail

SERIES=${1:?usage: $0 6.1|6.12 [FIXTURE_ROOT]}
HERE=$(cd "$(dirname "$0")/.." && pwd)
FIXROOT=${2:-$HERE/Tests/Fixtures/tracefs}
C=${VM_CACHE:-/var/cache/mce-e2e-vm}
mkdir -p "$C/debs"

# ---------------------------------------------------------------------------------------------
# What gets injected. One line per machine check, in the order they are injected:
#   method  cpu bank status             mcgstatus addr      misc  pause-after (s)
# method sw   : debugfs mce-inject flags=sw  (straight to mce_log(); mcgcap/mcgstatus stay 0)
# method hw   : debugfs mce-inject flags=hw  (bank MSRs written, then int 18 -> real #MC handler)
# method qemu : QEMU HMP `mce cpu bank status mcg_status addr misc` (QEMU writes the bank MSRs;
#               a corrected error is found by the guest's poller, a UC error raises #MC)
# Status bits: 0x9c00004000010090 = VAL|EN|MISCV|ADDRV, corrected count 1, MSCOD 1,
#   MCACOD 0x0090 (memory controller read, channel 0); ...91 = channel 1; ...92 = channel 2;
#   0x9c00004000010093 (channel 3) is used for the burst.
#   0xbd000000000000c0 = VAL|UC|EN|MISCV|ADDRV|S, AR=0 (SRAO), MCACOD 0xc0 (memory scrub).
# The 0.5 s pauses spread the events out, so the ring buffer contains time_extend entries. The
# burst of BURST corrected errors (addresses 0x2000000, 0x2001000, ...; no pauses) makes the
# raw dump span several 4096-byte sub-buffers, so page boundaries and padding get exercised.
# The UC addresses lie in the kernel image (nokaslr puts it at 16 MiB), so memory_failure()
# reports "unhandlable page ... Ignored" instead of killing a process (or init).
# Guest is `-smp 1`: with 2 vCPUs an Intel (Nehalem) hw injection panics with a broadcast timeout.
# ---------------------------------------------------------------------------------------------
BURST=${BURST:-60}
INJECTIONS="\
sw   0 1 0x9c00004000010090 0x0 0x1234000 0x8c 0.5
sw   0 1 0x9c00004000010090 0x0 0x1234000 0x8c 0.5
sw   0 1 0x9c00004000010090 0x0 0x1234000 0x8c 0.5
sw   0 2 0x9c00004000010091 0x0 0x5678000 0x8c 0.5
$(for i in $(seq 0 $((BURST-1))); do printf 'sw   0 5 0x9c00004000010093 0x0 0x%x 0x8c 0\n' $((0x2000000 + i*0x1000)); done)
hw   0 1 0xbd000000000000c0 0x0 0x1236000 0x86 0.5
qemu 0 3 0x9c00004000010092 0x0 0x9abc000 0x8c 0.5
qemu 0 4 0xbd000000000000c0 0x5 0x1237000 0x86 0.5"
NINJ=$(printf '%s\n' "$INJECTIONS" | wc -l)

# ---- kernel package for the requested series --------------------------------------------------
if [ -z "${KPKG:-}" ]; then
  case "$SERIES" in
    6.1)  # whatever linux-image-amd64 currently points at, unsigned flavour (same binary)
          KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6\.1\.0-/{print $2; exit}')-unsigned ;;
    6.12) # highest linux-image-6.12.N+deb12-amd64-unsigned known to apt (bookworm-security)
          KPKG=$(apt-cache pkgnames linux-image-6.12. | grep -E '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' | sort -V | tail -1) ;;
    *) echo "unknown series $SERIES (want 6.1 or 6.12)" >&2; exit 2 ;;
  esac
fi
[ -n "$KPKG" ] && [ "$KPKG" != -unsigned ] || { echo "no kernel package found for $SERIES (apt-get update?)" >&2; exit 1; }
echo "kernel package: $KPKG"

# ---- download and unpack only what we need: vmlinuz and mce-inject.ko -------------------------
KDIR=$C/kernel-$KPKG
if [ ! -f "$KDIR/.done" ]; then
  DEB=$(ls "$C"/debs/${KPKG}_*.deb 2>/dev/null | tail -1 || true)
  if [ -z "$DEB" ]; then (cd "$C/debs" && apt-get download "$KPKG"); DEB=$(ls "$C"/debs/${KPKG}_*.deb | tail -1); fi
  rm -rf "$KDIR"; mkdir -p "$KDIR"
  dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$KDIR" --wildcards './boot/vmlinuz-*' '*/mce-inject.ko*'
  # 6.12 ships modules as .ko.xz; busybox insmod cannot decompress them
  find "$KDIR" -name 'mce-inject.ko.xz' -exec xz -d {} \;
  dpkg-deb -f "$DEB" Version > "$KDIR/deb-version"
  touch "$KDIR/.done"
fi
VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -1)
KVER=${VMLINUZ##*/vmlinuz-}
MCEINJ=$(find "$KDIR" -name mce-inject.ko | head -1)
BB=$C/busybox
if [ ! -x "$BB" ]; then
  BBDEB=$(ls "$C"/debs/busybox-static_*.deb 2>/dev/null | tail -1 || true)
  if [ -z "$BBDEB" ]; then (cd "$C/debs" && apt-get download busybox-static); BBDEB=$(ls "$C"/debs/busybox-static_*.deb | tail -1); fi
  T=$(mktemp -d); dpkg-deb --fsys-tarfile "$BBDEB" | tar -x -C "$T" ./bin/busybox; mv "$T/bin/busybox" "$BB"; rm -rf "$T"
fi

# ---- initramfs ----------------------------------------------------------------------------------
W=$(mktemp -d /tmp/capture-tracefs.XXXXXX)
cleanup() { [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $W" || rm -rf "$W"; }
trap cleanup EXIT
R=$W/root
mkdir -p $R/{bin,proc,sys,dev,out,tmp}
cp "$BB" $R/bin/busybox
# `busybox --list` contains "busybox" itself; linking that would replace the binary by a loop
for a in $($R/bin/busybox --list | grep -vx busybox); do ln -s busybox $R/bin/$a; done
cp "$MCEINJ" $R/mce-inject.ko
printf '%s\n' "$INJECTIONS" > $R/injections

cat > $R/init <<'INIT'
#!/bin/sh
# Guest side. Console (ttyS0) gets progress lines; the results go out on ttyS1 as base64 tar.
export PATH=/bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev
mount -t debugfs d /sys/kernel/debug; mount -t tracefs t /sys/kernel/tracing
T=/sys/kernel/tracing D=/sys/kernel/debug/mce-inject I=/sys/kernel/tracing/instances/mcelog
up() { cut -d' ' -f1 /proc/uptime; }
fail() { echo "CAPTURE_FAILED: $*"; poweroff -f; }
echo "T_INIT uptime=$(up)"

# 1. instance, wake-up threshold, events
mkdir $I || fail "mkdir instance"
[ -f $I/buffer_percent ] && echo 0 > $I/buffer_percent
echo 1 > $I/events/mce/mce_record/enable || fail "enable mce_record"
[ -f $I/events/ras/mc_event/enable ] && echo 1 > $I/events/ras/mc_event/enable
echo "buffer_percent=$(cat $I/buffer_percent 2>/dev/null) buffer_size_kb=$(cat $I/buffer_size_kb) trace_clock=$(cat $I/trace_clock)"
# poll the banks every second, so that QEMU's corrected errors are found (default 300 s)
echo 1 > /sys/devices/system/machinecheck/machinecheck0/check_interval
insmod /mce-inject.ko || fail "insmod mce-inject"

# 2. inject, in order; record what was done in /out/injected.tsv
mkdir -p /out
echo "#n	method	cpu	bank	status	mcgstatus	addr	misc	guest_uptime" > /out/injected.tsv
n=0
while read m cpu bank status mcgs addr misc pause; do
  n=$((n+1))
  before=$(grep -c mce_record $I/trace)
  echo "$n	$m	$cpu	$bank	$status	$mcgs	$addr	$misc	$(up)" >> /out/injected.tsv
  echo "INJECT $n $m cpu=$cpu bank=$bank status=$status mcgstatus=$mcgs addr=$addr misc=$misc"
  case $m in
    sw|hw) # flags needs its trailing newline; writing bank triggers the injection
      echo $m > $D/flags; echo $status > $D/status; echo $addr > $D/addr; echo $misc > $D/misc
      echo $cpu > $D/cpu; echo $bank > $D/bank ;;
    qemu)  # the host watches the console for this line and types the HMP command
      echo "QEMU_MCE $n $cpu $bank $status $mcgs $addr $misc" ;;
  esac
  # wait for the record (the poller needs up to ~1 s for a QEMU corrected error)
  i=0; while [ $(grep -c mce_record $I/trace) -le $before ] && [ $i -lt 60 ]; do sleep 0.25; i=$((i+1)); done
  [ $(grep -c mce_record $I/trace) -gt $before ] || fail "injection $n produced no record"
  echo "RECORDED $n uptime=$(up)"
  [ "$pause" = 0 ] || sleep $pause
done < /injections
sleep 1.5     # let the poller run once more, in case an injection leaves anything behind
echo "T_INJECTED uptime=$(up)"

# 3. copy out. Text `trace` first (non-consuming), then the consuming raw reads.
echo 0 > $I/tracing_on
O=/out/instances/mcelog
mkdir -p $O/events/mce/mce_record
cp $I/events/header_page $I/events/header_event $O/events/
cp $I/events/mce/mce_record/format $I/events/mce/mce_record/id $O/events/mce/mce_record/
if [ -d $I/events/ras/mc_event ]; then
  mkdir -p $O/events/ras/mc_event; cp $I/events/ras/mc_event/format $I/events/ras/mc_event/id $O/events/ras/mc_event/
fi
for f in trace_clock buffer_percent buffer_size_kb; do [ -f $I/$f ] && cp $I/$f $O/; done
cp $I/trace $O/trace
for c in $I/per_cpu/cpu*; do
  cpu=${c##*/}; mkdir -p $O/per_cpu/$cpu
  cp $c/stats $O/per_cpu/$cpu/stats
  # trace_pipe_raw hands out one whole 4096-byte sub-buffer per read() and blocks when it is
  # empty (busybox dd has no iflag=nonblock): bs=4096, a timeout ends the final blocking read.
  t0=$(up); timeout 3 dd if=$c/trace_pipe_raw of=$O/per_cpu/$cpu/trace_pipe_raw bs=4096 2>/dev/null; rc=$?
  echo "RAW $cpu bytes=$(wc -c < $O/per_cpu/$cpu/trace_pipe_raw) dd_rc=$rc (143 = ended by timeout) from uptime $t0 to $(up)"
done
uname -r > /out/uname-r
cat /proc/cpuinfo > /out/cpuinfo
dmesg > /out/dmesg.txt

# 4. ship it: tar | base64 on the second serial port (raw mode: no \n -> \r\n mangling)
stty -F /dev/ttyS1 raw -echo 115200
cd /out && tar -cf /tmp/out.tar . && SUM=$(sha256sum /tmp/out.tar | cut -d' ' -f1)
{ echo "BEGIN_TAR_BASE64"; base64 /tmp/out.tar; echo "END_TAR_BASE64 $SUM"; } > /dev/ttyS1
echo "SHIPPED sha256=$SUM"
echo "T_DONE uptime=$(up)"
poweroff -f
INIT
chmod +x $R/init
(cd $R && find . | cpio -o -H newc --quiet | gzip -1) > $W/initrd.gz

# ---- boot ----------------------------------------------------------------------------------------
CON=$W/console.log DATA=$W/data.b64 MON=$W/mon
mkfifo $MON.in $MON.out   # HMP monitor over a FIFO pair
QEMU=(qemu-system-x86_64 -accel tcg -cpu Nehalem -smp 1 -m 512 -display none -no-reboot -nic none
      -kernel "$VMLINUZ" -initrd "$W/initrd.gz" -append "console=ttyS0 panic=-1 nokaslr"
      -serial "file:$CON" -serial "file:$DATA" -chardev "pipe,id=mon,path=$MON" -mon chardev=mon,mode=readline)
echo "qemu: ${QEMU[*]}"
start=$(date +%s%N)
timeout 300 "${QEMU[@]}" &
QPID=$!
cat $MON.out > /dev/null & CATPID=$!   # drain the monitor's echo
exec 3> $MON.in                         # keep the monitor's input open across commands
sent=0
while kill -0 $QPID 2>/dev/null; do
  # Type one HMP `mce` command per QEMU_MCE line the guest prints (in order).
  n=$(grep -c '^QEMU_MCE ' $CON 2>/dev/null || true); n=${n:-0}
  while [ "$sent" -lt "$n" ]; do
    sent=$((sent+1))
    set -- $(grep '^QEMU_MCE ' $CON | sed -n "${sent}p" | tr -d '\r')
    echo "host: HMP mce $3 $4 $5 $6 $7 $8 (injection $2)"
    echo "mce $3 $4 $5 $6 $7 $8" >&3
  done
  sleep 0.2
done
wait $QPID || true
exec 3>&-; kill $CATPID 2>/dev/null || true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "host wall time: $ms ms"
tr -d '\r' < $CON | grep -E '^(T_|INJECT|RECORDED|RAW|SHIPPED|CAPTURE_FAILED|buffer_percent)' || true
if grep -q CAPTURE_FAILED $CON || ! grep -q END_TAR_BASE64 $DATA 2>/dev/null; then
  echo "capture failed; console log tail:" >&2; tr -d '\r' < $CON | tail -40 >&2
  KEEP_WORK=1; exit 1
fi

# ---- unpack on the host, verify the checksum, install as fixture -------------------------------
SUM=$(awk '/^END_TAR_BASE64/{print $2}' $DATA)
sed -n '/^BEGIN_TAR_BASE64/,/^END_TAR_BASE64/p' $DATA | sed '1d;$d' | base64 -d > $W/out.tar
echo "$SUM  $W/out.tar" | sha256sum -c --quiet
DEST=$FIXROOT/debian-$SERIES
rm -rf "$DEST"; mkdir -p "$DEST"
tar -xf $W/out.tar -C "$DEST"
# The raw dump must hold whole sub-buffers
for f in "$DEST"/instances/mcelog/per_cpu/cpu*/trace_pipe_raw; do
  s=$(stat -c %s "$f"); [ $((s % 4096)) -eq 0 ] && [ "$s" -gt 0 ] || { echo "bad raw size $s: $f" >&2; exit 1; }
done
nrec=$(grep -c 'mce_record:' "$DEST/instances/mcelog/trace")
[ "$nrec" -ge "$NINJ" ] || { echo "only $nrec mce_record lines for $NINJ injections" >&2; exit 1; }

# ---- PROVENANCE.md -------------------------------------------------------------------------------
{
  echo "# tracefs capture: Debian 12 kernel $SERIES ($(cat "$DEST/uname-r"))"
  echo
  echo "Generated by \`scripts/capture-tracefs.sh $SERIES\` on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
  echo "Real kernel output, not synthesised: the Debian kernel booted under QEMU (TCG) with a"
  echo "busybox initramfs; the files below were copied from the tracefs instance \`mcelog\`."
  echo
  echo "* kernel package: \`$KPKG\` version \`$(cat "$KDIR/deb-version")\`, \`uname -r\` = \`$(cat "$DEST/uname-r")\`"
  echo "* QEMU: \`$(qemu-system-x86_64 --version | head -1)\`"
  echo "* QEMU command (paths shortened): \`qemu-system-x86_64 -accel tcg -cpu Nehalem -smp 1 -m 512 -display none -no-reboot -nic none -kernel vmlinuz-$KVER -initrd initrd.gz -append \"console=ttyS0 panic=-1 nokaslr\" -serial file:console.log -serial file:data.b64 -chardev pipe,id=mon,path=mon -mon chardev=mon,mode=readline\`"
  echo "* guest CPU: \`-cpu Nehalem\` (GenuineIntel, family 6, cpuid 0x106a3, MCG_CAP 0x100010a: 10 banks, CTL_P, SER_P), 1 vCPU"
  echo "* instance setup: \`mkdir instances/mcelog\`; \`buffer_percent\` = 0; enabled \`events/mce/mce_record\`$( [ -d "$DEST/instances/mcelog/events/ras/mc_event" ] && echo ' and `events/ras/mc_event` (present; no EDAC driver binds under QEMU, so it never fires)'); \`machinecheck0/check_interval\` = 1"
  echo "* capture: \`tracing_on\` = 0, then \`trace\` copied, then \`per_cpu/cpuN/trace_pipe_raw\` read with \`dd bs=4096\` (consuming, whole 4096-byte sub-buffers) until it returned EOF or blocked on the empty buffer (ended by a 3 s timeout); see the RAW line below"
  echo "* host wall time of the run: $ms ms"
  echo
  echo "## Injected machine checks (in order)"
  echo
  echo "\`sw\`/\`hw\` = debugfs \`mce-inject\` \`flags\`; \`qemu\` = QEMU HMP \`mce cpu bank status mcg_status addr misc\`. Also in \`injected.tsv\` (with guest uptime)."
  echo
  echo "| # | method | cpu | bank | status | mcgstatus | addr | misc |"
  echo "|---|---|---|---|---|---|---|---|"
  # the burst (bank 5, status ...93) is folded into one row; injected.tsv lists every injection
  printf '%s\n' "$INJECTIONS" | awk '
    $3 == 5 && $4 == "0x9c00004000010093" { if (!b0) b0 = NR; b1 = NR; if (!ba) ba = $6; next }
    b0 && !done { printf "| %d-%d | %s | %s | %s | %s | %s | %s + 0x1000 * k, k = 0..%d | %s |\n", b0, b1, "sw", 0, 5, "0x9c00004000010093", "0x0", ba, b1-b0, "0x8c"; done = 1 }
    { printf "| %d | %s | %s | %s | %s | %s | %s | %s |\n", NR, $1, $2, $3, $4, $5, $6, $7 }'
  echo
  echo "## mce_record lines of the text \`trace\` file"
  echo
  echo '```'
  grep -v '^#' "$DEST/instances/mcelog/trace"
  echo '```'
  echo
  echo "## Guest progress (console; burst injections omitted)"
  echo
  echo '```'
  tr -d '\r' < $CON | grep -E '^(T_|INJECT|RECORDED|RAW|SHIPPED|buffer_percent)' | awk '/^INJECT .* bank=5 status=0x9c00004000010093 /{b[$2] = 1} /^(INJECT|RECORDED) /&&b[$2]{next} {print}' || true
  echo '```'
  echo
  echo "## Raw sub-buffers"
  echo
  for f in "$DEST"/instances/mcelog/per_cpu/cpu*/trace_pipe_raw; do
    echo "* \`${f#$DEST/}\`: $(stat -c %s "$f") bytes"
  done
  echo
  echo "## Kernel log lines about the injections (from dmesg.txt)"
  echo
  echo '```'
  # without the 3 lines per burst record (Bank 5)
  grep -i -E 'mce|machine check|hardware error|memory failure' "$DEST/dmesg.txt" | awk '/Bank 5: /{skip = 3} skip {skip--; next} {print}' || true
  echo '```'
} > "$DEST/PROVENANCE.md"
rm -f "$DEST/dmesg.txt"   # its MCE lines are in PROVENANCE.md; the rest is boot noise
echo "fixtures in $DEST:"; (cd "$DEST" && find . -type f | sort | xargs ls -l | awk '{print $5, $9}')
