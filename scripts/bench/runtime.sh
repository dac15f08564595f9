#!/usr/bin/env bash
# `run true` in a busybox bundle made by `runc spec`: ckit-runtime vs crun vs runc side by side (hyperfine), plus
# the in-process library call (ckit-bench runtime). Prints ratios to crun. Release build in .build-bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-100}
swift build -c release --scratch-path .build-bench --product ckit-runtime >/dev/null
swift build -c release --scratch-path .build-bench --product ckit-bench >/dev/null
bin=$(swift build -c release --scratch-path .build-bench --show-bin-path)

work=$(mktemp -d /tmp/ckit-bench-runtime.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash scripts/fixtures/busybox-image.sh "$work/image" >/dev/null
mkdir -p "$work/bundle"
cp -a "$work/image/rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && runc spec)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(p, "w"))
PY

b="$work/bundle"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/h.json" \
  -n ckit-runtime "$bin/ckit-runtime --root $work/ckit run -b $b bench-ckit" \
  -n crun "crun --root $work/crun run -b $b bench-crun" \
  -n runc "runc --root $work/runc run -b $b bench-runc"
lib=$("$bin/ckit-bench" runtime "$b" "$RUNS")
echo "$lib"
python3 - "$work/h.json" "$lib" <<'PY'
import json, re, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
crun = r["crun"]["median"] * 1000
lib = float(re.search(r"median ([0-9.]+) ms", sys.argv[2]).group(1))
print(f"crun run true:          median {crun:.2f} ms")
for name in ("ckit-runtime", "runc"):
    m = r[name]["median"] * 1000
    print(f"{name + ' run true:':23} median {m:.2f} ms  ({m / crun:.2f}x crun)")
print(f"library (in-process):   median {lib:.2f} ms  ({lib / crun:.2f}x crun)")
PY
