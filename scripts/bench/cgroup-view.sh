#!/usr/bin/env bash
# What runc spec's cgroup mount costs each runtime: `run true` on a busybox bundle with and without it, for
# ckit-runtime, crun and runc. Counts the mount-side system calls (strace -f -c) and measures the difference in
# wall and CPU time over interleaved pairs (so load swings hit both sides alike). All runtimes run in one private
# mount namespace where the hybrid host's unified cgroup.controllers reads empty, so crun accepts the host.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
PAIRS=${PAIRS:-40}
release_build --product ckit-runtime >/dev/null
ck="$(release_build --show-bin-path)/ckit-runtime"

work=$(mktemp -d /tmp/ckit-bench-cgview.XXXXXX)
trap 'rm -rf "$work"' EXIT
bash scripts/fixtures/busybox-image.sh "$work/image" >/dev/null
for b in with without; do
  mkdir -p "$work/$b"
  cp -a "$work/image/rootfs" "$work/$b/rootfs"
  (cd "$work/$b" && runc spec)
  python3 - "$work/$b/config.json" "$b" <<'PY'
import json, sys
p, b = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
if b == "without":
    c["mounts"] = [m for m in c["mounts"] if m["type"] not in ("cgroup", "cgroup2")]
json.dump(c, open(p, "w"))
PY
done
touch "$work/empty-ctrl"

cat >"$work/inside.sh" <<SH
set -e
mount --bind "$work/empty-ctrl" /sys/fs/cgroup/unified/cgroup.controllers
for rt in ckit crun runc; do
  exe=\$rt; [ \$rt = ckit ] && exe="$ck"
  for b in with without; do
    strace -f -c -o "$work/st-\$rt-\$b" -e trace=mount,openat2,mkdirat,symlink,symlinkat \
      \$exe --root "$work/s-\$rt" run -b "$work/\$b" "st-\$b" >/dev/null
  done
  printf '%-5s syscalls added by the cgroup mount:' \$rt
  for call in mount openat2 mkdirat; do
    w=\$(awk -v c=\$call '\$NF==c {print \$4}' "$work/st-\$rt-with"); o=\$(awk -v c=\$call '\$NF==c {print \$4}' "$work/st-\$rt-without")
    printf ' %s %+d (%d)' \$call \$(( \${w:-0} - \${o:-0} )) \${w:-0}
  done
  echo
done
CK="$ck" WORK="$work" PAIRS=$PAIRS python3 - <<'PY'
import os, resource, statistics, subprocess, time
work, n = os.environ["WORK"], int(os.environ["PAIRS"])
rts = {"ckit": os.environ["CK"], "crun": "crun", "runc": "runc"}
wall = {(r, b): [] for r in rts for b in ("with", "without")}
cpu = {(r, b): [] for r in rts for b in ("with", "without")}
for i in range(n):
    for r, exe in rts.items():
        for b in (("with", "without") if i % 2 == 0 else ("without", "with")):
            u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run([exe, "--root", f"{work}/p-{r}", "run", "-b", f"{work}/{b}", f"p{i}{b}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            wall[(r, b)].append((time.perf_counter() - t) * 1000)
            u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[(r, b)].append((u1.ru_utime + u1.ru_stime - u0.ru_utime - u0.ru_stime) * 1000)
m = statistics.median
for r in rts:
    print(f"{r:5} run true: wall {m(wall[(r, 'with')]):.2f} ms with the cgroup mount, "
          f"{m(wall[(r, 'without')]):.2f} ms without ({m(wall[(r, 'with')]) - m(wall[(r, 'without')]):+.2f}); "
          f"cpu {m(cpu[(r, 'with')]):.2f} vs {m(cpu[(r, 'without')]):.2f} ms "
          f"({m(cpu[(r, 'with')]) - m(cpu[(r, 'without')]):+.2f})")
PY
SH
unshare -m --propagation private bash "$work/inside.sh"
