#!/usr/bin/env bash
# The whole test suite: lint, build, every test. Used by `make test` and `.ci/run`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "test: the suite runs as root (namespaces, mounts, cgroups); privileged tests will be skipped" >&2
  [ "${CI:-}" = "true" ] && { echo "test: CI must run as root" >&2; exit 1; }
fi

swift format lint --strict -r Package.swift Sources Tests

swift build --build-tests -j "$(nproc)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build --parallel --num-workers 1 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

# A privileged test that skipped itself as root means the machine lacks something the suite needs.
if [ "$(id -u)" -eq 0 ] && grep -E "skipped" "$log" | grep -vE "^Test Suite|Executed [0-9]+ tests?, with 0 tests skipped|with 0 tests skipped" | grep -qiE "requires root|skipped"; then
  if grep -qE "✘|skipped:|Test .* skipped" "$log"; then
    echo "test: tests were skipped while running as root:" >&2
    grep -E "Test .* skipped|skipped:" "$log" >&2 || true
    exit 1
  fi
fi
exit "$rc"
