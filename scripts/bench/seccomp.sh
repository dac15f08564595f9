#!/usr/bin/env bash
# The default seccomp profile's cost: a static probe (scripts/fixtures/seccomp-probe.c) makes N getpid calls
# (default 1,000,000) in a ckit-runtime container with Docker's default profile (what `ckit-runtime spec` writes)
# and in the same container without it, and on the host for reference; then `run true` with and without the
# profile, since the profile is compiled with libseccomp at every start. Release build in .build-bench. ROUNDS
# (default 5) alternates the two containers; the figure is the median per call.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
CALLS=${CALLS:-1000000}
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-50}
release_build --product ckit-runtime >/dev/null
bin=$(release_build --show-bin-path)

work=$(mktemp -d /tmp/ckit-bench-seccomp.XXXXXX)
tag=$$
trap 'rm -rf "$work"; rmdir /sys/fs/cgroup/*/ckit-bench-seccomp-$tag 2>/dev/null || true' EXIT
bash scripts/fixtures/busybox-image.sh "$work/image" >/dev/null
cc -static -O2 -o "$work/probe" scripts/fixtures/seccomp-probe.c
for b in filtered unconfined; do
  mkdir -p "$work/$b"
  cp -a "$work/image/rootfs" "$work/$b/rootfs"
  cp "$work/probe" "$work/$b/rootfs/probe"
  "$bin/ckit-runtime" spec --bundle "$work/$b"
done
python3 - "$work" "$CALLS" <<'PY'
import json, sys
w, calls = sys.argv[1], sys.argv[2]
for b in ("filtered", "unconfined"):
    p = f"{w}/{b}/config.json"
    c = json.load(open(p))
    c["process"]["terminal"] = False
    c["process"]["args"] = ["/probe", "getpid", calls]
    c["root"]["readonly"] = False
    if b == "unconfined":
        del c["linux"]["seccomp"]
    json.dump(c, open(p, "w"))
    c["process"]["args"] = ["true"]
    json.dump(c, open(f"{w}/{b}/true.json", "w"))
PY

run() { "$bin/ckit-runtime" --root "$work/state" --cgroup-parent "ckit-bench-seccomp-$tag" run -b "$work/$1" "sc-$1-$tag"; }
: >"$work/results.txt"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="filtered unconfined"; else order="unconfined filtered"; fi
  for b in $order; do echo "$b $(run "$b")" >>"$work/results.txt"; done
  echo "host $("$work/probe" getpid "$CALLS")" >>"$work/results.txt"
done
for b in filtered unconfined; do cp "$work/$b/true.json" "$work/$b/config.json"; done
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/start.json" \
  -n "run true, default profile" "$bin/ckit-runtime --root $work/state --cgroup-parent ckit-bench-seccomp-$tag run -b $work/filtered st-f-$tag" \
  -n "run true, unconfined" "$bin/ckit-runtime --root $work/state --cgroup-parent ckit-bench-seccomp-$tag run -b $work/unconfined st-u-$tag" \
  >/dev/null
python3 - "$work" "$CALLS" <<'PY'
import json, re, statistics, sys
w, calls = sys.argv[1], int(sys.argv[2])
per = {}
for line in open(f"{w}/results.txt"):
    name, rest = line.split(" ", 1)
    per.setdefault(name, []).append(float(re.search(r"ns_per_call=([0-9.]+)", rest).group(1)))
print(f"{calls} getpid calls, median over {len(per['host'])} rounds:")
for name in ("host", "unconfined", "filtered"):
    v = statistics.median(per[name])
    print(f"  {name:28} {v:7.1f} ns/call  {v * calls / 1e6:7.1f} ms  (rounds: {', '.join(f'{x:.0f}' for x in per[name])})")
d = statistics.median(per["filtered"]) - statistics.median(per["unconfined"])
print(f"  the filter's cost: {d:+.1f} ns per getpid")
for x in json.load(open(f"{w}/start.json"))["results"]:
    print(f"  {x['command']:28} {x['median'] * 1000:7.2f} ms median (`ckit-runtime run`, {len(x['times'])} runs)")
PY
