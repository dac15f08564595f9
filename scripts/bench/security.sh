#!/usr/bin/env bash
# What the containment fixes cost (Documentation/Security.md), before and after, beside the peers, in one run:
#   1. `run true` of one busybox bundle: ckit-runtime before, ckit-runtime after, crun and runc;
#   2. `ckit run --rm IMAGE true` before and after, and `podman run --rm` of the same image (--network none for all);
#   3. `exec true` into a running container: ckit-runtime before and after (after = the sealed re-exec), crun.
# "Before" is a release build of BEFORE_REV (default: the last commit before the fixes) in a worktree of its own
# under /tmp, built once and kept (BEFORE_BIN=DIR skips the build). Release builds in .build-bench.
# Usage: scripts/bench/security.sh   Env: RUNS (hyperfine runs, default 50), BEFORE_REV, BEFORE_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
RUNS=${RUNS:-50}
BEFORE_REV=${BEFORE_REV:-ab0e10c}
for p in ckit ckit-monitor ckit-runtime; do
  release_build --product "$p" >/dev/null
done
BIN=$(cd .build-bench/release && pwd)
if [ -z "${BEFORE_BIN:-}" ]; then
  src=/tmp/ckit-bench-before-$BEFORE_REV
  [ -d "$src" ] || git worktree add -q --detach "$src" "$BEFORE_REV"
  for p in ckit ckit-monitor ckit-runtime; do
    (cd "$src" && release_build --product "$p" >/dev/null)
  done
  BEFORE_BIN=$src/.build-bench/release
fi
command -v podman >/dev/null || apt-get install -y podman >/dev/null

WORK=$(mktemp -d /tmp/ckit-bench-security-XXXXXX)
REG=/tmp/ckit-bench-sreg-$$
export CKIT_CGROUP_PARENT="ckit-bench-sec-$$"
cleanup() {
  for r in before after; do
    "$BIN/ckit" --root "$WORK/$r" rm -f sec-exec >/dev/null 2>&1 || true
  done
  for r in crun-state ckit-before ckit-after; do
    for id in $(ls "$WORK/$r" 2>/dev/null); do
      case $r in
      crun-state) crun --root "$WORK/$r" delete -f "$id" >/dev/null 2>&1 || true ;;
      ckit-before) "$BEFORE_BIN/ckit-runtime" --root "$WORK/$r" delete -f "$id" >/dev/null 2>&1 || true ;;
      ckit-after) "$BIN/ckit-runtime" --root "$WORK/$r" delete -f "$id" >/dev/null 2>&1 || true ;;
      esac
    done
  done
  scripts/fixtures/registry.sh stop "$REG"
  remove_scratch "$WORK" "$CKIT_CGROUP_PARENT"
}
trap cleanup EXIT
busybox_everywhere "$REG" "$WORK/bundle" "$BIN/ckit" "$WORK/after" "$BEFORE_BIN/ckit" "$WORK/before"
# A second bundle whose process stays up, for exec.
cp -a "$WORK/bundle" "$WORK/bundle-sleep"
sed -i 's/"true"/"sleep", "3600"/' "$WORK/bundle-sleep/config.json"
: >"$WORK/empty-controllers"
B=$WORK/bundle
S=$WORK/bundle-sleep
cat >"$WORK/measure.sh" <<SH
set -euo pipefail
# crun refuses this hybrid host only because the unified hierarchy lists controllers: everyone sees an empty list.
mount --bind "$WORK/empty-controllers" /sys/fs/cgroup/unified/cgroup.controllers
echo "== run true (one bundle)"
hyperfine -N --warmup 5 --runs $RUNS --export-json "$WORK/run.json" \\
  -n "ckit-runtime before" "$BEFORE_BIN/ckit-runtime --root $WORK/ckit-before --cgroup-parent $CKIT_CGROUP_PARENT run -b $B b" \\
  -n "ckit-runtime after" "$BIN/ckit-runtime --root $WORK/ckit-after --cgroup-parent $CKIT_CGROUP_PARENT run -b $B a" \\
  -n crun "crun --root $WORK/crun-state run -b $B c" \\
  -n runc "runc --root $WORK/runc-state run -b $B r"
echo "== ckit run --rm IMAGE true (--network none)"
hyperfine -N --warmup 3 --runs $((RUNS / 2)) --export-json "$WORK/ckit.json" \\
  -n "ckit before" "$BEFORE_BIN/ckit --root $WORK/before run --rm --network none $IMAGE true" \\
  -n "ckit after" "$BIN/ckit --root $WORK/after run --rm --network none $IMAGE true" \\
  -n podman "$PODMAN --network none $PODMAN_IMAGE true"
echo "== exec true into a running container"
# Detached: their stdio must not be this script's pipe, which would then never close.
"$BEFORE_BIN/ckit-runtime" --root $WORK/ckit-before --cgroup-parent $CKIT_CGROUP_PARENT run -d -b $S eb </dev/null >/dev/null 2>&1
"$BIN/ckit-runtime" --root $WORK/ckit-after --cgroup-parent $CKIT_CGROUP_PARENT run -d -b $S ea </dev/null >/dev/null 2>&1
crun --root $WORK/crun-state run -d -b $S ec </dev/null >/dev/null 2>&1
hyperfine -N --warmup 5 --runs $RUNS --export-json "$WORK/exec.json" \\
  -n "ckit-runtime before" "$BEFORE_BIN/ckit-runtime --root $WORK/ckit-before exec eb true" \\
  -n "ckit-runtime after" "$BIN/ckit-runtime --root $WORK/ckit-after exec ea true" \\
  -n crun "crun --root $WORK/crun-state exec ec true"
SH
unshare -m --propagation private bash "$WORK/measure.sh" 2>&1 | grep -vE "^\s*$"
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
def med(f):
    rows = json.load(open(f"{w}/{f}.json"))["results"]
    for x in rows:
        print(f"  {f:5} {x['command']:22} median {x['median'] * 1000:7.2f} ms, CPU user {x['user'] * 1000:6.2f} +"
              f" system {x['system'] * 1000:6.2f} ms")
    return {x["command"]: x["median"] * 1000 for x in rows}
r = med("run")
print(f"run true:   after {r['ckit-runtime after']:.2f} ms = {r['ckit-runtime after'] / r['ckit-runtime before']:.3f}x before"
      f" ({r['ckit-runtime before']:.2f} ms), {r['ckit-runtime after'] / r['crun']:.2f}x crun ({r['crun']:.2f} ms),"
      f" runc {r['runc']:.2f} ms")
c = med("ckit")
print(f"run --rm:   after {c['ckit after']:.1f} ms = {c['ckit after'] / c['ckit before']:.3f}x before"
      f" ({c['ckit before']:.1f} ms), {c['ckit after'] / c['podman']:.3f}x podman ({c['podman']:.1f} ms)")
e = med("exec")
print(f"exec true:  after {e['ckit-runtime after']:.2f} ms = {e['ckit-runtime after'] / e['ckit-runtime before']:.3f}x before"
      f" ({e['ckit-runtime before']:.2f} ms), {e['ckit-runtime after'] / e['crun']:.2f}x crun ({e['crun']:.2f} ms)")
PY
