# mcelog (Swift, journald-native). `make demo` runs the main job, `make test` the tests.
SHELL := /bin/bash
PREFIX ?= /usr
DESTDIR ?=
SWIFT ?= swift
BUILD_FLAGS ?=
BIN = .build/debug/mcelog
RELEASE_BIN = .build-release/release/mcelog

.PHONY: all build release test golden fuzz bench demo setup install clean

all: build

setup:
	@command -v pkg-config >/dev/null && pkg-config --exists libsystemd || \
	  (apt-get update -qq && apt-get install -y -qq libsystemd-dev pkg-config)

build: setup
	$(SWIFT) build $(BUILD_FLAGS)

release: setup
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-release $(BUILD_FLAGS)

# Unit, golden and randomized tests, then the golden cases once more through the binary.
test: build
	MCELOG_FUZZ_ITERATIONS=$${MCELOG_FUZZ_ITERATIONS:-20000} $(SWIFT) test --disable-swift-testing $(BUILD_FLAGS)
	scripts/decode-golden.sh $(BIN)

golden: build
	scripts/decode-golden.sh $(BIN) -v

bench: release
	scripts/bench-decode.sh $(RELEASE_BIN)
	scripts/bench-daemon.py $(RELEASE_BIN) .build-release/release/mcelog-bench 40000

demo: build
	scripts/demo.sh $(BIN)

install: release
	install -D -m 0755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/sbin/mcelog

clean:
	rm -rf .build
