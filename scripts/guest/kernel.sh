#!/usr/bin/env bash
# kernel.sh: prints the directory of the guest's kernel (vmlinux, the initrd's modules, lib/modules), preparing it
# once per kernel version under /var/cache/ckit-guest (prepare.sh: apt-get download + dpkg-deb, the host's /boot
# and package database are left alone). Called by guest.sh, and by scripts/install-deps.sh so that the test
# command finds it ready.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The kernel: the package linux-image-amd64 points to (the -cloud flavour has no 9p).
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "guest: no kernel package behind linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kver=${kpkg#linux-image-}
cache=/var/cache/ckit-guest/$kver
if [ ! -f "$cache/.complete" ]; then
  bash scripts/guest/prepare.sh "$kpkg" "$kver" "$cache" >&2
fi
echo "$cache"
