SHELL := /bin/bash
# Usher's two set-up commands (`make run`, `make test`) and their helpers.
# Both install what a fresh Debian 12 machine lacks (apt-get, sudo if not root),
# then build with SwiftPM. `make bench` runs the benchmarks in bench/ (QUICK=1: short).

SWIFT      ?= swift
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PKGS   := libsystemd-dev libseccomp-dev pkg-config dbus-daemon curl netcat-openbsd s6
# Real daemons and clients the integration tests serve (skipped when missing):
# tftpd-hpa's in.tftpd with curl's TFTP client, openssh's sshd with ssh,
# gpsd (Type=forking), avahi-daemon with avahi-resolve (Type=dbus); golang-go
# builds the Go examples (examples/go) that ExamplesIntegrationTests runs;
# openrc's rc-service runs packaging/openrc/usherd (it removes nothing, systemd stays init).
TEST_PKGS  := tftpd-hpa openssh-server openssh-client gpsd avahi-daemon avahi-utils golang-go openrc
# Installed without their Recommends: runit's (runit-run or runit-init) would
# start a runsvdir or replace the init system; its runsv runs packaging/runit.
TEST_PKGS_BARE := runit
BUILD_LOG  := .build/usher-build.log
UNITS      ?= units

.PHONY: run test deps install-missing build release check-warnings bench bench-unitload fuzz-unitfile deb docs clean

deps:
	@$(MAKE) --no-print-directory install-missing PKGS="$(APT_PKGS) $(EXTRA_PKGS)"
	@$(MAKE) --no-print-directory install-missing PKGS="$(EXTRA_PKGS_BARE)" APT_FLAGS=--no-install-recommends

# Installs whichever of PKGS is not installed yet (apt-get update first).
install-missing:
	@missing=""; for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(APT_FLAGS) $$missing; \
	fi

build: deps
	@packaging/revision.sh
	$(SWIFT) build 2>&1 | tee $(BUILD_LOG); test $${PIPESTATUS[0]} -eq 0
	@$(MAKE) --no-print-directory check-warnings

# Zero warnings in our own code: fail the build if Sources/ or Tests/ warn.
check-warnings:
	@if grep -E '(Sources|Tests)/.*: warning:' $(BUILD_LOG); then echo "make: warnings in the build"; exit 1; fi

release: deps
	@packaging/revision.sh
	$(SWIFT) build -c release

run: build
	$(MAKE) --no-print-directory -C examples
	.build/debug/usherd --unit-dir $(UNITS) --unit-dir .build/examples/units

test: EXTRA_PKGS = $(TEST_PKGS)
test: EXTRA_PKGS_BARE = $(TEST_PKGS_BARE)
test: deps
	@packaging/revision.sh
	$(SWIFT) build --build-tests 2>&1 | tee $(BUILD_LOG); test $${PIPESTATUS[0]} -eq 0
	@$(MAKE) --no-print-directory check-warnings
	$(MAKE) --no-print-directory -C examples
	$(SWIFT) test --skip-build

# Every benchmark scenario (bench/bench.sh); QUICK=1 for a short run.
bench: release
	$(MAKE) -C bench run QUICK=$(QUICK)

bench-unitload: deps
	$(SWIFT) run -c release unitload-bench

fuzz-unitfile: deps
	fuzz/unitfile/build.sh
	mkdir -p .build/fuzz/corpus && cp -n fuzz/unitfile/corpus/* .build/fuzz/corpus/
	.build/fuzz/fuzz-unitfile -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=4096 .build/fuzz/corpus

# The .deb (.build/deb/usher_VERSION_ARCH.deb). build.sh does its own release
# build with --static-swift-stdlib, so it depends on deps, not release.
deb: deps
	packaging/deb/build.sh

# usher.unit(5) from the option table (a test fails when the committed page differs).
docs: build
	.build/debug/usherctl list-keys --format man > packaging/man/usher.unit.5

clean:
	rm -rf .build
