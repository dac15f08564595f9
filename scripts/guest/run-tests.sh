#!/usr/bin/env bash
# run-tests.sh FILTER...: inside the guest (guest.sh runs it from the repository), the host's test build, one run of
# swift-testing per filter (a hang is then bounded and named: 300 s each). Fails on a failing test, and on any test
# or suite that skipped itself, unless its reason names the hybrid host's v1 controllers (or says what this host
# "has"): root, pure v2 with its controllers, swap, huge pages and a scratch disk are all here, and a skip would be a
# vacuous pass.
set -uo pipefail
log=$(mktemp)
rc=0
for f in "$@"; do
  echo "guest: --filter $f" >&2
  timeout -k 10 300 .build/debug/ContainerKitPackageTests.xctest --testing-library swift-testing --filter "$f" 2>&1 |
    tee -a "$log"
  status=${PIPESTATUS[0]}
  [ "$status" -eq 0 ] || { echo "guest: $f failed ($status)" >&2; rc=1; }
done
if grep -E '(Test|Suite) .* skipped' "$log" | grep -Ev 'v1|has the' >&2; then
  echo "guest: the lines above skipped in the v2 guest, where they must run" >&2
  rc=1
fi
exit "$rc"
