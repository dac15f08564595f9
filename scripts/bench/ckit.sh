#!/usr/bin/env bash
# ckit benchmarks, side by side with the peers in one run:
#   1. `ckit run --rm IMAGE true` vs `runc run` and `crun run` of the same bundle (podman when installed);
#   2. density: N detached `sleep` containers: total and per-start times, and host memory per container
#      (the monitor's PSS plus the container's cgroup memory beyond its own process).
# Usage: scripts/bench/ckit.sh [N]   (N detached containers, default 1000)
# BUILD=debug uses the debug build (.build/debug) instead of a release build in .build-bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1000}"
if [ "${BUILD:-release}" = "debug" ]; then
  BIN=.build/debug
else
  swift build -c release --scratch-path .build-bench --product ckit >/dev/null
  swift build -c release --scratch-path .build-bench --product ckit-monitor >/dev/null
  BIN=.build-bench/release
fi
RUNTIME="${CKIT_RUNTIME:-/usr/sbin/runc}"
export CKIT_RUNTIME="$RUNTIME"
ROOT=$(mktemp -d /tmp/ckit-bench-XXXXXX)
REG=$(mktemp -d /tmp/ckit-bench-reg-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$REG/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $REG/storage
http:
  addr: 127.0.0.1:$PORT
YAML
docker-registry serve "$REG/config.yml" >"$REG/log" 2>&1 &
REGPID=$!
BUNDLE=$(mktemp -d /tmp/ckit-bench-bundle-XXXXXX)
cleanup() {
  "$BIN/ckit" --root "$ROOT" ps -aq 2>/dev/null | xargs -r "$BIN/ckit" --root "$ROOT" rm -f >/dev/null 2>&1 || true
  "$BIN/ckit" --root "$ROOT" system prune -f >/dev/null 2>&1 || true
  kill "$REGPID" 2>/dev/null || true
  rm -rf "$REG" "$BUNDLE"
  umount -R "$ROOT" 2>/dev/null || true
  rm -rf "$ROOT"
}
trap cleanup EXIT
sleep 1
LAYOUT=$(ls -d /tmp/ckit-fixtures/busybox-*/layout | head -1)
skopeo copy --dest-tls-verify=false "oci:$LAYOUT:latest" "docker://127.0.0.1:$PORT/library/busybox:latest" >/dev/null
IMAGE="127.0.0.1:$PORT/library/busybox:latest"
"$BIN/ckit" --root "$ROOT" pull -q "$IMAGE" >/dev/null

# A plain bundle of the same image for the peers.
mkdir -p "$BUNDLE/rootfs"
cp -a "$(dirname "$LAYOUT")/rootfs/." "$BUNDLE/rootfs/"
(cd "$BUNDLE" && runc spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"true"/' config.json)

echo "== run --rm IMAGE true (runtime under ckit: $RUNTIME)"
PEERS=(-n runc "runc --root $BUNDLE/state run --bundle $BUNDLE bench-runc")
# crun refuses cgroup v1 hybrid hosts ("cgroups in hybrid mode not supported"): included only where it runs.
if crun --cgroup-manager=disabled --root "$BUNDLE/cstate" run --bundle "$BUNDLE" bench-probe >/dev/null 2>&1; then
  PEERS+=(-n crun "crun --cgroup-manager=disabled --root $BUNDLE/cstate run --bundle $BUNDLE bench-crun")
else
  echo "(crun cannot run on this host; skipped)"
fi
if command -v podman >/dev/null; then PEERS+=(-n podman "podman run --rm $IMAGE true"); fi
hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$ROOT/run.json" \
  -n ckit "$BIN/ckit --root $ROOT run --rm $IMAGE true" "${PEERS[@]}" 2>&1 | grep -vE "^\s*$"

echo "== density: $N detached sleep containers"
start=$(date +%s.%N)
: >"$ROOT/starts"
for i in $(seq 1 "$N"); do
  t0=$(date +%s%N)
  "$BIN/ckit" --root "$ROOT" run -d --network none "$IMAGE" sleep 3600 >/dev/null
  echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$ROOT/starts"
done
end=$(date +%s.%N)
running=$("$BIN/ckit" --root "$ROOT" ps -q | wc -l)
pss=0
for f in "$ROOT"/containers/*/state.json; do
  mp=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["MonitorPid"])' "$f")
  p=$(awk '/^Pss:/ {print $2}' "/proc/$mp/smaps_rollup" 2>/dev/null || echo 0)
  pss=$((pss + p))
done
sort -n "$ROOT/starts" >"$ROOT/starts.sorted"
median=$(awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' "$ROOT/starts.sorted")
p99=$(awk '{a[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; print a[i]}' "$ROOT/starts.sorted")
python3 - "$start" "$end" "$running" "$N" "$median" "$p99" "$pss" <<'PY'
import sys
start, end, running, n, median, p99, pss = sys.argv[1:]
print(f"running {running}/{n}, total {float(end)-float(start):.1f} s, start median {median} ms, p99 {p99} ms")
print(f"monitor memory (PSS) {int(pss)/int(n):.0f} KiB per container")
PY
