#!/usr/bin/env bash
# The guest lane (`make test-guest`, and the end of scripts/test.sh): the suites that depend on the cgroup layout,
# run in a pure cgroup v2 guest with its controllers (guest.sh), from the host's test build. Exits non-zero when a
# test fails or skips there, or when the guest does not finish within the bound.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .build/debug/ContainerKitPackageTests.xctest ] || { echo "guest: build the tests first" >&2; exit 1; }

suites=(
  CgroupsTests
  ContainerKitTests.CgroupLimitTests
  ContainerKitTests.ContainerViewTests
  ContainerKitTests.RuntimeCLITests
  ContainerKitTests.RuntimeCLIHookTests
  IntegrationTests.CkitCgroupTests
  IntegrationTests.CkitSeedTests/memoryLimitOOMKill
  IntegrationTests.CkitMoreTests/pauseFreezesTheCgroupAndUnpauseThawsIt
  IntegrationTests.CkitParityTests/limitsAreReadableFromTheContainersCgroupMount
  IntegrationTests.CkitOutputTests/statsReadsTheContainersCgroup
)
start=$SECONDS
bash scripts/guest/guest.sh -t "${CKIT_GUEST_TIMEOUT:-900}" "scripts/guest/run-tests.sh ${suites[*]}"
echo "guest: the v2 lane passed in $((SECONDS - start)) s" >&2
