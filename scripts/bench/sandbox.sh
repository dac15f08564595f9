#!/usr/bin/env bash
# ContainerSandbox (issue 16), in-process (sandbox-bench): one sandbox's whole life (withSandbox + run true +
# teardown), median and N in a loop; reset() after 1,000 files; host memory per live sandbox (200 open).
# Targets: life median <= 8 ms, 1,000 <= 8 s; reset <= 3 ms; <= 256 KiB per sandbox. Then the peers doing the same
# (scripts/bench/sandbox-peers.sh: testcontainers-python on dockerd, podman run --rm), PEERS=0 to skip them.
set -euo pipefail
uptime
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
n=${1:-1000}
release_build --product sandbox-bench >/dev/null
work=$(mktemp -d /tmp/ckit-sandbox-bench.XXXXXX)
cleanup() {
  # The bench's sandboxes are gone when it exits; the state root keeps its tmpfs for snapshots and the store.
  umount "$work/root/images/snapshots" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
scripts/fixtures/busybox-image.sh "$work/busybox" >/dev/null
bench=.build-bench/release/sandbox-bench
$bench "$work/root" "$work/busybox/layout" life "$n"
$bench "$work/root" "$work/busybox/layout" reset 50
$bench "$work/root" "$work/busybox/layout" density 200
uptime
[ "${PEERS:-1}" = 0 ] || scripts/bench/sandbox-peers.sh "$work/busybox/layout" "${PEER_RUNS:-30}"
