#!/usr/bin/env bash
# The whole test suite: lint, build, every test. Used by `make test` and `.ci/run`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "test: the suite runs as root (namespaces, mounts, cgroups); privileged tests will be skipped" >&2
  [ "${CI:-}" = "true" ] && { echo "test: CI must run as root" >&2; exit 1; }
fi

swift format lint --strict -r Package.swift Sources Tests Benchmarks

swift build --build-tests -j "$(nproc)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# Privileged tests skip with a reason naming root; as root none may skip (that would hide a missing capability).
if [ "$(id -u)" -eq 0 ] && grep -E '^. Test .* skipped: ".*root' "$log" >/dev/null; then
  echo "test: privileged tests skipped themselves while running as root:" >&2
  grep -E '^. Test .* skipped: ".*root' "$log" >&2
  exit 1
fi
exit "$rc"
