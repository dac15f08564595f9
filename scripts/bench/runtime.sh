#!/usr/bin/env bash
# `run true` in a busybox bundle made by `runc spec`: ckit-runtime, crun and runc side by side in one hyperfine
# run, the in-process library call (ckit-bench runtime), and process start alone (`--version`). Ratios are to crun.
# Release build in .build-bench. ROUNDS (default 3) repeats the run comparison and the library call: the machine's
# load drifts between one command's runs and the next's, so each round's ratios are printed and their median is
# the figure.
#
# crun refuses a cgroup v1 hybrid host only because /sys/fs/cgroup/unified/cgroup.controllers is non-empty. Every
# measurement runs in one private mount namespace with an empty file bound over it, so all three runtimes (and the
# library) see the same cgroup tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
RUNS=${RUNS:-100}
ROUNDS=${ROUNDS:-3}
release_build --product ckit-runtime >/dev/null
release_build --product ckit-bench >/dev/null
bin=$(release_build --show-bin-path)

work=$(mktemp -d /tmp/ckit-bench-runtime.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash scripts/fixtures/true-bundle.sh "$work/bundle" >/dev/null
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
crun=(-n crun "crun --root $work/crun run -b \$b bench-crun-\$tag")
ckit=(-n ckit-runtime "$bin/ckit-runtime --root $work/ckit --cgroup-parent ckit-bench-\$tag run -b \$b bench-ckit-\$tag")
for round in \$(seq $ROUNDS); do
  # Every other round in the opposite order: the command after runc meets the kernel's deferred cleanup of runc's
  # namespaces, and a load that rises during a round favours whichever ran first.
  if [ \$((round % 2)) = 1 ]; then first=("\${crun[@]}"); last=("\${ckit[@]}"); else first=("\${ckit[@]}"); last=("\${crun[@]}"); fi
  hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/run-\$round.json" \\
    "\${first[@]}" -n runc "runc --root $work/runc run -b \$b bench-runc-\$tag" "\${last[@]}"
  "$bin/ckit-bench" runtime "\$b" "$RUNS" >"$work/lib-\$round.txt"
done
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/version.json" \\
  -n crun "crun --version" -n runc "runc --version" -n ckit-runtime "$bin/ckit-runtime --version"
rmdir /sys/fs/cgroup/*/ckit-bench-\$tag 2>/dev/null || true
EOF
unshare -m --propagation private bash "$work/measure.sh"
python3 - "$work" "$ROUNDS" <<'PY'
import json, re, statistics, sys
w, rounds = sys.argv[1], int(sys.argv[2])
def medians(name):
    return {x["command"]: x["median"] * 1000 for x in json.load(open(f"{w}/{name}.json"))["results"]}
ratios = {}
for r in range(1, rounds + 1):
    run = medians(f"run-{r}")
    run["library (in-process)"] = float(re.search(r"median ([0-9.]+) ms", open(f"{w}/lib-{r}.txt").read()).group(1))
    print(f"round {r}: `run true` {'median':>9}  {'to crun':>8}  {'to runc':>8}")
    for name, m in run.items():
        print(f"  {name:26} {m:7.2f} ms  {m / run['crun']:7.2f}x  {m / run['runc']:7.2f}x")
        ratios.setdefault(name, []).append(m / run["crun"])
print(f"median over {rounds} rounds, to crun: " + ", ".join(f"{n} {statistics.median(v):.2f}x" for n, v in ratios.items()))
version = medians("version")
print(f"{'`--version` (process start)':28}")
for name, m in version.items():
    print(f"{name:28} {m:7.2f} ms  {m / version['crun']:7.2f}x  {m / version['runc']:7.2f}x")
PY
