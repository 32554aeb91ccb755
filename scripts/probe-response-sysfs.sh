#!/bin/bash
# probe-response-sysfs.sh: show what the error-response code reads and writes in sysfs/debugfs
# on the real Debian 12 kernels (6.1 and 6.12) under QEMU, with and without ras=cec_disable:
# /sys/kernel/debug/ras (the RAS_CEC collector), {soft,hard}_offline_page, cpuN/online, the
# cpuN/cache/indexI topology and /sys/devices/system/edac/mc. The facts the MCEResponse tests
# mark [observed] come from this output.
#
# usage: scripts/probe-response-sysfs.sh        (prints to stdout)
# env: VM_CACHE  cache with kernel-<pkg>/boot/vmlinuz-* and busybox (default /var/cache/mce-e2e-vm,
#                filled by scripts/capture-tracefs.sh 6.1 / 6.12)
# SAFETY: the guest runs only busybox as PID 1 inside QEMU; nothing runs on the host's init.
set -euo pipefail
C=${VM_CACHE:-/var/cache/mce-e2e-vm}
W=$(mktemp -d /tmp/probe-response.XXXXXX)
trap 'rm -rf "$W"' EXIT
R=$W/root
mkdir -p "$R"/{bin,proc,sys,dev}
cp "$C/busybox" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list | grep -vx busybox); do ln -s busybox "$R/bin/$a"; done
cat > "$R/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t debugfs d /sys/kernel/debug
echo "CMDLINE $(cat /proc/cmdline)"
echo "debug/ras: $(ls /sys/kernel/debug/ras 2>&1 | tr '\n' ' ')"
for f in /sys/kernel/debug/ras/cec/*; do [ -f "$f" ] && echo "$f=$(cat "$f")"; done
dmesg | grep -i 'correctable errors collector' || echo "no CEC init message"
ls -l /sys/devices/system/memory/soft_offline_page /sys/devices/system/memory/hard_offline_page
for c in /sys/devices/system/cpu/cpu[0-9]*; do echo "$c/online: $(cat "$c/online" 2>&1)"; done
for i in /sys/devices/system/cpu/cpu*/cache/index*; do
  echo "$i level=$(cat "$i/level") type=$(cat "$i/type") shared_cpu_map=$(cat "$i/shared_cpu_map")"
done
echo "edac/mc: $(ls /sys/devices/system/edac/mc 2>&1 | tr '\n' ' ')"
echo PROBE_DONE
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$W/initrd.gz"
for K in "$C"/kernel-linux-image-6.1.0-*/boot/vmlinuz-* "$C"/kernel-linux-image-6.12.*/boot/vmlinuz-*; do
  [ -f "$K" ] || continue
  for extra in "" "ras=cec_disable"; do
    echo "=== ${K##*/vmlinuz-} ${extra:-(default command line)}"
    timeout 120 qemu-system-x86_64 -accel tcg -cpu Nehalem -smp 2 -m 1G -display none -no-reboot -nic none \
      -kernel "$K" -initrd "$W/initrd.gz" -append "console=ttyS0 panic=-1 $extra" -serial stdio 2>&1 \
      | tr -d '\r' | sed -n '/^CMDLINE/,/^PROBE_DONE/p'
  done
done
