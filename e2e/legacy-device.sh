#!/bin/bash
# legacy-device.sh: end-to-end test of the daemon's /dev/mcelog source on a real kernel.
#
# Debian 12 kernels are built without CONFIG_X86_MCELOG_LEGACY, so /dev/mcelog never exists
# there; the device source was only ever run on plain files. This script builds Debian 12's own
# kernel source (package linux-source-6.1) with a small configuration that turns the legacy device
# on (X86_MCELOG_LEGACY=y, X86_MCE_INJECT=m), boots it under QEMU (TCG, -cpu Nehalem, -smp 1)
# with a busybox initramfs holding the freshly built release binary and its shared libraries,
# injects machine checks by writing `struct mce` records to /dev/mcelog (the mce-inject module
# intercepts those writes, kernel-interfaces.md §6.2), and checks what the daemon decoded:
#   A  one-shot `mcelog`: 3 corrected memory errors, 1 UCNA (uncorrected, found by the poller)
#      and 1 SRAO (uncorrected, a real do_machine_check()) injected before it runs; each must
#      come out exactly once, with its bank, status and address, on stdout and in the log file
#   B  `mcelog --daemon --foreground --num-errors 4`: started first, records injected one by
#      one while it waits in poll(); each must be read once, then the daemon exits 0
#   C  overflow: 40 records into the kernel's 32-slot log with no reader; the one-shot run (source
#      auto: no tracefs in this kernel) must decode the first 32 exactly once and report the loss
#      (MCE_OVERFLOW) once in the log file, without claiming a count the kernel never gives
#   D  one new record: decoded, and no loss reported again (MCE_GETCLEAR_FLAGS cleared the flag)
#   E  empty log: nothing decoded, exit 0
#   F  permissions: unprivileged open fails naming the device (--ignorenodev: silent exit 0);
#      with the node readable the ioctls fail with EPERM (CAP_SYS_ADMIN) and the run fails
# No journald runs in the guest, so the daemon writes upstream's text to its --logfile.
# The guest ships its files back over a second serial port (base64 tar), as
# scripts/capture-tracefs.sh does; the checks run on the host.
#
# usage: e2e/legacy-device.sh            (exit 0: all checks passed; otherwise the failed check)
# env: VM_CACHE     cache for downloads, the kernel tree and build (default /var/cache/mce-e2e-vm;
#                   not /tmp, which can be cleaned at any time). First run: about 140 MB download
#                   and a kernel build of several minutes; later runs reuse it.
#      MCELOG_BIN   binary to test instead of running `make release` (.build-release/release/mcelog)
#      KEEP_WORK=1  keep the work directory (initramfs tree, console log, guest files)
# Needs (Debian 12 host, root): qemu-system-x86, cpio, xz-utils, gcc, make, flex, bison, bc,
# libelf-dev (installed with apt-get when missing).
#
# SAFETY: the guest runs only busybox and mcelog inside QEMU; nothing touches the host's init,
# tracefs or /dev.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
C=${VM_CACHE:-/var/cache/mce-e2e-vm}
mkdir -p "$C/debs"
T0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
fail() { echo "legacy-device: FAILED: $*" >&2; echo "legacy-device: ${checks:-0} passed, 1 failed"; KEEP_WORK=1; exit 1; }

need=()
for t in qemu-system-x86_64:qemu-system-x86 cpio:cpio xz:xz-utils gcc:gcc make:make flex:flex bison:bison bc:bc; do
  command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
done
[ -f /usr/include/libelf.h ] || need+=(libelf-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ---- kernel: Debian 12's kernel source, built with the legacy device ------------------------------
# No Debian kernel that apt can reach has /dev/mcelog: X86_MCELOG_LEGACY is off in the amd64 and rt
# configs of bullseye 5.10, bookworm 6.1, trixie 6.12 and sid (cloud has no X86_MCE at all), and
# stretch's 4.9 (built before the option existed) is only on archive.debian.org. So we build
# linux-source-6.1 (same source and Debian patches as bookworm's linux-image-6.1.0-*) ourselves.
# allnoconfig plus this fragment: just enough for an initramfs, the serial consoles, Unix sockets
# (the daemon's client socket) and MCE; everything the daemon's code path touches
# (arch/x86/kernel/cpu/mce/{core,dev-mcelog,inject,severity}.c) is built as Debian would with
# the one option flipped.
KFRAG='CONFIG_64BIT=y
CONFIG_SMP=y
CONFIG_PRINTK_TIME=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_GZIP=y
CONFIG_DEVTMPFS=y
CONFIG_TMPFS=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_TTY=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_NET=y
CONFIG_UNIX=y
CONFIG_RTC_CLASS=y
CONFIG_RTC_HCTOSYS=y
CONFIG_RTC_DRV_CMOS=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_DEBUG_FS=y
CONFIG_MEMORY_FAILURE=y
CONFIG_X86_MCE=y
CONFIG_X86_MCE_INTEL=y
CONFIG_X86_MCELOG_LEGACY=y
CONFIG_X86_MCE_INJECT=m'
KSRCPKG=linux-source-6.1
KSRCDEB=$(ls "$C"/debs/${KSRCPKG}_*_all.deb 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$KSRCDEB" ]; then
  (cd "$C/debs" && apt-get download "$KSRCPKG" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  KSRCDEB=$(ls "$C"/debs/${KSRCPKG}_*_all.deb 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$KSRCDEB" ] || fail "apt-get download $KSRCPKG (apt-get update?)"
fi
KSRCVER=$(dpkg-deb -f "$KSRCDEB" Version)
KDIR=$C/kernel-mcelog-legacy-$KSRCVER
FRAGSUM=$(printf '%s\n' "$KFRAG" | sha256sum | cut -c1-12)
if [ ! -f "$KDIR/.done-$FRAGSUM" ]; then
  tk=$(date +%s%N)
  # source (1.5 GB unpacked) and objects live only for the build; the .deb stays cached
  rm -rf "$C/build/mcelog-legacy"; SRC=$C/build/mcelog-legacy/src B=$C/build/mcelog-legacy/obj
  mkdir -p "$SRC" "$B"
  dpkg-deb --fsys-tarfile "$KSRCDEB" | tar -xO "./usr/src/$KSRCPKG.tar.xz" | xz -dc | tar -x -C "$SRC" --strip-components=1
  printf '%s\n' "$KFRAG" > "$B/fragment.config"
  make -s -C "$SRC" O="$B" KCONFIG_ALLCONFIG="$B/fragment.config" allnoconfig >/dev/null
  # every fragment line must have survived Kconfig's dependency resolution
  while read -r line; do grep -qx "$line" "$B/.config" || fail "kernel config: $line did not stick (dependency missing?)"; done <<< "$KFRAG"
  echo "building kernel from $KSRCPKG $KSRCVER (first run only; several minutes)"
  make -s -C "$SRC" O="$B" -j"$(nproc)" LOCALVERSION=-mcelog-legacy bzImage modules >"$B/build.log" 2>&1 \
    || { tail -30 "$B/build.log" >&2; fail "kernel build (log: $B/build.log)"; }
  rm -rf "$KDIR"; mkdir -p "$KDIR"
  cp "$B/arch/x86/boot/bzImage" "$KDIR/vmlinuz"
  cp "$B/.config" "$KDIR/config"
  cp "$(find "$B" -name mce-inject.ko | head -1)" "$KDIR/mce-inject.ko"
  make -s -C "$SRC" O="$B" LOCALVERSION=-mcelog-legacy kernelrelease > "$KDIR/kernelrelease"
  echo "$KSRCPKG $KSRCVER" > "$KDIR/source"
  touch "$KDIR/.done-$FRAGSUM"
  rm -rf "$C/build/mcelog-legacy"
  echo "kernel built in $(ms_since $tk) ms"
fi
grep -qx 'CONFIG_X86_MCELOG_LEGACY=y' "$KDIR/config" || fail "kernel config lacks CONFIG_X86_MCELOG_LEGACY=y"
grep -qx 'CONFIG_X86_MCE_INJECT=m' "$KDIR/config" || fail "kernel config lacks CONFIG_X86_MCE_INJECT=m"
echo "kernel: $(cat "$KDIR/kernelrelease") from $(cat "$KDIR/source") ($KDIR)"
[ "${KERNEL_ONLY:-0}" = 1 ] && exit 0

# ---- the binary under test and what it loads ----------------------------------------------------
if [ -z "${MCELOG_BIN:-}" ]; then
  tb=$(date +%s%N)
  echo "make release (the binary under test)"
  make -s -C "$HERE" release >/dev/null || fail "make release"
  MCELOG_BIN=$HERE/.build-release/release/mcelog
  echo "make release: $(ms_since $tb) ms"
fi
[ -x "$MCELOG_BIN" ] || fail "no binary at $MCELOG_BIN"
BB=$C/busybox
if [ ! -x "$BB" ]; then
  BBDEB=$(ls "$C"/debs/busybox-static_*.deb 2>/dev/null | tail -1 || true)
  if [ -z "$BBDEB" ]; then (cd "$C/debs" && apt-get download busybox-static 2>&1 | grep -v '^W: Download is performed unsandboxed' || true); BBDEB=$(ls "$C"/debs/busybox-static_*.deb | tail -1); fi
  T=$(mktemp -d); dpkg-deb --fsys-tarfile "$BBDEB" | tar -x -C "$T" ./bin/busybox; mv "$T/bin/busybox" "$BB"; rm -rf "$T"
fi

# ---- initramfs ----------------------------------------------------------------------------------
W=$(mktemp -d /tmp/legacy-device.XXXXXX)
cleanup() { [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $W" >&2 || rm -rf "$W"; }
trap cleanup EXIT
R=$W/root
mkdir -p $R/{bin,proc,sys,dev,out,tmp,run,etc,var/log}
cp "$BB" $R/bin/busybox
# `busybox --list` contains "busybox" itself; linking that would replace the binary by a loop
for a in $($R/bin/busybox --list | grep -vx busybox); do ln -s busybox $R/bin/$a; done
cp "$KDIR/mce-inject.ko" $R/mce-inject.ko
strip -o $R/bin/mcelog "$MCELOG_BIN" 2>/dev/null || cp "$MCELOG_BIN" $R/bin/mcelog
# the Swift runtime is linked in statically; glibc, libsystemd and their dependencies are not
for lib in $(ldd "$MCELOG_BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"
done

cat > $R/init <<'INIT'
#!/bin/sh
# Guest side: progress on the console (ttyS0), results as a base64 tar on ttyS1.
export PATH=/bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev; mount -t debugfs d /sys/kernel/debug
up() { cut -d' ' -f1 /proc/uptime; }
ship() {
  dmesg > /out/dmesg.txt
  stty -F /dev/ttyS1 raw -echo 115200
  cd /out && tar -cf /tmp/out.tar . && SUM=$(sha256sum /tmp/out.tar | cut -d' ' -f1)
  { echo "BEGIN_TAR_BASE64"; base64 /tmp/out.tar; echo "END_TAR_BASE64 $SUM"; } > /dev/ttyS1
  echo "SHIPPED sha256=$SUM"
}
# a guest-side failure is recorded and shipped; the host names it
fail() { echo "GUEST_FAILED: $*"; echo "$*" >> /out/guest-failed; ship; reboot -f; }
echo "T_INIT uptime=$(up)"
uname -r > /out/uname-r
ls -l /dev/mcelog > /out/devnode 2>&1 || fail "no /dev/mcelog in the guest"
insmod /mce-inject.ko || fail "insmod mce-inject.ko"

# put VALUE BYTES: append VALUE (hex) to REC as BYTES little-endian printf octal escapes.
# Pure shell arithmetic (no forks): the guest is emulated and slow.
put() {
  h=${1#0x}; while [ ${#h} -lt $(($2*2)) ]; do h=0$h; done
  i=$(($2*2-2))
  while [ $i -ge 0 ]; do d=$((0x${h:$i:2})); REC="$REC\\$((d/64))$((d/8%8))$((d%8))"; i=$((i-2)); done
}
# inject CPU BANK STATUS MCGSTATUS ADDR MISC FLAGS: write one 128-byte struct mce
# (kernel-interfaces.md §1.3) to /dev/mcelog. mce-inject takes it over: inject_flags 1
# (MCJ_CTX_PROCESS) runs machine_check_poll() on the fake bank, 9 (| MCJ_EXCEPTION) runs
# do_machine_check(). The kernel fills time, tsc, cpuid, mcgcap, apicid itself.
inject() {
  REC=
  put $3 8; put $6 8; put $5 8; put $4 8          # status misc addr mcgstatus
  put 0 24                                        # ip tsc time
  put 0 1; put $7 1; put 0 2; put 0 4             # cpuvendor inject_flags severity+pad cpuid
  put 0 1; put $2 1; put $1 1; put 0 1            # cs bank cpu finished
  put $1 4; put 0 4; put 0 4; put 0 8; put 0 40   # extcpu socketid apicid mcgcap, rest
  printf "$REC" > /tmp/rec
  [ "$(wc -c < /tmp/rec)" = 128 ] || fail "record writer made $(wc -c < /tmp/rec) bytes, not 128"
  dd if=/tmp/rec of=/dev/mcelog bs=128 count=1 2>/tmp/dd.err || fail "write to /dev/mcelog: $(cat /tmp/dd.err)"
  echo "$1 $2 $3 $4 $5 $6 $7" >> /out/$PHASE.injected
}
# the log is filled by a workqueue after the write returns
settle() { sleep 1; }

# A: one-shot read of records injected before it runs (explicit --source device)
PHASE=A
inject 0 1 0x9c00004000010090 0x0 0x1234000 0x8c 1   # corrected, memory read channel 0
inject 0 1 0x9c00004000010090 0x0 0x1235000 0x8c 1
inject 0 2 0x9c00004000010091 0x0 0x5678000 0x8c 1   # corrected, channel 1
inject 0 3 0xbc00000000010092 0x0 0x1001000 0x8c 1   # UCNA: uncorrected, no action, poller
inject 0 4 0xbd000000000000c0 0x5 0x1002000 0x86 9   # SRAO scrub: #MC, MCIP|RIPV
settle
t=$(up); mcelog --source device --logfile /out/A.log > /out/A.stdout 2> /out/A.stderr; echo $? > /out/A.rc
echo "A done rc=$(cat /out/A.rc) in $(echo "$(up) $t" | awk '{print $1-$2}') s"

# B: the daemon waits in poll(); records arrive one by one after it started
PHASE=B
: > /out/B.log
mcelog --daemon --foreground --source device --num-errors 4 --pidfile /run/mcelog.pid \
  --logfile /out/B.log > /out/B.stdout 2> /out/B.stderr &
DPID=$!
i=0; while [ ! -s /run/mcelog.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
[ -s /run/mcelog.pid ] || fail "B: daemon wrote no pid file in 10 s"
sleep 1
n=0
for rec in "0 1 0x9c00004000010090 0x0 0x3000000 0x8c 1" "0 2 0x9c00004000010091 0x0 0x3001000 0x8c 1" \
           "0 3 0xbc00000000010092 0x0 0x1003000 0x8c 1" "0 4 0xbd000000000000c0 0x5 0x1004000 0x86 9"; do
  n=$((n+1)); set -- $rec; t=$(up)
  inject "$@"
  # each record must show up in the daemon's log before the next one is written
  i=0; while ! grep -q "ADDR ${5#0x} " /out/B.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  grep -q "ADDR ${5#0x} " /out/B.log || fail "B: record $n (ADDR $5) not in the daemon's log 10 s after the write"
  echo "B record $n logged $(echo "$(up) $t" | awk '{print $1-$2}') s after the write" | tee -a /out/B.latency
done
i=0; while kill -0 $DPID 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -0 $DPID 2>/dev/null && { kill $DPID; fail "B: daemon still running 10 s after its 4th record (--num-errors 4)"; }
wait $DPID; echo $? > /out/B.rc
[ -e /run/mcelog.pid ] && echo present > /out/B.pidfile-left

# C: overflow. 40 records into the 32-slot log, nobody reading; then one run (source auto:
# this kernel has no tracefs, so it must pick /dev/mcelog)
PHASE=C
k=0; while [ $k -lt 40 ]; do inject 0 5 0x9c00004000010093 0x0 $(printf '0x%x' $((0x2000000 + k*0x1000))) 0x8c 1; k=$((k+1)); done
settle
mcelog --logfile /out/C.log > /out/C.stdout 2> /out/C.stderr; echo $? > /out/C.rc

# D: the overflow flag was cleared by C's read: one more record, no loss reported
PHASE=D
inject 0 6 0x9c00004000010090 0x0 0x4000000 0x8c 1
settle
mcelog --logfile /out/D.log > /out/D.stdout 2> /out/D.stderr; echo $? > /out/D.rc

# E: empty log: a one-shot run decodes nothing and exits 0
PHASE=E
mcelog --logfile /out/E.log > /out/E.stdout 2> /out/E.stderr; echo $? > /out/E.rc

# F: permissions of the real device. devtmpfs makes it root-only (0600): an unprivileged
# one-shot run fails naming the device, and --ignorenodev makes that silent (exit 0). With the
# node readable, open works but the ioctls need CAP_SYS_ADMIN: the run must fail, not guess sizes.
PHASE=F
printf 'root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' > /etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > /etc/group
chmod 1777 /tmp /out
asuser() { su -s /bin/sh -c "$*" nobody; }
asuser "mcelog --source device --logfile /tmp/F.log > /out/F1.stdout 2> /out/F1.stderr; echo \$? > /out/F1.rc"
asuser "mcelog --source device --ignorenodev --logfile /tmp/F.log > /out/F2.stdout 2> /out/F2.stderr; echo \$? > /out/F2.rc"
chmod 0644 /dev/mcelog
asuser "mcelog --source device --logfile /tmp/F.log > /out/F3.stdout 2> /out/F3.stderr; echo \$? > /out/F3.rc"
chmod 0600 /dev/mcelog

echo "T_DONE uptime=$(up)"
ship
reboot -f
INIT
chmod +x $R/init
(cd $R && find . | cpio -o -H newc --quiet | gzip -1) > $W/initrd.gz

# ---- boot ----------------------------------------------------------------------------------------
CON=$W/console.log DATA=$W/data.b64
QEMU=(qemu-system-x86_64 -accel tcg -cpu Nehalem -smp 1 -m 512 -display none -no-reboot -nic none
      -kernel "$KDIR/vmlinuz" -initrd "$W/initrd.gz" -append "console=ttyS0 panic=-1 nokaslr"
      -serial "file:$CON" -serial "file:$DATA" -monitor none)
tq=$(date +%s%N)
timeout 300 "${QEMU[@]}" || echo "qemu exit status $?"
QEMU_MS=$(ms_since $tq)
tr -d '\r' < $CON | grep -E '^(T_|A done|B record|SHIPPED|GUEST_FAILED)' || true
if ! grep -q END_TAR_BASE64 $DATA 2>/dev/null; then
  echo "console log tail:" >&2; tr -d '\r' < $CON | tail -40 >&2
  fail "guest shipped no results (panic, or a hang until the 300 s timeout)"
fi
SUM=$(awk '/^END_TAR_BASE64/{print $2}' $DATA)
sed -n '/^BEGIN_TAR_BASE64/,/^END_TAR_BASE64/p' $DATA | sed '1d;$d' | base64 -d > $W/out.tar
echo "$SUM  $W/out.tar" | sha256sum -c --quiet || fail "results tar checksum"
O=$W/out; mkdir -p $O; tar -xf $W/out.tar -C $O
[ -f $O/guest-failed ] && fail "in the guest: $(cat $O/guest-failed)"

# ---- checks (host side) ---------------------------------------------------------------------------
# records TEXTFILE: one line "bank status mcgstatus addr" per decoded record (upstream's text:
# "CPU n BANK b", "MISC m ADDR a", "STATUS s MCGSTATUS g"), sorted, plus a severity word taken
# from the MCi status lines of the same record.
records() {
  awk '
    function out() { if (have) print bank, status, mcgs, addr, sev }
    /^Hardware event\./ { out(); have = 1; bank = status = mcgs = addr = "-"; sev = "-"; next }
    / BANK [0-9]+/ { for (i = 1; i < NF; i++) if ($i == "BANK") bank = $(i+1) }
    /ADDR [0-9a-f]+/ { for (i = 1; i < NF; i++) if ($i == "ADDR") addr = $(i+1) }
    /^STATUS [0-9a-f]+ MCGSTATUS/ { status = $2; mcgs = $4 }
    /^Uncorrected error$/ { sev = "uncorrected" }
    /^Corrected error$/ { sev = "corrected" }
    END { out() }' "$1" | sort
}
# expected INJECTEDFILE [FIRST_N]: the same shape from what the guest wrote
expected() {
  head -n "${2:-100000}" "$1" | awk '{
      s = tolower(substr($3, 3)); uc = substr(s, 1, 1)   # UC is status bit 61: top hex digit & 2
      sev = (index("2367abef", uc) ? "uncorrected" : "corrected")
      g = substr($4, 3); sub(/^0+/, "", g); if (g == "") g = "0"   # decoded: hex, no 0x, no padding
      print $2, s, g, substr($5, 3), sev }' | sort
}
same() { # NAME GOT WANT
  if [ "$2" != "$3" ]; then
    echo "--- want ($1)"; echo "$3"; echo "--- got"; echo "$2"
    fail "$1"
  fi
}
lost_lines() { grep -c -i 'lost' "$1" || true; }
checks=0
check() { checks=$((checks+1)); }

grep -q 'Kernel panic' $O/dmesg.txt && fail "kernel panic in the guest"
grep -q 'Machine check injector initialized' $O/dmesg.txt || fail "mce-inject did not initialize"; check
grep -q '10, *227' $O/devnode || fail "/dev/mcelog is not char 10:227: $(cat $O/devnode)"; check
for p in A B C D E; do
  [ "$(cat $O/$p.rc)" = 0 ] || fail "$p: mcelog exited $(cat $O/$p.rc): $(cat $O/$p.stderr)"; check
  [ ! -s $O/$p.stderr ] || fail "$p: mcelog wrote to stderr: $(head -5 $O/$p.stderr)"; check
done
for p in A B C D E; do
  ! cat $O/$p.stdout $O/$p.log 2>/dev/null | grep -q 'not finished' || fail "$p: a record without the kernel's finished flag"; check
done

# A: every record of the pre-filled log, once, on stdout and in the log file, no loss
same "A: one-shot stdout records" "$(records $O/A.stdout)" "$(expected $O/A.injected)"; check
same "A: one-shot log file records" "$(records $O/A.log)" "$(expected $O/A.injected)"; check
[ "$(lost_lines $O/A.log)" = 0 ] || fail "A: loss reported without an overflow"; check
# microcode lies at offset 112: present only when the record length came from MCE_GET_RECORD_LEN (128)
[ "$(grep -c '^MICROCODE ' $O/A.stdout)" = "$(grep -c . $O/A.injected)" ] \
  || fail "A: not every record has the MICROCODE field of the kernel's 128-byte record"; check

# B: the daemon read each record while waiting in poll(), then stopped after --num-errors 4
same "B: daemon log file records" "$(records $O/B.log)" "$(expected $O/B.injected)"; check
[ ! -s $O/B.stdout ] || fail "B: the daemon printed to stdout in daemon mode"; check
[ ! -e $O/B.pidfile-left ] || fail "B: pid file left behind"; check
[ "$(lost_lines $O/B.log)" = 0 ] || fail "B: loss reported without an overflow"; check

# C: 40 injected into 32 slots: the first 32 exactly once, and the loss reported once
[ "$(wc -l < $O/C.injected)" = 40 ] || fail "C: expected 40 injections, made $(wc -l < $O/C.injected)"
same "C: overflowed log, stdout records (the first 32)" "$(records $O/C.stdout)" "$(expected $O/C.injected 32)"; check
same "C: overflowed log, log file records (the first 32)" "$(records $O/C.log)" "$(expected $O/C.injected 32)"; check
[ "$(lost_lines $O/C.log)" = 1 ] || fail "C: want 1 loss report in the log file, got $(lost_lines $O/C.log)"; check
LOSS=$(grep -i 'lost' $O/C.log)
echo "$LOSS" | grep -q 'MCE_OVERFLOW' || fail "C: the loss report does not name MCE_OVERFLOW: $LOSS"; check
# The kernel drops records past the 32nd and only sets a flag: it never says how many (8 here).
# A report must not state a count it cannot know.
claimed=$(echo "$LOSS" | grep -o -E '[0-9]+ machine check records? lost' | cut -d' ' -f1 || true)
[ -z "$claimed" ] || [ "$claimed" = 8 ] || fail "C: the loss report claims $claimed lost records; the kernel does not count them (8 were dropped): $LOSS"; check

# D: the flag was cleared: one record, no loss
same "D: after the overflow, records" "$(records $O/D.log)" "$(expected $O/D.injected)"; check
[ "$(lost_lines $O/D.log)" = 0 ] || fail "D: loss reported again (MCE_GETCLEAR_FLAGS did not clear it?)"; check

# E: nothing pending
[ -z "$(records $O/E.stdout)" ] && [ ! -s $O/E.log ] || fail "E: records from an empty log"; check

# F: device permissions
[ "$(cat $O/F1.rc)" != 0 ] || fail "F: an unprivileged run on a 0600 /dev/mcelog exited 0"; check
grep -q '/dev/mcelog' $O/F1.stderr && grep -q 'Permission denied' $O/F1.stderr \
  || fail "F: unprivileged open error does not name /dev/mcelog and EACCES: $(cat $O/F1.stderr)"; check
[ "$(cat $O/F2.rc)" = 0 ] && [ ! -s $O/F2.stdout ] && [ ! -s $O/F2.stderr ] \
  || fail "F: --ignorenodev did not exit 0 quietly: rc $(cat $O/F2.rc), $(cat $O/F2.stderr)"; check
[ "$(cat $O/F3.rc)" != 0 ] || fail "F: ioctls without CAP_SYS_ADMIN, yet the run exited 0"; check
grep -q 'MCE_GET_RECORD_LEN' $O/F3.stderr && grep -q 'Operation not permitted' $O/F3.stderr \
  || fail "F: the ioctl error does not name MCE_GET_RECORD_LEN and EPERM: $(cat $O/F3.stderr)"; check

echo "guest: $(cat $O/uname-r); $(grep -c . $O/A.injected) + $(grep -c . $O/B.injected) + $(grep -c . $O/C.injected) + $(grep -c . $O/D.injected) records injected"
echo "loss report: $LOSS"
echo "unprivileged: $(cat $O/F1.stderr) / with the node 0644: $(cat $O/F3.stderr)"
echo "qemu run: $QEMU_MS ms; total: $(ms_since $T0) ms"
echo "legacy-device: $checks passed, 0 failed"
