#!/usr/bin/env bash
# Image builds, cold and fully cached: `ckit-bench build run` (one process per build, as `ckit build` would be)
# beside `buildah bud --layers` (with runc; crun refuses this host's hybrid cgroups), on the peers' tiny
# Dockerfile (FROM busybox, a RUN, an ENV, a COPY). Cold = the build cache emptied, base image present.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
command -v hyperfine >/dev/null || { echo "build.sh: hyperfine missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v buildah >/dev/null || { echo "build.sh: buildah missing (scripts/install-deps.sh)" >&2; exit 1; }
release_build --product ckit-bench >/dev/null
BENCH=$PWD/.build-bench/release/ckit-bench

# buildah names a pulled layout after its path, which must be lowercase.
WORK=/tmp/ckit-bench-build-$$
mkdir -p "$WORK"
BA=(buildah --root "$WORK/buildah" --runroot "$WORK/buildah-run" --storage-driver overlay)
cleanup() {
  "${BA[@]}" rm --all >/dev/null 2>&1 || true
  "${BA[@]}" rmi --all --force >/dev/null 2>&1 || true
  umount -R "$WORK/buildah/overlay" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  for d in /sys/fs/cgroup/*/ckit-bench-build; do rmdir "$d" 2>/dev/null || true; done
}
trap cleanup EXIT

LAYOUT_DIR=$WORK/fixture
scripts/fixtures/busybox-image.sh "$LAYOUT_DIR" >/dev/null
LAYOUT=$LAYOUT_DIR/layout

mkdir -p "$WORK/ctx"
printf 'FROM busybox\nRUN echo hello > /hello\nENV GREETING=hi\nCOPY file.txt /file.txt\n' >"$WORK/ctx/Dockerfile"
echo data >"$WORK/ctx/file.txt"

"$BENCH" build setup "$WORK/ckit" "$LAYOUT"
"${BA[@]}" pull -q "oci:$LAYOUT:latest" >/dev/null
"${BA[@]}" tag "$("${BA[@]}" images -q | head -1)" localhost/busybox:latest

CKIT="$BENCH build run $WORK/ckit $WORK/ctx"
BUILDAH="${BA[*]} bud --runtime runc --layers --pull=false --network none -q -t bench $WORK/ctx"
# Cold: drop the step cache (ckit) / the built image and its intermediate layers (buildah).
"$BENCH" build run "$WORK/ckit" "$WORK/ctx" >/dev/null
$BUILDAH >/dev/null
hyperfine -N --warmup 2 --runs 15 --export-markdown "$WORK/cold.md" \
  --prepare "rm -rf $WORK/ckit/builder/cache" -n "ckit build (cold)" "$CKIT" \
  --prepare "sh -c '${BA[*]} rmi --force bench >/dev/null 2>&1; ${BA[*]} rmi --prune >/dev/null 2>&1; true'" \
  -n "buildah bud (cold)" "$BUILDAH"
hyperfine -N --warmup 3 --runs 30 --export-markdown "$WORK/cached.md" \
  -n "ckit build (cached)" "$CKIT" -n "buildah bud (cached)" "$BUILDAH"
"$BENCH" build loop "$WORK/ckit" "$WORK/ctx" 200
cat "$WORK/cold.md" "$WORK/cached.md"
