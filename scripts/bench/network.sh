#!/usr/bin/env bash
# A bridge container's network endpoint, set up and torn down (netns, veth, address, route, NAT check, IPAM):
# ContainerNetwork over netlink vs the ip/nsenter/nft commands it ran before, interleaved in one run (ckit-bench
# network), once with the classic teardown (veth deleted, then netns) and once namespace-first. Root; release
# build in .build-bench. Leaves no bridge, netns or NAT table behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
ITERATIONS=${ITERATIONS:-50}
release_build --product ckit-bench >/dev/null
bin=$(release_build --show-bin-path)
"$bin/ckit-bench" network "$ITERATIONS"
"$bin/ckit-bench" network "$ITERATIONS" fast
