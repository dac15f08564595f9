#!/usr/bin/env bash
# Cgroup setup/teardown cost, in-process (ckit-bench cgroups): create with limits, place a process, stats, delete.
# No peer runs cgroup operations alone; compare the sum with crun's whole `run true` (8.3 ms here, issue 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
release_build --product ckit-bench >/dev/null
.build-bench/release/ckit-bench cgroups "${1:-500}"
