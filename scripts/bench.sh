#!/usr/bin/env bash
# Runs every benchmark in scripts/bench/, each beside its peer, and prints ratios. Release builds go to
# .build-bench so they never disturb the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --scratch-path .build-bench -j "$(nproc)"
for b in scripts/bench/*.sh; do
  [ -e "$b" ] || continue
  echo "== $b"
  bash "$b"
done
