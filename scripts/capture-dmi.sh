#!/bin/bash
# capture-dmi.sh: copy the SMBIOS (DMI) table a QEMU guest's kernel exposes in sysfs, as a test
# fixture for the SMBIOS parser (Sources/MCEResponse/SMBIOS.swift).
#
# It boots the cached Debian 12 kernel under QEMU (TCG) with a throw-away busybox initramfs whose
# /init copies /sys/firmware/dmi/tables/{DMI,smbios_entry_point} and the per-structure
# /sys/firmware/dmi/entries/{16,17,19,20}-*/raw files to the host over a second serial port
# (tar | base64), then powers off. The tables are what QEMU's firmware (SeaBIOS) hands the guest:
# real firmware output, not synthesised by us.
#
# usage: scripts/capture-dmi.sh NAME [FIXTURE_ROOT]
#   NAME picks the guest configuration (see CONFIGS below); results go to
#   FIXTURE_ROOT/NAME/ (default Tests/Fixtures/dmi next to this script's repository).
# env: VM_CACHE  cache holding kernel-<pkg>/boot/vmlinuz-* and busybox (default /var/cache/mce-e2e-vm,
#                filled by scripts/capture-tracefs.sh)
# Needs: qemu-system-x86, cpio; dmidecode on the host for the PROVENANCE.md listing.
# SAFETY: the guest runs only busybox as PID 1 inside QEMU; nothing runs on the host's init.
set -euo pipefail

NAME=${1:?usage: $0 NAME [FIXTURE_ROOT]}
HERE=$(cd "$(dirname "$0")/.." && pwd)
FIXROOT=${2:-$HERE/Tests/Fixtures/dmi}
C=${VM_CACHE:-/var/cache/mce-e2e-vm}

# Guest configurations: QEMU machine/memory options, one per fixture name.
case "$NAME" in
  qemu-pc-2g)
    # The plain case: i440fx, 2 GiB in one DIMM, SMBIOS 2.x entry point.
    MACHINE=(-machine pc -m 2G -smp 2) ;;
  qemu-q35-20g-smbios3)
    # q35 with the 64-bit (SMBIOS 3.0) entry point; 20 GiB is split by QEMU into two memory
    # devices (16 GiB + 4 GiB) and the type-17 strings are set the way a server BIOS fills them.
    # shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
    MACHINE=(-machine q35,smbios-entry-point-type=64 -m 20G -smp 2
             -smbios "type=17,loc_pfx=CPU0_DIMM_,bank=P0_Node0_Channel0_Dimm0,manufacturer=Samsung,serial=3A1B2C3D,asset=AT-0017,part=M393A2K40DB3-CWE,speed=3200") ;;
  qemu-pc-4g-injected)
    # QEMU 7.2 builds no type 20 and only plain type-17 sizes, so this configuration hands the
    # firmware our own type 17 and 20 structures (-smbios file=, built by smbios-structures.py
    # below): an empty slot, a size in KB units, an Extended Size, 32-bit and extended 64-bit
    # type-20 ranges. QEMU then omits its own type 17; everything else is QEMU's.
    MACHINE=(-machine pc -m 4G -smp 2)
    INJECT=1 ;;
  *) echo "unknown configuration $NAME (qemu-pc-2g, qemu-q35-20g-smbios3, qemu-pc-4g-injected)" >&2; exit 2 ;;
esac

VMLINUZ=$(find "$C" -path "$C/kernel-linux-image-6.1.0-*/boot/vmlinuz-*" 2>/dev/null | sort -V | tail -1 || true)
BB=$C/busybox
if [ -z "$VMLINUZ" ] || [ ! -x "$BB" ]; then
  echo "no cached kernel/busybox in $C: run scripts/capture-tracefs.sh 6.1 once" >&2; exit 1
fi

W=$(mktemp -d /tmp/capture-dmi.XXXXXX)
trap 'rm -rf "$W"' EXIT
R=$W/root
mkdir -p "$R"/{bin,proc,sys,dev,out,tmp}
cp "$BB" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list | grep -vx busybox); do ln -s busybox "$R/bin/$a"; done
cat > "$R/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev
mkdir -p /out/tables /out/entries
cp /sys/firmware/dmi/tables/DMI /sys/firmware/dmi/tables/smbios_entry_point /out/tables/ || echo "CAPTURE_FAILED: no tables"
for e in /sys/firmware/dmi/entries/16-* /sys/firmware/dmi/entries/17-* /sys/firmware/dmi/entries/19-* /sys/firmware/dmi/entries/20-*; do
  [ -f "$e/raw" ] || continue
  mkdir -p "/out/entries/${e##*/}"; cp "$e/raw" "/out/entries/${e##*/}/raw"
done
ls /sys/firmware/dmi/entries > /out/entries.list
uname -r > /out/uname-r
grep MemTotal /proc/meminfo > /out/meminfo
stty -F /dev/ttyS1 raw -echo 115200
cd /out && tar -cf /tmp/out.tar . && SUM=$(sha256sum /tmp/out.tar | cut -d' ' -f1)
{ echo "BEGIN_TAR_BASE64"; base64 /tmp/out.tar; echo "END_TAR_BASE64 $SUM"; } > /dev/ttyS1
echo "SHIPPED sha256=$SUM"
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$W/initrd.gz"

if [ "${INJECT:-0}" = 1 ]; then
  mkdir -p "$W/smbios"
  python3 - "$W/smbios" <<'PY'
import struct, sys
out = sys.argv[1]
def structure(kind, handle, body, strings):
    # header (type, formatted length, handle) + formatted area, then the string set
    formatted = struct.pack('<BBH', kind, 4 + len(body), handle) + body
    text = b''.join(s.encode() + b'\0' for s in strings) + b'\0'
    return formatted + (text if strings else b'\0\0')
def memory_device(handle, size, ext_size, strings, speed, kind=0x1A, detail=0x2080, rank=2):
    # type 17, SMBIOS 2.8 layout (0x28 bytes); strings: locator, bank, manufacturer, serial, asset, part
    body = struct.pack('<HHHHHBBBBBHHBBBBBIHHHH', 0x1000, 0xFFFE, 72, 64, size, 0x09, 0,
                       1, 2, kind, detail, speed, 3, 4, 5, 6, rank, ext_size, speed, 1200, 1200, 1200)
    return structure(17, handle, body, strings)
def device_mapped(handle, start_kb, end_kb, device, ext_start=0, ext_end=0):
    # type 20, SMBIOS 2.7+ layout (0x23 bytes)
    body = struct.pack('<IIHHBBBQQ', start_kb, end_kb, device, 0x1300, 1, 1, 1, ext_start, ext_end)
    return structure(20, handle, body, [])
files = {
  '17-a1': memory_device(0x1100, 4096, 0, ['DIMM_A1', 'NODE 0 CHANNEL 0 DIMM 0', 'Hynix', 'H0000A1', 'ASSET-A1', 'HMA84GR7CJR4N-XN'], 2933),
  '17-a2': memory_device(0x1101, 0, 0, ['DIMM_A2', 'NODE 0 CHANNEL 0 DIMM 1', 'NO DIMM', 'NO DIMM', 'NO DIMM', 'NO DIMM'], 0, kind=0x02, detail=0x0004, rank=0),
  '17-b1': memory_device(0x1102, 0x7FFF, 32768, ['DIMM_B1', 'NODE 0 CHANNEL 1 DIMM 0', 'Micron', 'M0000B1', 'ASSET-B1', '36ASF4G72PZ-2G9E2'], 2933),
  '17-b2': memory_device(0x1103, 0x8000 | 512, 0, ['DIMM_B2', 'NODE 0 CHANNEL 1 DIMM 1', 'Kingston', 'K0000B2', 'ASSET-B2', 'KVR-TINY'], 1600, kind=0x18),
  '20-a1': device_mapped(0x1400, 0x00000000, 0x003FFFFF, 0x1100),
  '20-b1': device_mapped(0x1401, 0xFFFFFFFF, 0xFFFFFFFF, 0x1102, 0x100000000, 0x8FFFFFFFF),
  '20-b2': device_mapped(0x1402, 0x02400000, 0x024001FF, 0x1103),
}
for name, data in files.items():
    open(f'{out}/{name}.bin', 'wb').write(data)
PY
  for f in "$W"/smbios/*.bin; do MACHINE+=(-smbios "file=$f"); done
fi

CON=$W/console.log DATA=$W/data.b64
QEMU=(qemu-system-x86_64 -accel tcg -cpu Nehalem "${MACHINE[@]}" -display none -no-reboot -nic none
      -kernel "$VMLINUZ" -initrd "$W/initrd.gz" -append "console=ttyS0 panic=-1"
      -serial "file:$CON" -serial "file:$DATA")
echo "qemu: ${QEMU[*]}"
timeout 300 "${QEMU[@]}" || true
if grep -q CAPTURE_FAILED "$CON" || ! grep -q END_TAR_BASE64 "$DATA" 2>/dev/null; then
  echo "capture failed; console tail:" >&2; tr -d '\r' < "$CON" | tail -30 >&2; exit 1
fi
SUM=$(awk '/^END_TAR_BASE64/{print $2}' "$DATA")
sed -n '/^BEGIN_TAR_BASE64/,/^END_TAR_BASE64/p' "$DATA" | sed '1d;$d' | base64 -d > "$W/out.tar"
echo "$SUM  $W/out.tar" | sha256sum -c --quiet
DEST=$FIXROOT/$NAME
rm -rf "$DEST"; mkdir -p "$DEST"
tar -xf "$W/out.tar" -C "$DEST"
chmod -R u+rw,go+rX "$DEST"   # sysfs hands the table out 0400
mv "$DEST/tables/DMI" "$DEST/DMI"; mv "$DEST/tables/smbios_entry_point" "$DEST/smbios_entry_point"; rmdir "$DEST/tables"

{
  echo "# SMBIOS table of a QEMU guest: $NAME"
  echo
  echo "Generated by \`scripts/capture-dmi.sh $NAME\` on $(date -u +%Y-%m-%dT%H:%M:%SZ). Real firmware"
  echo "output, not synthesised: the files were copied by the guest from its sysfs"
  echo "(\`/sys/firmware/dmi/tables/DMI\`, \`.../smbios_entry_point\`, \`/sys/firmware/dmi/entries/{16,17,19,20}-*/raw\`)"
  echo "and shipped to the host as a base64 tar over a second serial port (sha256 of the tar checked)."
  echo
  echo "* guest kernel: \`$(cat "$DEST/uname-r")\` (Debian 12 package, booted with a busybox initramfs)"
  echo "* QEMU: \`$(qemu-system-x86_64 --version | head -1)\`"
  echo "* QEMU options: \`-accel tcg -cpu Nehalem ${MACHINE[*]//$W\//}\`"
  [ "${INJECT:-0}" = 1 ] && echo "* **Type 17 and 20 structures are ours** (built by this script's python block, handed in with \`-smbios file=\`); QEMU dropped its own type 17 for them. Types 0, 1, 3, 4, 16, 19, 32, 127 are QEMU's."
  echo "* guest \`$(cat "$DEST/meminfo")\`"
  echo "* \`/sys/firmware/dmi/entries\`: $(tr '\n' ' ' < "$DEST/entries.list")"
  echo
  echo "## \`dmidecode --from-dump\` of DMI (types 16, 17, 19, 20; independent decode used by the tests; $(dmidecode --version | sed 's/^/dmidecode /'))"
  echo
  echo '```'
  # dmidecode wants an entry point + table image: 32 bytes of entry point at 0, table at 32.
  T=$W/dump.bin
  head -c 32 /dev/zero > "$T"
  cat "$DEST/DMI" >> "$T"
  python3 - "$T" "$DEST/smbios_entry_point" <<'PY' || true
import struct, sys
dump, ep = sys.argv[1], open(sys.argv[2], 'rb').read()
b = bytearray(open(dump, 'rb').read())
tlen = len(b) - 32
if ep[:5] == b'_SM3_':
    e = bytearray(ep[:0x18]); struct.pack_into('<I', e, 0x0C, tlen); struct.pack_into('<Q', e, 0x10, 32)
    e[5] = 0; e[5] = (-sum(e)) & 0xff
else:
    e = bytearray(ep[:0x1F]); struct.pack_into('<H', e, 0x16, tlen); struct.pack_into('<I', e, 0x18, 32)
    e[0x15] = 0; e[0x15] = (-sum(e[0x10:0x1F])) & 0xff
    e[4] = 0; e[4] = (-sum(e[:e[5]])) & 0xff
b[:len(e)] = e
open(dump, 'wb').write(b)
PY
  dmidecode --from-dump "$T" -t 16,17,19,20 2>&1 | sed '/^# dmidecode/d;/^Reading SMBIOS/d'
  echo '```'
} > "$DEST/PROVENANCE.md"
rm -f "$DEST/meminfo"
echo "fixtures in $DEST:"; (cd "$DEST" && find . -type f | sort | xargs ls -l | awk '{print $5, $9}')
