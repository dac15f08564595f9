#!/usr/bin/env bash
# guest.sh [-t SECONDS] COMMAND: runs COMMAND (a bash script line) as root in a guest kernel with pure cgroup v2 and
# its controllers, from this repository's directory, and exits with its status.
#
# The guest is Debian's stock kernel (linux-image-amd64) under QEMU's TCG (this machine's /dev/kvm cannot boot it),
# an initrd of Debian's busybox-static and the kernel's virtio/9p modules, and the host's `/` shared read-only over
# 9p: the tests and tools run from the host's build with the host's libraries (/opt/swift included), in a chroot
# with tmpfs on /tmp, /run, /var/tmp and a cgroup2 mount at /sys/fs/cgroup. A second, writable 9p share (a fresh
# directory under /tmp) carries the command's exit status back; its output is streamed over the serial console.
# Two scratch disks: /dev/vda is the guest's swap (memory.swap is real), /dev/vdb is free for io.max tests.
#
# Under TCG the kernel cannot calibrate the TSC against microvm's PIT (it hangs), so the frequency (TCG's TSC is
# the host's: its rate from /proc/cpuinfo) and the delay loop are given on the command line, and the TSC is the
# clocksource: with a wrong rate or jiffies the guest's clock runs fast and every timeout in the tests with it.
#
# QEMU is killed by its PID after SECONDS (default 1200) and when this script ends: nothing is left running.
# The kernel and its modules are prepared once per kernel version under /var/cache/ckit-guest (kernel.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
timeout=1200
while getopts t: opt; do
  case $opt in
  t) timeout=$OPTARG ;;
  *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: guest.sh [-t SECONDS] COMMAND" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "guest: runs as root (9p passthrough of /, the kernel cache)" >&2; exit 1; }

# QEMU, busybox-static and kmod (depmod, modprobe) come from Debian like the rest of the dependencies.
for p in qemu-system-x86 busybox-static kmod; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

cache=$(bash scripts/guest/kernel.sh)

work=$(mktemp -d /tmp/ckit-guest.XXXXXX)
qpid=
cleanup() {
  if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill -KILL "$qpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
{
  echo "cd $(printf %q "$repo")"
  printf '%s\n' "$*"
} >"$work/run.sh"
# The initrd (busybox, init, the modules), packed each run: it is small, and init changes with the repository.
mkdir -p "$work/initrd/bin"
cp /bin/busybox "$work/initrd/bin/busybox"
install -m 0755 scripts/guest/init "$work/initrd/init"
cp -r "$cache/initrd-modules" "$work/initrd/modules"
(cd "$work/initrd" && find . | busybox cpio -o -H newc 2>/dev/null) >"$work/initrd.cpio"
rm -rf "$work/initrd"
truncate -s 256M "$work/swap.img"
truncate -s 64M "$work/scratch.img"

tsc_khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
qemu-system-x86_64 -M microvm -accel tcg,thread=multi -cpu max -m 2G -smp 2 \
  -nodefaults -no-user-config -display none -monitor none -no-reboot -serial stdio \
  -kernel "$cache/vmlinux" -initrd "$work/initrd.cpio" \
  -append "console=ttyS0 ${CKIT_GUEST_CONSOLE:-quiet loglevel=1} panic=-1 tsc_early_khz=$tsc_khz tsc=reliable clocksource=tsc lpj=4000000 hugepages=16 ckit.work=$work ckit.repo=$repo ckit.modules=$cache/lib/modules" \
  -fsdev "local,id=root,path=/,security_model=passthrough,readonly=on,multidevs=remap" \
  -device virtio-9p-device,fsdev=root,mount_tag=host \
  -fsdev "local,id=work,path=$work,security_model=passthrough" \
  -device virtio-9p-device,fsdev=work,mount_tag=work \
  -drive "file=$work/swap.img,if=none,format=raw,id=swap,cache=unsafe" -device virtio-blk-device,drive=swap \
  -drive "file=$work/scratch.img,if=none,format=raw,id=scratch,cache=unsafe" -device virtio-blk-device,drive=scratch \
  </dev/null &
qpid=$!
# The bound: QEMU is killed by its PID, then reaped below.
deadline=$((SECONDS + timeout))
while kill -0 "$qpid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "guest: timed out after ${timeout}s, killing QEMU ($qpid)" >&2
    kill -KILL "$qpid" 2>/dev/null || true
    break
  fi
  sleep 1
done
wait "$qpid" 2>/dev/null || true
qpid=
if [ ! -f "$work/rc" ]; then
  echo "guest: the guest ended without reporting an exit status" >&2
  exit 1
fi
exit "$(cat "$work/rc")"
