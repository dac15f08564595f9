#!/usr/bin/env bash
# prepare.sh PACKAGE VERSION DIR: the guest's kernel (an uncompressed vmlinux: QEMU's microvm boots an ELF), its
# modules (for modprobe in the guest) and those the initrd loads, from Debian's packages only. Called by guest.sh when DIR has
# no .complete; idempotent.
set -euo pipefail
kpkg=$1 kver=$2 cache=$3
mkdir -p "$(dirname "$cache")"
tmp=$(mktemp -d "$(dirname "$cache")/.prepare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "guest: preparing $kpkg in $cache" >&2
(cd "$tmp" && { apt-get download -qq "$kpkg" 2>/dev/null || { apt-get update -qq && apt-get download -qq "$kpkg"; }; })
dpkg-deb -x "$tmp"/"$kpkg"_*.deb "$tmp/root"
depmod -b "$tmp/root" "$kver"

# The guest mounts lib/modules on /lib/modules: modprobe (and the kernel's autoloading) find overlay, veth...

# vmlinuz is a bzImage holding an xz stream: the ELF inside is what microvm boots.
python3 - "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit("no xz stream in " + sys.argv[1])
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
if out[:4] != b"\x7fELF":
    sys.exit("the xz stream is not an ELF")
open(sys.argv[2], "wb").write(out)
PY

# The modules that reach the 9p shares and the disks, in load order (guest.sh packs them into the initrd).
mkdir -p "$tmp/initrd-modules"
: >"$tmp/initrd-modules/order"
modprobe -d "$tmp/root" -S "$kver" --show-depends -a virtio_mmio 9pnet_virtio 9p virtio_blk |
  awk '$1 == "insmod" { print $2 }' | while read -r ko; do
  name=$(basename "$ko")
  grep -qx "$name" "$tmp/initrd-modules/order" && continue
  cp "$ko" "$tmp/initrd-modules/$name"
  echo "$name" >>"$tmp/initrd-modules/order"
done

rm -rf "$cache"
mkdir -p "$cache"
mv "$tmp/vmlinux" "$tmp/initrd-modules" "$cache/"
mkdir -p "$cache/lib"
mv "$tmp/root/lib/modules" "$cache/lib/modules"
touch "$cache/.complete"
