#!/usr/bin/env bash
# ckit cp against the tools it replaced, in one hyperfine run per direction:
#   out: `ckit cp C:/data/tree -` (libarchive, openat2-resolved, fd walk) vs GNU tar and bsdtar of the same
#        directory of the container's root filesystem, and `ckit cp C:/data/tree DIR` vs `cp -a`;
#   in:  `ckit cp TREE C:/in` vs `tar -c | tar -x` into the root filesystem.
# The tree is /usr/lib/python3.X (about 50 MB, 1,500 files), copied into a stopped busybox container first.
# Usage: scripts/bench/cp.sh   (RUNS: hyperfine runs, default 15 for the stream and 8 for the directory copies,
# which take seconds each on this disk; BUILD=debug uses .build/debug instead of a release build in .build-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
if [ "${BUILD:-release}" = "debug" ]; then
  BIN=.build/debug
else
  for p in ckit ckit-runtime ckit-monitor; do
    release_build --product "$p" >/dev/null
  done
  BIN=.build-bench/release
fi
export CKIT_RUNTIME="${CKIT_RUNTIME:-$PWD/$BIN/ckit-runtime}"
TREE=$(ls -d /usr/lib/python3.* | head -1)
ROOT=$(mktemp -d /tmp/ckit-bench-cp-XXXXXX)
REG=$(mktemp -d /tmp/ckit-bench-cp-reg-XXXXXX)
OUT=$(mktemp -d /tmp/ckit-bench-cp-out-XXXXXX)
cleanup() {
  "$BIN/ckit" --root "$ROOT" rm -f cpsrc >/dev/null 2>&1 || true
  scripts/fixtures/registry.sh stop "$REG"
  # What is still mounted below the root, deepest first (the mount namespace template's pin, ROOT/run/mntns).
  findmnt -rn -o TARGET | grep "^$ROOT/" | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
  rm -rf "$OUT" "$ROOT"
}
trap cleanup EXIT
# The project's local registry with its busybox image.
IMAGE="$(scripts/fixtures/registry.sh start "$REG")/library/busybox:latest"
"$BIN/ckit" --root "$ROOT" pull -q "$IMAGE" >/dev/null
"$BIN/ckit" --root "$ROOT" run --name cpsrc --network none "$IMAGE" mkdir -p /data /in >/dev/null
"$BIN/ckit" --root "$ROOT" cp "$TREE" cpsrc:/data/tree
CID=$("$BIN/ckit" --root "$ROOT" inspect --format '{{.Id}}' cpsrc)
ROOTFS="$ROOT/images/snapshots/$CID/merged"
[ -d "$ROOTFS/data/tree" ] || ROOTFS="$ROOT/images/snapshots/$CID/rootfs"
echo "tree: $TREE ($(du -sh "$TREE" | cut -f1), $(find "$TREE" | wc -l) entries); build: ${BUILD:-release}"

# Through a pipe: GNU tar reads no file contents when its output is /dev/null itself.
echo "== out, as a tar stream (| cat >/dev/null)"
hyperfine --warmup 2 --runs "${RUNS:-15}" \
  -n "ckit cp -" "$BIN/ckit --root $ROOT cp cpsrc:/data/tree - | cat >/dev/null" \
  -n "gnu tar" "tar -C $ROOTFS/data -cf - tree | cat >/dev/null" \
  -n "bsdtar" "bsdtar -C $ROOTFS/data -cf - tree | cat >/dev/null" 2>&1 | grep -vE "^\s*$"

echo "== out, into a host directory"
hyperfine -N --warmup 1 --runs "${RUNS:-8}" --prepare "rm -rf $OUT/tree" \
  -n "ckit cp" "$BIN/ckit --root $ROOT cp cpsrc:/data/tree $OUT/tree" \
  -n "cp -a" "cp -a $ROOTFS/data/tree $OUT/tree" 2>&1 | grep -vE "^\s*$"

echo "== in, from a host directory"
hyperfine --warmup 1 --runs "${RUNS:-8}" --prepare "rm -rf $ROOTFS/in/tree" \
  -n "ckit cp" "$BIN/ckit --root $ROOT cp $TREE cpsrc:/in/tree" \
  -n "tar | tar" "tar -C $(dirname "$TREE") -cf - $(basename "$TREE") | tar -C $ROOTFS/in -xf - && mv $ROOTFS/in/$(basename "$TREE") $ROOTFS/in/tree" \
  2>&1 | grep -vE "^\s*$"
