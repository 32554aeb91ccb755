#!/bin/sh
# e2e/guest/install.sh ROOT PAYLOAD: installs mcelog into the guest's root file system at every
# boot, as a package would: binary, units, configuration, triggers, catalog; enables
# mcelog.socket only (the service is started by the first client, socket activation). Also
# installs the test's own pieces: a test configuration selected by a drop-in, the env-dumping
# triggers and the unit that runs checks.sh.
# Run by the e2e initrd's busybox sh before switch_root (e2e/run.sh); the image itself is
# pristine (QEMU snapshot=on), so nothing from an earlier run remains.
set -eu
R=$1 P=$2
# busybox has no install(1)
inst() { mkdir -p "$(dirname "$3")"; cp "$2" "$3"; chmod "$1" "$3"; }
echo "install.sh: installing into $R from $P"

inst 0755 "$P/mcelog" "$R/usr/sbin/mcelog"
for u in mcelog.service mcelog.socket; do inst 0644 "$P/units/$u" "$R/etc/systemd/system/$u"; done
# `systemctl enable mcelog.socket`: [Install] WantedBy=sockets.target
mkdir -p "$R/etc/systemd/system/sockets.target.wants"
ln -sf /etc/systemd/system/mcelog.socket "$R/etc/systemd/system/sockets.target.wants/mcelog.socket"

inst 0644 "$P/conf/mcelog.conf" "$R/etc/mcelog/mcelog.conf"
for t in "$P"/triggers/*; do
  if [ -f "$t" ]; then inst 0755 "$t" "$R/etc/mcelog/$(basename "$t")"; fi
done
inst 0644 "$P/conf/mcelog.catalog" "$R/usr/lib/systemd/catalog/mcelog.catalog"
# As the package does: tmpfiles.d creates the fallback log at boot (systemd-tmpfiles-setup).
inst 0644 "$P/units/mcelog.tmpfiles" "$R/usr/lib/tmpfiles.d/mcelog.conf"

# The test configuration: low thresholds, env-dumping triggers, soft page offlining. The drop-in
# keeps the shipped ExecStart (its options) and adds --config-file.
inst 0644 "$P/guest/mcelog-e2e.conf" "$R/etc/mcelog/mcelog-e2e.conf"
for t in e2e-dimm-trigger e2e-uc-trigger e2e-page-trigger; do
  inst 0755 "$P/guest/e2e-env-trigger" "$R/etc/mcelog/$t"
done
exec_start=$(grep -m1 '^ExecStart=' "$P/units/mcelog.service")
[ -n "$exec_start" ] || { echo "install.sh: no ExecStart= in mcelog.service"; exit 1; }
mkdir -p "$R/etc/systemd/system/mcelog.service.d"
printf '[Service]\nExecStart=\n%s --config-file /etc/mcelog/mcelog-e2e.conf\n' "$exec_start" \
  > "$R/etc/systemd/system/mcelog.service.d/e2e.conf"

inst 0644 "$P/guest/mcelog-e2e.service" "$R/etc/systemd/system/mcelog-e2e.service"
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/mcelog-e2e.service "$R/etc/systemd/system/multi-user.target.wants/mcelog-e2e.service"
echo "install.sh: done"
