#!/usr/bin/env bash
# `run true` in a busybox bundle made by `runc spec`: ckit-runtime, crun and runc side by side in one hyperfine
# run, the in-process library call (ckit-bench runtime), and process start alone (`--version`). Ratios are to crun.
# Release build in .build-bench.
#
# crun refuses a cgroup v1 hybrid host only because /sys/fs/cgroup/unified/cgroup.controllers is non-empty. Every
# measurement runs in one private mount namespace with an empty file bound over it, so all three runtimes (and the
# library) see the same cgroup tree.
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
: >"$work/empty-controllers"

cat >"$work/measure.sh" <<EOF
set -euo pipefail
if [ -n "\$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
  mount --bind "$work/empty-controllers" /sys/fs/cgroup/unified/cgroup.controllers
fi
b="$work/bundle"
# Container ids unique to this run: another checkout's benchmark may be running the same peers now.
tag=\$\$
crun --root $work/crun run -b \$b probe-\$tag >/dev/null
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/run.json" \\
  -n crun "crun --root $work/crun run -b \$b bench-crun-\$tag" \\
  -n runc "runc --root $work/runc run -b \$b bench-runc-\$tag" \\
  -n ckit-runtime "$bin/ckit-runtime --root $work/ckit --cgroup-parent ckit-bench-\$tag run -b \$b bench-ckit-\$tag"
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/version.json" \\
  -n crun "crun --version" -n runc "runc --version" -n ckit-runtime "$bin/ckit-runtime --version"
"$bin/ckit-bench" runtime "\$b" "$RUNS" >"$work/lib.txt"
rmdir /sys/fs/cgroup/*/ckit-bench-\$tag 2>/dev/null || true
EOF
unshare -m --propagation private bash "$work/measure.sh"
cat "$work/lib.txt"
python3 - "$work" <<'PY'
import json, re, sys
w = sys.argv[1]
def medians(name):
    return {x["command"]: x["median"] * 1000 for x in json.load(open(f"{w}/{name}.json"))["results"]}
run, version = medians("run"), medians("version")
lib = float(re.search(r"median ([0-9.]+) ms", open(f"{w}/lib.txt").read()).group(1))
print(f"{'`run true`':28} {'median':>9}  {'to crun':>8}  {'to runc':>8}")
for name, m in list(run.items()) + [("library (in-process)", lib)]:
    print(f"{name:28} {m:7.2f} ms  {m / run['crun']:7.2f}x  {m / run['runc']:7.2f}x")
print(f"{'`--version` (process start)':28}")
for name, m in version.items():
    print(f"{name:28} {m:7.2f} ms  {m / version['crun']:7.2f}x  {m / version['runc']:7.2f}x")
PY
