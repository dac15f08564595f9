#!/usr/bin/env bash
# A bridge container's network endpoint, set up and torn down (netns, veth, address, route, NAT check, IPAM):
# ContainerNetwork over netlink vs the ip/nsenter/nft commands it ran before, interleaved in one run (ckit-bench
# network), once with the classic teardown (veth deleted, then netns) and once namespace-first. Root; release
# build in .build-bench. Leaves no bridge, netns or NAT table behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
ITERATIONS=${ITERATIONS:-50}
swift build -c release --scratch-path .build-bench --product ckit-bench >/dev/null
bin=$(swift build -c release --scratch-path .build-bench --show-bin-path)
"$bin/ckit-bench" network "$ITERATIONS"
"$bin/ckit-bench" network "$ITERATIONS" fast
