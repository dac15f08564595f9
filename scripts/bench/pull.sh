#!/usr/bin/env bash
# Pull to ready-to-run: ckit (registry -> verified blobs in the content store -> layers unpacked -> image named)
# beside `skopeo copy` into an OCI layout + `umoci unpack`, and beside bsdtar unpacking the same layers alone.
# Everything (registry storage, stores, layouts) lives on one tmpfs so the disk is not what is measured.
# Prints hyperfine's table and the ratios ckit / (skopeo+umoci) and ckit / bsdtar. Needs root (tmpfs, unpack).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "pull.sh: run as root (tmpfs mount, layer unpack)" >&2; exit 1; }
for t in docker-registry skopeo umoci bsdtar hyperfine python3; do
  command -v "$t" >/dev/null || { echo "pull.sh: missing $t; run scripts/install-deps.sh" >&2; exit 1; }
done

# CKIT_BENCH=path/to/ckit-bench skips the release build (to try the script with another build).
bench=${CKIT_BENCH:-}
if [ -z "$bench" ]; then
  release_build --product ckit-bench >&2
  bench="$(release_build --show-bin-path)/ckit-bench"
fi

work=$(mktemp -d /tmp/ckit-bench-pull.XXXXXX)
mount -t tmpfs -o size=4g ckit-bench "$work"
cleanup() {
  scripts/fixtures/registry.sh stop "$work/registry" 2>/dev/null || true
  umount -l "$work" 2>/dev/null || true
  rmdir "$work" 2>/dev/null || true
}
trap cleanup EXIT

# The project's local registry (storage on this tmpfs), with busybox built from Debian's busybox-static; and a
# ~120 MB (uncompressed) image of five layers built on it with umoci.
host=$(scripts/fixtures/registry.sh start "$work/registry")
cp -a "$work/registry/busybox/layout" "$work/big-layout"
# (unpack/repack rather than `umoci insert`, whose 0.4 layers of whole directories come out truncated)
for src in /usr/lib/python3.11 /usr/share/perl /usr/lib/x86_64-linux-gnu/perl /usr/share/i18n; do
  umoci unpack --image "$work/big-layout:latest" "$work/big-bundle" >/dev/null
  mkdir -p "$work/big-bundle/rootfs/data$(dirname "$src")"
  cp -a "$src" "$work/big-bundle/rootfs/data$src"
  umoci repack --image "$work/big-layout:latest" "$work/big-bundle" >/dev/null
  rm -rf "$work/big-bundle"
done
skopeo copy --quiet --dest-tls-verify=false "oci:$work/registry/busybox/layout:latest" "docker://$host/bench/busybox:latest"
skopeo copy --quiet --dest-tls-verify=false "oci:$work/big-layout:latest" "docker://$host/bench/big:latest"

run() {
  local name=$1
  local ref="$host/bench/$name:latest"
  # Layer blobs for the bsdtar baseline, in manifest order.
  skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$work/ref-$name:x"
  local layers
  layers=$(python3 - "$work/ref-$name" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(f"{d}/index.json"))
m = json.load(open(f"{d}/blobs/" + idx["manifests"][0]["digest"].replace(":", "/")))
print(" ".join(f"{d}/blobs/" + l["digest"].replace(":", "/") for l in m["layers"]))
PY
)
  echo "== $name: $(du -sh "$work/ref-$name/blobs" | cut -f1) of blobs, $(echo "$layers" | wc -w) layers"
  hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json "$work/$name.json" \
    --prepare "rm -rf $work/ckit-store $work/oci $work/bundle $work/tar" \
    -n ckit "$bench pull $ref $work/ckit-store" \
    -n ckit-blobs-only "$bench pull $ref $work/ckit-store --blobs-only" \
    -n skopeo+umoci "skopeo copy --quiet --src-tls-verify=false docker://$ref oci:$work/oci:x && umoci unpack --image $work/oci:x $work/bundle >/dev/null" \
    -n bsdtar "mkdir -p $work/tar && for l in $layers; do bsdtar -xpf \$l -C $work/tar; done"
  python3 - "$work/$name.json" "$name" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"{sys.argv[2]}: ckit {r['ckit']*1000:.0f} ms (blobs only {r['ckit-blobs-only']*1000:.0f} ms), "
      f"skopeo+umoci {r['skopeo+umoci']*1000:.0f} ms, "
      f"bsdtar {r['bsdtar']*1000:.0f} ms; ckit/(skopeo+umoci) = {r['ckit']/r['skopeo+umoci']:.2f}, "
      f"ckit/bsdtar = {r['ckit']/r['bsdtar']:.2f}")
PY
}
run busybox
run big
