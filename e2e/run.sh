#!/bin/bash
# e2e/run.sh: the end-to-end test (issue 6). Boots Debian 12 with systemd as PID 1 under QEMU
# (TCG, no KVM needed) on both kernels Debian 12 offers, installs the freshly built mcelog with
# its units, configuration, triggers and catalog, injects real machine checks and checks, inside
# the guest, what the daemon made of them (journal fields, status, client dump, catalog, triggers,
# page offlining, reload, journald outage, restart).
#
# usage: e2e/run.sh [SERIES...]        SERIES: 6.1, 6.12 (default: both, one after the other)
#        make e2e                      (builds the release binary first)
# exit:  0 when every check passed on every kernel; 1 when a check failed (each failed check is
#        named as `FAIL <series> <check>: <why>`, followed by the guest's journal and mcelog's
#        unit status); 2 when the harness itself could not run (setup, boot, timeout).
#
# env:   VM_CACHE       cache (default /var/cache/mce-e2e-vm; not /tmp: tmpfiles cleanup may empty
#                       it). This script keeps its files under $VM_CACHE/e2e: kernels/ (the Debian
#                       kernel packages' vmlinuz and a module subset), guest/root.img (the Debian 12
#                       image, built once with mmdebstrap; delete it to rebuild), guest/initrd-*.gz,
#                       run-<series>/ (the last run: share/out holds results and logs, console.log).
#                       Kernel .debs are shared with scripts/capture-tracefs.sh in $VM_CACHE/debs.
#        E2E_BIN        mcelog binary to test; default: run `make release` and use
#                       .build-release/release/mcelog
#        E2E_TIMEOUT    seconds one guest may run before it is killed (default 600)
#        E2E_BOOT_TIMEOUT  seconds until the guest must have started the checks (default 240)
#        E2E_PARALLEL   1: boot both kernels at once (default where nproc >= 2; QEMU/TCG runs a
#                       single-vCPU guest on one host thread), 0: one after the other
#        KPKG_6_1, KPKG_6_12  kernel package names instead of the newest known to apt / cached
#        E2E_VERBOSE=1  print every check, not only the failed ones
#        E2E_CHECKS     a guest script to run instead of e2e/guest/checks.sh (development)
#
# Flow per kernel (one boot; the checks run in order in one guest session):
#   host:   builds the share run-<series>/share/payload (binary, units/, conf/, conf/triggers/,
#           the catalog, e2e/guest/*) and boots QEMU with the cached image (snapshot=on: the image
#           stays pristine), the kernel, its initrd, the share over 9p and the HMP monitor on a
#           FIFO pair.
#   initrd: loads virtio/ext4/9p, mounts the root, runs payload/install.sh, which installs
#           everything as a package would and enables mcelog.socket (not mcelog.service), then
#           switch_root to systemd.
#   guest:  systemd starts mcelog.socket; mcelog-e2e.service runs e2e/guest/checks.sh, which
#           activates the daemon with `mcelog --ping`, injects machine checks (debugfs mce-inject,
#           and QEMU's `mce` command by asking the host through share/out/req/N.cmd), runs the
#           checks and writes share/out/results, then powers off.
#   host:   relays the `mce` requests to the monitor while QEMU runs, then reads the results.
#
# Needs (Debian 12 host, root): qemu-system-x86, mmdebstrap, kmod, cpio, xz-utils, e2fsprogs and
# Debian bookworm + bookworm-security apt sources (installed/downloaded on first use).
#
# SAFETY: systemd runs as PID 1 only inside the QEMU guest. The image is built by mmdebstrap into a
# directory and packed into a file image; no unit, tmpfiles or sysinit step runs on this machine
# (systemd-tmpfiles is diverted to /bin/true while packages are configured in the image tree).
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
C=${VM_CACHE:-/var/cache/mce-e2e-vm}
E=$C/e2e
TIMEOUT=${E2E_TIMEOUT:-600}
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-240}
# Bump when the image recipe below changes: a cached image with another revision is rebuilt.
IMAGE_REV=3
IMAGE_PACKAGES=systemd,systemd-sysv,udev,kmod,jq,libsystemd0
T0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
secs() { printf '%d.%d s' $(($1 / 1000)) $(($1 % 1000 / 100)); }
log() { echo "[e2e] $*" >&2; }
# QEMU and its helpers are our background jobs: never leave them behind.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
die() { echo "[e2e] ERROR: $*" >&2; exit 2; }

SERIES=("$@"); [ ${#SERIES[@]} -gt 0 ] || SERIES=(6.1 6.12)
for s in "${SERIES[@]}"; do case $s in 6.1|6.12) ;; *) die "unknown kernel series $s (want 6.1 or 6.12)";; esac; done
[ "$(id -u)" = 0 ] || die "run as root (QEMU's 9p share with security_model=none, mmdebstrap)"

# A fresh machine may have no package lists yet (needed for installs and kernel downloads).
apt_ready() {
  [ -n "${APT_UPDATED:-}" ] && return
  APT_UPDATED=1
  ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || { log "apt-get update"; apt-get update -qq >/dev/null; }
}
need() {   # command package
  command -v "$1" >/dev/null 2>&1 && return
  apt_ready
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
need qemu-system-x86_64 qemu-system-x86; need mmdebstrap mmdebstrap; need depmod kmod
need cpio cpio; need xz xz-utils; need mkfs.ext4 e2fsprogs

# ---- 1. the binary under test ---------------------------------------------------------------
if [ -n "${E2E_BIN:-}" ]; then
  BIN=$(realpath "$E2E_BIN")
else
  log "building: make release"
  t=$(date +%s%N)
  make -C "$HERE" --no-print-directory release >&2
  BIN=$HERE/.build-release/release/mcelog
  log "build: $(secs $(ms_since $t))"
fi
[ -x "$BIN" ] || die "no binary at $BIN"
# Dynamically linked to libsystemd only, besides the C/C++ runtime every Debian system has.
unexpected=$(ldd "$BIN" | awk '$1 ~ /\.so/ {sub(/.*\//, "", $1); print $1}' | grep -v -E '^(linux-vdso|libsystemd|libc|libm|libstdc\+\+|libgcc_s|ld-linux-x86-64|libcap|libgcrypt|liblzma|libzstd|liblz4|libgpg-error)\.' || true)
[ -z "$unexpected" ] || die "$BIN links libraries a Debian 12 system lacks or that are not libsystemd's: $unexpected"
ldd "$BIN" | grep -q 'libsystemd\.so\.0' || die "$BIN does not link libsystemd"

mkdir -p "$C/debs" "$E/kernels" "$E/guest"
exec 9> "$E/.lock"
flock -w 1800 9 || die "another e2e run holds $E/.lock"

# ---- 2. kernels: vmlinuz plus the module subset the guest needs --------------------------------
# The subset: virtio, block, ext4, 9p and their libraries for the boot; mce-inject (arch/x86);
# EDAC; the rest of fs/ and drivers/char for ordinary userspace.
MODDIRS="arch crypto lib fs net/9p drivers/virtio drivers/block drivers/char drivers/edac"
kernel_package() {   # series -> package name
  local s=$1 var=KPKG_${1//./_} p
  [ -n "${!var:-}" ] && { echo "${!var}"; return; }
  case $s in
    6.1)  p=$(ls "$C"/debs/linux-image-6.1.0-*-amd64-unsigned_*.deb 2>/dev/null | sort -V | tail -1)
          [ -n "$p" ] && { basename "$p" | cut -d_ -f1; return; }
          p=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6\.1\.0-/{print $2; exit}')
          [ -n "$p" ] && echo "$p-unsigned" ;;
    6.12) p=$(ls "$C"/debs/linux-image-6.12.*+deb12-amd64-unsigned_*.deb 2>/dev/null | sort -V | tail -1)
          [ -n "$p" ] && { basename "$p" | cut -d_ -f1; return; }
          apt-cache pkgnames linux-image-6.12. | grep -E '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' | sort -V | tail -1 ;;
  esac
}
prepare_kernel() {   # series -> sets KDIR, KVER
  local pkg deb globs=() d
  pkg=$(kernel_package "$1")
  if [ -z "$pkg" ]; then apt_ready; pkg=$(kernel_package "$1"); fi
  [ -n "$pkg" ] || die "no kernel package for $1 (apt-get update? or set KPKG_${1//./_})"
  KDIR=$E/kernels/$pkg
  if [ ! -f "$KDIR/.done" ]; then
    deb=$(ls "$C"/debs/"${pkg}"_*.deb 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$deb" ]; then
      apt_ready
      log "downloading $pkg"
      (cd "$C/debs" && apt-get download "$pkg" >/dev/null) || die "apt-get download $pkg failed"
      deb=$(ls "$C"/debs/"${pkg}"_*.deb | sort -V | tail -1)
    fi
    log "unpacking $pkg"
    rm -rf "$KDIR"; mkdir -p "$KDIR"
    for d in $MODDIRS; do globs+=("./lib/modules/*/kernel/$d/*"); done
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$KDIR" --wildcards './boot/vmlinuz-*' \
      './lib/modules/*/modules.order' './lib/modules/*/modules.builtin*' "${globs[@]}"
    # The .deb ships no modules.dep: depmod builds it for this subset.
    depmod -b "$KDIR" "$(ls "$KDIR/lib/modules")"
    dpkg-deb -f "$deb" Version > "$KDIR/deb-version"
    touch "$KDIR/.done"
  fi
  KVER=$(ls "$KDIR/lib/modules")
}
declare -A KDIRS KVERS
for s in "${SERIES[@]}"; do prepare_kernel "$s"; KDIRS[$s]=$KDIR; KVERS[$s]=$KVER; done
# The image carries the modules of both series, so it does not depend on which ones run now.
ALL_KDIRS=()
for s in 6.1 6.12; do
  if [ -n "${KDIRS[$s]:-}" ]; then ALL_KDIRS+=("${KDIRS[$s]}"); else prepare_kernel "$s"; ALL_KDIRS+=("$KDIR"); fi
done

# ---- 3. the guest image (once) -------------------------------------------------------------------
IMG=$E/guest/root.img
STAMP="rev=$IMAGE_REV packages=$IMAGE_PACKAGES kernels=$(for k in "${ALL_KDIRS[@]}"; do printf '%s ' "${k##*/}"; done)"
if [ ! -f "$IMG" ] || [ "$(cat "$IMG.stamp" 2>/dev/null)" != "$STAMP" ]; then
  t=$(date +%s%N)
  R=$E/guest/rootfs
  rm -rf "$R" "$IMG" "$IMG.tmp"
  log "building the guest image: mmdebstrap bookworm (about 50 MB download)"
  # systemd-tmpfiles is diverted to /bin/true while the packages are configured: their postinst
  # scripts would otherwise run it in the image tree with the host's /dev, /proc and /sys
  # mounted. The guest's own systemd-tmpfiles-setup.service does that work at every boot.
  mmdebstrap --quiet --mode=root --variant=minbase --include="$IMAGE_PACKAGES" \
    --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --divert /bin/systemd-tmpfiles.e2e --add /bin/systemd-tmpfiles && ln -s /bin/true "$1/bin/systemd-tmpfiles"' \
    --customize-hook='rm -f "$1/bin/systemd-tmpfiles" && chroot "$1" dpkg-divert --quiet --local --rename --remove /bin/systemd-tmpfiles' \
    bookworm "$R" http://deb.debian.org/debian >&2 || die "mmdebstrap failed"
  # (the package's path is /bin/systemd-tmpfiles; /bin is a symlink to usr/bin in bookworm)
  [ -x "$R/bin/systemd-tmpfiles" ] && [ ! -L "$R/bin/systemd-tmpfiles" ] || die "image: systemd-tmpfiles not restored"
  for k in "${ALL_KDIRS[@]}"; do
    kv=$(ls "$k/lib/modules"); mkdir -p "$R/lib/modules"
    cp -a "$k/lib/modules/$kv" "$R/lib/modules/"
  done
  # An empty machine-id means "first boot": systemd-firstboot would wait for console input.
  echo 5eed0000e2e0000000000000000000aa > "$R/etc/machine-id"
  echo mcevm > "$R/etc/hostname"
  # No logins, no first-boot wizard, no timers that would start work at random moments.
  for u in systemd-firstboot.service serial-getty@ttyS0.service getty@tty1.service getty-static.service \
           apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "$R/etc/systemd/system/$u"
  done
  # / is mounted read-write by the initrd; fstab only adds the host share.
  echo 'host0 /mnt/host 9p trans=virtio,version=9p2000.L,msize=512000 0 0' > "$R/etc/fstab"
  mkdir -p "$R/mnt/host"
  log "mkfs.ext4 -d"
  truncate -s 2G "$IMG.tmp"
  mkfs.ext4 -q -F -L root -d "$R" "$IMG.tmp"
  mv "$IMG.tmp" "$IMG"; rm -rf "$R"
  echo "$STAMP" > "$IMG.stamp"
  log "guest image: $(secs $(ms_since $t)), $(du -h "$IMG" | cut -f1) used"
fi

# ---- 4. an initrd per kernel ----------------------------------------------------------------------
# busybox, the module closure for virtio/ext4/9p (decompressed: busybox insmod reads no .xz), and
# an /init that mounts the root, installs the payload from the share and hands over to systemd.
INIT='#!/bin/sh
export PATH=/bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev
while read -r m; do insmod /mod/$m; done < /mod/order
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
fail() { echo "E2E_INITRD_FAILED: $*"; poweroff -f; }
mount -t ext4 -o rw /dev/vda /newroot || fail "cannot mount /dev/vda"
mkdir -p /share
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 host0 /share || fail "cannot mount the 9p share"
sh /share/payload/install.sh /newroot /share/payload > /share/out/install.log 2>&1 || fail "payload/install.sh failed (see out/install.log)"
umount /share; umount /proc /sys /dev
exec switch_root /newroot /sbin/init'
[ -x "$C/busybox" ] || {
  bbdeb=$(ls "$C"/debs/busybox-static_*.deb 2>/dev/null | tail -1 || true)
  [ -n "$bbdeb" ] || { (cd "$C/debs" && apt-get download busybox-static >/dev/null); bbdeb=$(ls "$C"/debs/busybox-static_*.deb | tail -1); }
  tb=$(mktemp -d); dpkg-deb --fsys-tarfile "$bbdeb" | tar -x -C "$tb" ./bin/busybox; mv "$tb/bin/busybox" "$C/busybox"; rm -rf "$tb"
}
make_initrd() {   # kdir kver -> $E/guest/initrd-$kver.gz
  local k=$1 kv=$2 out=$E/guest/initrd-$2.gz stamp I f
  stamp=$(printf '%s\n%s\n' "$INIT" "$k" | sha256sum | cut -c1-16)
  [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ] && return
  I=$(mktemp -d); mkdir -p "$I"/{bin,proc,sys,dev,newroot,mod}
  cp "$C/busybox" "$I/bin/"
  # every applet (install.sh uses cp, ln, sed...); `busybox --list` names busybox itself, and
  # linking that would replace the binary by a symlink loop
  for a in $("$C/busybox" --list | grep -vx busybox); do ln -s busybox "$I/bin/$a"; done
  # modprobe -a: with several names and without -a only the first one would be resolved.
  modprobe -d "$k" -S "$kv" -a --show-depends crc32c_generic virtio_pci virtio_blk ext4 9pnet_virtio 9p \
    | awk '$1=="insmod"{print $2}' | awk '!seen[$0]++' > "$I/mod/paths"
  : > "$I/mod/order"
  while read -r f; do
    case $f in
      *.xz) xz -dc "$f" > "$I/mod/$(basename "${f%.xz}")"; basename "${f%.xz}" >> "$I/mod/order" ;;
      *)    cp "$f" "$I/mod/"; basename "$f" >> "$I/mod/order" ;;
    esac
  done < "$I/mod/paths"
  printf '%s\n' "$INIT" > "$I/init"; chmod +x "$I/init"
  (cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp" && mv "$out.tmp" "$out"
  echo "$stamp" > "$out.stamp"; rm -rf "$I"
}
for s in "${SERIES[@]}"; do make_initrd "${KDIRS[$s]}" "${KVERS[$s]}"; done
flock -u 9
log "setup: $(secs $(ms_since $T0))"

# ---- 5. one guest run per kernel --------------------------------------------------------------------
# The payload: what `make install` would place, plus the guest-side test files.
make_payload() {   # dir
  local P=$1
  mkdir -p "$P/units" "$P/conf" "$P/triggers" "$P/guest"
  cp "$BIN" "$P/mcelog"
  cp "$HERE"/units/mcelog.service "$HERE"/units/mcelog.socket "$HERE"/units/mcelog.tmpfiles "$P/units/"
  cp "$HERE"/conf/mcelog.conf "$HERE"/conf/mcelog.catalog "$P/conf/"
  if [ -d "$HERE/conf/triggers" ]; then cp -a "$HERE"/conf/triggers/. "$P/triggers/"; fi
  cp "$HERE"/e2e/guest/* "$P/guest/"
  cp "$HERE"/e2e/guest/install.sh "$P/install.sh"
  # The Debian package of the same binary, for the last check (issue 7).
  (cd "$HERE" && OUT_DIR="$P" bash scripts/build-deb.sh "$BIN" >/dev/null) || echo "make_payload: scripts/build-deb.sh failed" >&2
  # Development aid: another guest script in place of checks.sh.
  if [ -n "${E2E_CHECKS:-}" ]; then cp "$E2E_CHECKS" "$P/guest/checks.sh"; fi
}

run_guest() {   # series; leaves share/out/{results,done,...}, console.log, wall-ms in $E/run-<series>
  local s=$1 kv=${KVERS[$1]} k=${KDIRS[$1]} W=$E/run-$1 t rc=0 qpid catpid n sent=0 f lk
  # One run per series at a time (another session's `make e2e` waits here).
  exec {lk}> "$E/run-$s.lock"; flock -w "$TIMEOUT" "$lk" || { echo "another run of $s holds $E/run-$s.lock" > "$W/harness-error"; return 0; }
  t=$(date +%s%N)
  rm -rf "$W"; mkdir -p "$W/share/out/req"
  make_payload "$W/share/payload"
  echo "$s" > "$W/share/out/series"
  mkfifo "$W/mon.in" "$W/mon.out"
  # -smp 1: with two vCPUs a debugfs `hw` injection on Intel panics ("Timeout: Not all CPUs
  # entered broadcast exception handler"). nokaslr: the kernel image sits at 16 MiB, so the
  # uncorrected errors' addresses (0x1236000...) lie in kernel text and memory_failure() ignores
  # them instead of killing a process.
  timeout --signal=KILL "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu Nehalem -smp 1 -m 1024 \
    -display none -no-reboot -nic none \
    -kernel "$k/boot/vmlinuz-$kv" -initrd "$E/guest/initrd-$kv.gz" \
    -append "console=ttyS0 panic=-1 nokaslr quiet" \
    -drive "file=$IMG,format=raw,if=virtio,snapshot=on" \
    -virtfs "local,path=$W/share,mount_tag=host0,security_model=none,id=host0" \
    -serial "file:$W/console.log" -chardev "pipe,id=mon,path=$W/mon" -mon chardev=mon,mode=readline \
    > "$W/qemu.log" 2>&1 &
  qpid=$!
  cat "$W/mon.out" > "$W/monitor.log" & catpid=$!
  # Read-write open: never blocks, even if QEMU died before opening its end; keeps the
  # monitor's input open across commands.
  exec {mon}<> "$W/mon.in"
  # Relay the guest's QEMU-monitor requests, in order, while the guest runs. A guest that has
  # not started the checks after BOOT_TIMEOUT seconds is stuck (initrd or systemd): stop it.
  while kill -0 "$qpid" 2>/dev/null; do
    if [ ! -e "$W/share/out/checks.log" ] && [ "$(ms_since "$t")" -gt $(( BOOT_TIMEOUT * 1000 )) ]; then
      echo "the guest did not start the checks within ${BOOT_TIMEOUT} s (E2E_BOOT_TIMEOUT)" > "$W/harness-error"
      kill -9 "$qpid" 2>/dev/null; break
    fi
    n=$((sent + 1)); f=$W/share/out/req/$n.cmd
    if [ -f "$f" ]; then
      echo "$(cat "$f")" >&$mon
      sleep 0.2   # let the monitor take it before the guest is told
      touch "$W/share/out/req/$n.done"; sent=$n
      continue
    fi
    sleep 0.1
  done
  wait "$qpid" || rc=$?
  exec {mon}>&-; kill "$catpid" 2>/dev/null || true; wait "$catpid" 2>/dev/null || true
  echo "$(ms_since $t)" > "$W/wall-ms"
  [ "$rc" = 137 ] && [ ! -f "$W/harness-error" ] && echo "guest killed after ${TIMEOUT} s (E2E_TIMEOUT)" > "$W/harness-error"
  flock -u "$lk"; exec {lk}>&-
  return 0
}

report_guest() {   # series -> prints the results; returns 0/1/2
  local s=$1 W=$E/run-$1 O=$E/run-$1/share/out ms pass fail
  ms=$(cat "$W/wall-ms" 2>/dev/null || echo 0)
  if [ ! -f "$O/done" ]; then
    echo "FAIL $s harness: the guest produced no complete result ($(cat "$W/harness-error" 2>/dev/null || echo 'it stopped early'))"
    [ -f "$O/results" ] && grep -P '^FAIL\t' "$O/results" | sed "s/^FAIL\t\([^\t]*\)\t/FAIL $s \1: /"
    echo "---- $s: console log tail ($W/console.log)"; tr -d '\r' < "$W/console.log" 2>/dev/null | tail -n 60
    [ -s "$O/install.log" ] && { echo "---- $s: install.log"; cat "$O/install.log"; }
    [ -s "$O/checks.log" ] && { echo "---- $s: checks.log tail"; tail -n 40 "$O/checks.log"; }
    echo "== $s ($(cat "$O/uname-r" 2>/dev/null || echo "${KVERS[$s]}")): NO RESULT after $(secs "$ms")"
    TOTAL_FAIL=$((TOTAL_FAIL + 1))
    return 2
  fi
  pass=$(grep -c -P '^PASS\t' "$O/results" || true); fail=$(grep -c -P '^FAIL\t' "$O/results" || true)
  TOTAL_PASS=$((TOTAL_PASS + pass)); TOTAL_FAIL=$((TOTAL_FAIL + fail))
  if [ "${E2E_VERBOSE:-0}" = 1 ]; then
    awk -F'\t' -v s="$s" '{printf "%s %s %s%s\n", $1, s, $2, ($3 != "" ? ": " $3 : "")}' "$O/results"
  else
    awk -F'\t' -v s="$s" '$1=="FAIL"{printf "FAIL %s %s: %s\n", s, $2, $3}' "$O/results"
  fi
  if [ "$fail" -gt 0 ]; then
    echo "---- $s: guest journal (journalctl -b --no-pager -o short-monotonic | tail -n 200)"
    cat "$O/journal-tail.txt" 2>/dev/null
    echo "---- $s: systemctl status mcelog.service mcelog.socket"
    cat "$O/mcelog-status.txt" 2>/dev/null
    echo "---- $s: files kept in $W (console.log, share/out/)"
  fi
  echo "== $s ($(cat "$O/uname-r")): $pass passed, $fail failed; guest wall time $(secs "$ms") (checks $(cat "$O/checks-seconds" 2>/dev/null || echo '?') s from boot $(cat "$O/boot-seconds" 2>/dev/null || echo '?') s)"
  [ "$fail" -eq 0 ]
}

status=0 TOTAL_PASS=0 TOTAL_FAIL=0
PARALLEL=${E2E_PARALLEL:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
if [ "$PARALLEL" = 1 ] && [ ${#SERIES[@]} -gt 1 ]; then
  pids=()
  for s in "${SERIES[@]}"; do
    ( trap 'kill $(jobs -p) 2>/dev/null || true' EXIT; trap 'exit 143' TERM INT; run_guest "$s" ) & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  for s in "${SERIES[@]}"; do report_guest "$s" || { r=$?; [ $r -gt $status ] && status=$r; }; done
else
  for s in "${SERIES[@]}"; do
    run_guest "$s"
    report_guest "$s" || { r=$?; [ $r -gt $status ] && status=$r; }
  done
fi
# The closing line (.ci/run reads it): totals over all kernels.
case $status in
  0) verdict="all passed" ;;
  1) verdict="FAILED: the checks named above" ;;
  *) verdict="FAILED: no complete result from a guest (see above)" ;;
esac
echo "e2e: $TOTAL_PASS passed, $TOTAL_FAIL failed on ${SERIES[*]} in $(secs $(ms_since $T0)) ($verdict)"
exit "$status"
