# mcelog (Swift, journald-native). `make demo` runs the main job, `make test` the tests.
SHELL := /bin/bash
PREFIX ?= /usr
DESTDIR ?=
SWIFT ?= swift
BUILD_FLAGS ?=
BIN = .build/debug/mcelog
RELEASE_BIN = .build-release/release/mcelog

.PHONY: all build release test golden fuzz bench demo setup install clean e2e link-order

all: build

setup:
	@command -v pkg-config >/dev/null && pkg-config --exists libsystemd || \
	  (apt-get update -qq && apt-get install -y -qq libsystemd-dev pkg-config)

build: setup
	$(SWIFT) build $(BUILD_FLAGS)

# The release binary is linked for a small idle footprint (issue 3 asks <= 8 MiB RSS; the why is
# in scripts/link-order.py): lld with packed relative relocations (DT_RELR, glibc >= 2.36), the
# functions the daemon runs placed first (scripts/mcelog.order, `make link-order`), and
# libstdc++ linked statically through a directory that offers only its archive.
STATIC_CXX = $(shell $(dir $(shell command -v $(SWIFT)))clang -print-file-name=libstdc++.a 2>/dev/null)
RELEASE_LINK = -Xswiftc -Xfrontend -Xswiftc -function-sections -Xswiftc -use-ld=lld \
  -Xlinker -z -Xlinker pack-relative-relocs \
  -Xlinker --symbol-ordering-file=$(CURDIR)/scripts/mcelog.order -Xlinker --no-warn-symbol-ordering \
  -Xlinker -L$(CURDIR)/.build-release/static-c++

release: setup
	mkdir -p .build-release/static-c++
	if [ -f "$(STATIC_CXX)" ]; then ln -sf "$(STATIC_CXX)" .build-release/static-c++/libstdc++.a; fi
	@# SwiftPM does not know the order file: a newer one must relink.
	if [ scripts/mcelog.order -nt $(RELEASE_BIN) ]; then rm -f "$$(readlink -f $(RELEASE_BIN))"; fi
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-release $(RELEASE_LINK) $(BUILD_FLAGS)

# Regenerates scripts/mcelog.order from a callgrind run of the daemon (needs valgrind).
link-order: release
	scripts/link-order.py $(RELEASE_BIN)

# Unit, golden and randomized tests, then the golden cases once more through the binary.
test: build
	MCELOG_FUZZ_ITERATIONS=$${MCELOG_FUZZ_ITERATIONS:-20000} $(SWIFT) test --disable-swift-testing $(BUILD_FLAGS)
	scripts/decode-golden.sh $(BIN)

golden: build
	scripts/decode-golden.sh $(BIN) -v

bench: release
	scripts/bench-decode.sh $(RELEASE_BIN)
	scripts/bench-daemon.py $(RELEASE_BIN) .build-release/release/mcelog-bench 40000

# End to end on Debian 12's kernels 6.1 and 6.12 under QEMU, systemd in the guest (e2e/run.sh;
# root; caches the guest image in VM_CACHE, default /var/cache/mce-e2e-vm).
e2e: release
	E2E_BIN=$(RELEASE_BIN) e2e/run.sh $(E2E_SERIES)

demo: build
	scripts/demo.sh $(BIN)

# Installs everything a system needs: `make install DESTDIR=/tmp/stage PREFIX=/usr`.
# Units go where Debian's systemd looks (UNITDIR), configuration to SYSCONFDIR/mcelog.
# Man pages are installed uncompressed (scripts/build-deb.sh compresses them).
# Afterwards, on a real system: journalctl --update-catalog; systemctl enable --now mcelog.socket
UNITDIR ?= /lib/systemd/system
SYSCONFDIR ?= /etc
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL_BIN ?= $(RELEASE_BIN)

install: release
	install -D -m 0755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/sbin/mcelog
	install -D -m 0644 units/mcelog.service $(DESTDIR)$(UNITDIR)/mcelog.service
	install -D -m 0644 units/mcelog.socket $(DESTDIR)$(UNITDIR)/mcelog.socket
	install -D -m 0644 units/mcelog.tmpfiles $(DESTDIR)$(TMPFILESDIR)/mcelog.conf
	install -D -m 0644 conf/mcelog.conf $(DESTDIR)$(SYSCONFDIR)/mcelog/mcelog.conf
	for t in conf/triggers/*; do \
	  [ -f "$$t" ] || continue; \
	  install -D -m 0755 "$$t" "$(DESTDIR)$(SYSCONFDIR)/mcelog/$$(basename "$$t")" || exit 1; \
	done
	install -D -m 0644 conf/mcelog.catalog $(DESTDIR)$(CATALOGDIR)/mcelog.catalog
	install -D -m 0644 man/mcelog.8 $(DESTDIR)$(MANDIR)/man8/mcelog.8
	install -D -m 0644 man/mcelog.conf.5 $(DESTDIR)$(MANDIR)/man5/mcelog.conf.5
	install -D -m 0644 man/mcelog.triggers.5 $(DESTDIR)$(MANDIR)/man5/mcelog.triggers.5
	install -D -m 0644 contrib/bash-completion/mcelog $(DESTDIR)$(COMPLETIONDIR)/mcelog

# The Debian package (dpkg-deb, no debhelper): build/mcelog_VERSION_ARCH.deb.
.PHONY: deb bench-history
deb: release
	scripts/build-deb.sh $(RELEASE_BIN)

# History reading speed: 10,000 and 100,000 journal entries written by systemd-journal-remote.
bench-history: release
	scripts/bench-history.sh $(RELEASE_BIN)

clean:
	rm -rf .build
