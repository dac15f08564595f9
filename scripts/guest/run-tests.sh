#!/usr/bin/env bash
# run-tests.sh FILTER...: inside the guest (guest.sh runs it from the repository), the host's test build with
# swift-testing's filters. Fails on a failing test, and on any test or suite that skipped itself, unless its reason
# names the hybrid host's v1 controllers (or says what this host "has"): root, pure v2 with its controllers, swap,
# huge pages and a scratch disk are all here, and a skip would be a vacuous pass.
set -uo pipefail
args=()
for f in "$@"; do args+=(--filter "$f"); done
log=$(mktemp)
.build/debug/ContainerKitPackageTests.xctest --testing-library swift-testing "${args[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if grep -E '(Test|Suite) .* skipped' "$log" | grep -Ev 'v1|has the' >&2; then
  echo "guest: the lines above skipped in the v2 guest, where they must run" >&2
  rc=1
fi
exit "$rc"
