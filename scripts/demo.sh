#!/usr/bin/env bash
# The main job: build ckit, start a local registry holding a real busybox image, pull it and run a container.
# Docker Hub is out of reach on these machines, so the image comes from a registry on 127.0.0.1 started here
# (and stopped, by its PID, on exit).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (containers need namespaces, mounts and cgroups)" >&2; exit 1; }

# ckit runs containers with ckit-runtime, keeps detached ones with ckit-monitor and gives `--init` ones ckit-init.
for product in ckit ckit-runtime ckit-monitor ckit-init; do swift build --product "$product" -j "$(nproc)"; done
ckit=$(swift build --show-bin-path)/ckit

work=$(mktemp -d /tmp/ckit-demo.XXXXXX)
# The demo leaves the machine as it found it: its own cgroup parent, and the bridge and NAT table only if it
# was the one that made them.
export CKIT_CGROUP_PARENT="ckit-demo-$$"
had_bridge=$(ip link show ckit0 >/dev/null 2>&1 && echo yes || echo no)
cleanup() {
  set +x
  "$ckit" --root "$work/state" rm -f demo >/dev/null 2>&1 || true
  scripts/fixtures/registry.sh stop "$work/registry"
  # What is still mounted below the state root, deepest first (the mount namespace template's pin, run/mntns).
  findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
  rm -rf "$work"
  for dir in /sys/fs/cgroup/*/"$CKIT_CGROUP_PARENT" /sys/fs/cgroup/"$CKIT_CGROUP_PARENT"; do
    [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  if [ "$had_bridge" = no ]; then
    ip link del ckit0 2>/dev/null || true
    nft delete table ip ckit_ckit0 2>/dev/null || true
  fi
  return 0
}
trap cleanup EXIT

registry=$(scripts/fixtures/registry.sh start "$work/registry")
image="$registry/library/busybox:latest"

set -x
"$ckit" --root "$work/state" pull "$image"
"$ckit" --root "$work/state" images
"$ckit" --root "$work/state" run --name demo "$image" echo hello world
