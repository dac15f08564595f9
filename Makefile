# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
SWIFT ?= swift
JOBS ?= $(shell nproc)

.PHONY: deps build demo test test-guest lint format bench check-api

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -j $(JOBS)

# Pulls the busybox image from a local registry (started here, stopped after) and runs `echo hello world` in it.
demo: deps
	@bash scripts/demo.sh

lint:
	$(SWIFT) format lint --strict -r Package.swift Sources Tests Benchmarks
	scripts/check-blocking.py

format:
	$(SWIFT) format -i -r Package.swift Sources Tests Benchmarks

# Everything: formatting, the build, every test on the real kernel, then the pure cgroup v2 guest lane (test-guest).
# Runs as root; in CI a skipped privileged test is a failure.
test: deps
	@bash scripts/test.sh

# The structural checks alone (part of `make test`): documented layers, declared imports, public API only in the
# sample tools and EngineAPITests, doc comments on ContainerEngine's public API (scripts/check-api.py).
check-api:
	$(SWIFT) build --build-tests -j $(JOBS)
	python3 scripts/check-api.py --fatal layers --fatal imports

# The pure cgroup v2 lane: Debian's kernel under QEMU (TCG), the host's build over 9p, the v2 controllers for real
# (Documentation/Cgroups.md). Builds the tests first; runs as root.
test-guest: deps
	$(SWIFT) build --build-tests -j $(JOBS)
	@bash scripts/guest/test.sh

bench: deps
	@bash scripts/bench.sh
