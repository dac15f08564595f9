#!/usr/bin/env bash
# bench-runtime.sh: the runtime benchmark's `run true` (scripts/bench/runtime.sh) in the pure cgroup v2 guest,
# where crun runs as on any current distribution (no bind over cgroup.controllers): crun and ckit-runtime side by
# side in one `hyperfine -N` run on a busybox bundle made by `runc spec`. Under QEMU's TCG every instruction is
# emulated, so the milliseconds mean nothing; only the ratio to crun does.
#
# ckit-runtime is the release build of scripts/bench/runtime.sh (.build-bench, built here if missing; CKIT_RUNTIME
# names another). RUNS (default 30) per command. Inside the guest (`--inside`), the bundle lives on its tmpfs.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
RUNS=${RUNS:-30}

if [ "${1:-}" != "--inside" ]; then
  bin=${CKIT_RUNTIME:-.build-bench/release/ckit-runtime}
  if [ -z "${CKIT_RUNTIME:-}" ] && [ ! -x "$bin" ]; then
    release_build --product ckit-runtime >/dev/null
  fi
  [ -x "$bin" ] || { echo "bench-runtime: $bin is not executable" >&2; exit 1; }
  exec bash scripts/guest/guest.sh -t "${CKIT_GUEST_TIMEOUT:-1200}" \
    "RUNS=$RUNS bash scripts/guest/bench-runtime.sh --inside $(printf %q "$(realpath "$bin")")"
fi

bin=$2
work=$(mktemp -d /tmp/ckit-guest-bench.XXXXXX)
bash scripts/fixtures/true-bundle.sh "$work/bundle" >/dev/null
b=$work/bundle
echo "guest: $(uname -r), $(crun --version | head -1), ckit-runtime $bin" >&2
crun --root "$work/crun" run -b "$b" probe >/dev/null
"$bin" --root "$work/ckit" --cgroup-parent ckit-bench run -b "$b" probe >/dev/null
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$work/run.json" \
  -n crun "crun --root $work/crun run -b $b bench-crun" \
  -n ckit-runtime "$bin --root $work/ckit --cgroup-parent ckit-bench run -b $b bench-ckit"
python3 - "$work/run.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print(f"guest `run true` medians: crun {r['crun']:.1f} ms, ckit-runtime {r['ckit-runtime']:.1f} ms: "
      f"{r['ckit-runtime'] / r['crun']:.2f}x crun")
PY
