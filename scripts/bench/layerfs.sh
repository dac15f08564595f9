#!/usr/bin/env bash
# LayerFS benchmark: unpack of the busybox layer and of a generated ~120 MB / ~6,600-file layer, on tmpfs, by
# ContainerKit (which also hashes: digest + diffID) beside bsdtar -x, GNU tar -xz and umoci unpack, in one hyperfine
# run per layer; then commit of a 50 MB change (tree -> gzip layer) beside `tar -c | gzip`. Prints ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "layerfs bench: needs root (tmpfs mount, ownership)" >&2; exit 1; }
release_build --product ckit-bench -j "$(nproc)" >/dev/null
bench=$PWD/.build-bench/release/ckit-bench

T=$(mktemp -d /tmp/ckit-bench-layerfs.XXXXXX)
mount -t tmpfs -o size=3g tmpfs "$T"
cleanup() { cd /; umount -l "$T" 2>/dev/null || true; rmdir "$T" 2>/dev/null || true; }
trap cleanup EXIT

# The generated layer: deterministic, half incompressible and half text-like content, like a distro userland.
python3 - "$T/tree" <<'PY'
import os, random, sys
root = sys.argv[1]; rnd = random.Random(42)
words = [bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 9))) for _ in range(4000)]
n = 0
for d in range(200):
    dd = os.path.join(root, "usr", f"d{d:03}", f"sub{d % 7}")
    os.makedirs(dd, exist_ok=True)
    for f in range(30):
        size = int(rnd.lognormvariate(9.12, 1.25)) + 1
        if n % 3 == 0:
            data = rnd.randbytes(size)
        else:
            out = bytearray()
            while len(out) < size: out += rnd.choice(words) + b" "
            data = bytes(out[:size])
        with open(os.path.join(dd, f"f{f:02}"), "wb") as fh: fh.write(data)
        if f % 20 == 0: os.symlink(f"f{f:02}", os.path.join(dd, f"l{f:02}"))
        n += 1
PY
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$T/big.tar" -C "$T/tree" .
gzip -n -6 -c "$T/big.tar" >"$T/big.tar.gz"
files=$(find "$T/tree" | wc -l)
echo "generated layer: $files entries, $(du -sm "$T/big.tar" | cut -f1) MB tar, $(du -sm "$T/big.tar.gz" | cut -f1) MB gzip"

bash scripts/fixtures/busybox-image.sh "$T/bb" >/dev/null
bb_blob=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"].split(":")[1]; \
  man=json.load(open(sys.argv[1]+"/blobs/sha256/"+m)); print(sys.argv[1]+"/blobs/sha256/"+man["layers"][0]["digest"].split(":")[1])' "$T/bb/layout")

umoci init --layout "$T/oci" >/dev/null
umoci new --image "$T/oci:big" >/dev/null
umoci raw add-layer --image "$T/oci:big" "$T/big.tar" >/dev/null

unpack_bench() { # name blob umoci-image
  local name=$1 blob=$2 image=$3
  echo "== unpack: $name ($(du -k "$blob" | cut -f1) KB compressed)"
  hyperfine --warmup 1 --runs "${RUNS:-8}" --export-json "$T/$name.json" \
    --prepare "rm -rf $T/out $T/bundle && mkdir $T/out" \
    -n ckit "$bench layerfs unpack $blob $T/out" \
    -n bsdtar "bsdtar -xpf $blob -C $T/out" \
    -n "tar -xz" "tar -xzpf $blob -C $T/out" \
    -n umoci "umoci unpack --image $image $T/bundle" \
    2>&1 | grep -vE "^\s*$"
  python3 - "$T/$name.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
base = r["ckit"]
print("  ratios (time / ckit): " + ", ".join(f"{k} {v / base:.2f}x" for k, v in r.items()))
print("  means: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in r.items()))
PY
}
unpack_bench busybox "$bb_blob" "$T/bb/layout:latest"
unpack_bench generated "$T/big.tar.gz" "$T/oci:big"

# Commit: a 50 MB change (a subset of the tree as an upper dir) -> gzip layer.
mkdir -p "$T/upper"
cp -a "$T/tree/usr" "$T/upper/"
while [ "$(du -sm "$T/upper" | cut -f1)" -gt 50 ]; do rm -rf "$(ls -d "$T"/upper/usr/d* | tail -1)"; done
echo "== commit: $(du -sm "$T/upper" | cut -f1) MB change, $(find "$T/upper" | wc -l) entries"
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json "$T/commit.json" \
  -n ckit "$bench layerfs commit $T/upper $T/commit.tar.gz" \
  -n "tar -c | gzip" "tar -cf - -C $T/upper . | gzip -6 > $T/peer.tar.gz" 2>&1 | grep -vE "^\s*$"
python3 - "$T/commit.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"  ratio (tar|gzip / ckit): {r['tar -c | gzip'] / r['ckit']:.2f}x; means: ckit {r['ckit']*1000:.0f} ms, tar|gzip {r['tar -c | gzip']*1000:.0f} ms")
PY
echo "  bytes: ckit $(stat -c %s "$T/commit.tar.gz"), tar|gzip $(stat -c %s "$T/peer.tar.gz")"
