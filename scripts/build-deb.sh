#!/bin/bash
# Builds the Debian package of mcelog with dpkg-deb (no debhelper): the release binary,
# units, configuration and triggers (conffiles), journal catalog, man pages and bash
# completion, as `make install` lays them out, plus maintainer scripts that update the
# catalog and enable and start mcelog.socket and mcelog.service where systemd runs.
#
# Usage: scripts/build-deb.sh [MCELOG-BINARY]     (`make deb` builds the binary first)
# Environment: OUT_DIR (default build/), DEB_REVISION (default 1),
#              DEB_MAINTAINER (default "mcelog maintainers <mcelog@localhost>": set a real
#              address for anything published),
#              DEB_COMPRESS (xz, gzip or none; default xz).
# Prints the path of the .deb on its last line.
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."

bin=${1:-.build-release/release/mcelog}
out=${OUT_DIR:-build}
revision=${DEB_REVISION:-1}
maintainer=${DEB_MAINTAINER:-mcelog maintainers <mcelog@localhost>}
[ -x "$bin" ] || { echo "build-deb: no binary at $bin (run make release)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build-deb: dpkg-deb missing" >&2; exit 1; }

upstream=$(sed -n 's/.*static let string = "\([0-9][0-9.]*\).*/\1/p' Sources/mcelog/Version.swift)
[ -n "$upstream" ] || { echo "build-deb: cannot read the version from Sources/mcelog/Version.swift" >&2; exit 1; }
version="$upstream-$revision"
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"

# The files, exactly where `make install` puts them (the binary is not rebuilt here).
make --no-print-directory -o release install DESTDIR="$root" PREFIX=/usr INSTALL_BIN="$bin" >/dev/null
# Debian policy: stripped binaries, compressed man pages, a copyright and a changelog.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/sbin/mcelog"
gzip -9n "$root"/usr/share/man/man*/*
doc="$root/usr/share/doc/mcelog"
install -d "$doc"
cat > "$doc/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: mcelog (Swift, journald-native reimplementation)
Comment: A new implementation in Swift. Output formats, option names, configuration keys and
 trigger environment variables reproduce upstream mcelog's interface; no upstream code is used.

Files: *
Copyright: 2026 the mcelog (Swift) authors
License: GPL-2
 This program is free software; you can redistribute it and/or modify it under the terms of
 the GNU General Public License version 2 as published by the Free Software Foundation.
 .
 On Debian systems, the complete text of the GNU General Public License version 2 can be
 found in `/usr/share/common-licenses/GPL-2'.
EOF
{
    echo "mcelog ($version) unstable; urgency=medium"
    echo
    echo "  * Package built by scripts/build-deb.sh."
    echo
    echo " -- $maintainer  $(LC_ALL=C date -R -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")"
} | gzip -9n > "$doc/changelog.Debian.gz"
# bash-completion's directory is in /usr/share; README for operators.
[ -f README.md ] && install -m 0644 README.md "$doc/README.md"

# The libraries the binary links, with versions, as dpkg-shlibdeps computes them.
depends="libsystemd0"
if command -v dpkg-shlibdeps >/dev/null; then
    mkdir -p "$work/shlibs/debian"
    printf 'Source: mcelog\n\nPackage: mcelog\nArchitecture: any\n' > "$work/shlibs/debian/control"
    computed=$(cd "$work/shlibs" && dpkg-shlibdeps -O "-e$root/usr/sbin/mcelog" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
    [ -n "$computed" ] && depends=$computed
fi
# Packed relative relocations (the release link, see Makefile) need glibc 2.36's loader; the
# binary asks for GLIBC_ABI_DT_RELR, which dpkg-shlibdeps does not turn into a version.
if readelf -dW "$root/usr/sbin/mcelog" 2>/dev/null | grep -q '(RELR)'; then
    libc=$(printf '%s\n' "$depends" | tr ',' '\n' | sed -n 's/^ *libc6 (>= \(.*\))$/\1/p')
    if [ -z "$libc" ]; then
        depends="libc6 (>= 2.36), $depends"
    elif dpkg --compare-versions "$libc" lt 2.36; then
        depends=$(printf '%s\n' "$depends" | sed "s/libc6 (>= $libc)/libc6 (>= 2.36)/")
    fi
fi

install -d -m 0755 "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: mcelog
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Recommends: systemd
Section: admin
Priority: optional
Description: x86 machine check error decoder and logger (journald-native)
 mcelog decodes the machine check exceptions that x86 CPUs report for hardware
 errors (memory, caches, buses, interconnects, I/O) from the kernel's
 mce_record tracepoint or /dev/mcelog, and logs one structured journal entry
 per error with the DIMM, socket, bank and severity as fields.
 .
 The daemon keeps per-DIMM, per-socket and per-page error counts with
 thresholds, runs trigger scripts, offlines failing memory pages, answers
 queries on a socket-activated unix socket and exports Prometheus metrics.
 "mcelog --summary" and "mcelog --errors" report the error history from the
 journal.
EOF

# Every file under /etc is a configuration file the administrator may edit.
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"

cat > "$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] || [ "$1" = abort-upgrade ] || [ "$1" = abort-deconfigure ] || [ "$1" = abort-remove ]; then
    # The catalog texts behind `journalctl -x` for mcelog's MESSAGE_IDs.
    if command -v journalctl >/dev/null; then
        journalctl --update-catalog || true
    fi
    # The fallback log must exist before the hardened service starts (see mcelog.tmpfiles).
    if command -v systemd-tmpfiles >/dev/null; then
        systemd-tmpfiles --create mcelog.conf || true
    fi
    if command -v deb-systemd-helper >/dev/null; then
        for unit in mcelog.socket mcelog.service; do
            # Only removes masks that deb-systemd-helper itself created on removal.
            deb-systemd-helper unmask "$unit" >/dev/null || true
            # was-enabled is true on a new installation: enable; on an upgrade keep the
            # administrator's choice.
            if deb-systemd-helper --quiet was-enabled "$unit"; then
                deb-systemd-helper enable "$unit" >/dev/null || true
            else
                deb-systemd-helper update-state "$unit" >/dev/null || true
            fi
        done
    fi
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        if [ -n "$2" ]; then
            # Upgrade: the new binary takes over (the service stays inactive where the
            # kernel has no machine-check source: ConditionPathExists in the unit).
            deb-systemd-invoke restart mcelog.socket mcelog.service >/dev/null || true
        else
            deb-systemd-invoke start mcelog.socket mcelog.service >/dev/null || true
        fi
    fi
fi
exit 0
EOF

cat > "$root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
    deb-systemd-invoke stop mcelog.service mcelog.socket >/dev/null || true
fi
exit 0
EOF

cat > "$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = remove ] && command -v journalctl >/dev/null; then
    # The catalog file is gone: drop its texts from the binary catalog.
    journalctl --update-catalog || true
fi
if [ "$1" = remove ] && command -v deb-systemd-helper >/dev/null; then
    deb-systemd-helper mask mcelog.socket mcelog.service >/dev/null || true
fi
if [ "$1" = purge ]; then
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper purge mcelog.socket mcelog.service >/dev/null || true
        deb-systemd-helper unmask mcelog.socket mcelog.service >/dev/null || true
    fi
    # The daemon's saved counts and page states, and its fallback log. ($DPKG_ROOT: dpkg
    # --root without chroot, as when bootstrapping or testing a package.)
    rm -rf "${DPKG_ROOT:-}/var/lib/mcelog"
    rm -f "${DPKG_ROOT:-}/var/log/mcelog" "${DPKG_ROOT:-}"/var/log/mcelog.[0-9]*
fi
exit 0
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles"

# md5sums of everything but the control area and conffiles, as dh_md5sums writes it.
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort \
    | grep -v '^etc/' | xargs -d '\n' md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/mcelog_${version}_${arch}.deb"
dpkg-deb --root-owner-group "-Z${DEB_COMPRESS:-xz}" --build "$root" "$deb" >/dev/null
echo "$deb"
