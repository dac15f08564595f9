#!/usr/bin/env bash
# Regenerates Sources/Examples/ckitd/ckitd.order, the symbol ordering file of ckitd's release link (Package.swift,
# `ckitdLinkSettings`; issue 15, Documentation/Benchmarks.md, "ckitd", memory). The kernel maps the pages of an
# executable in aligned 64 KiB blocks around each fault (fault-around), so an idle ckitd's resident text is the
# number of blocks its code touched, not the size of that code: spread over the 29 MiB text, ~2 MiB of functions
# kept ~13 MiB resident. lld places the functions named in the file first, together, so those blocks hold them.
#
# The profile: the release ckitd under valgrind's callgrind, driven by the docker CLI as scripts/bench/ckitd.sh
# drives it before it measures idle memory (version, pull from the fixtures' registry, images, ps -a); every
# function it ran, in the order callgrind's profile first names them (a caller, then its callees: measured, 1.4 MiB
# less resident than the same functions sorted by name). callgrind misses what is entered by a jump (Swift's async
# continuations are tail calls) and the CPU-specific variants glibc and ISA-L pick (valgrind's CPU is not the
# host's), so PASSES native runs follow, relinked each time: `perf record` of the page faults, and each function
# whose first instruction fault lands outside the ordered block is added. Stale names (code changed since) are
# ignored by the link.
# Run as root, after changes to what ckitd runs at start or for ping, list and pull; commit the file it writes.
# Usage: scripts/ckitd-order.sh   Env: PASSES (40). Needs valgrind, perf (scripts/install-deps.sh) and the docker
# CLI (docker.io, installed when missing, as lib.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench/lib.sh
command -v valgrind >/dev/null || { echo "ckitd-order.sh: valgrind missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v docker >/dev/null || apt-get install -y -q docker.io >/dev/null
release_build --product ckitd >/dev/null
OUT=Sources/Examples/ckitd/ckitd.order
PASSES=${PASSES:-40}
command -v perf >/dev/null || { echo "ckitd-order.sh: perf missing (scripts/install-deps.sh)" >&2; exit 1; }

WORK=/tmp/ckitd-order-$$
REG=$WORK/registry
SOCK=$WORK/ckitd.sock
BRIDGE="ckor$$"
mkdir -p "$WORK/docker-config"
export DOCKER_CONFIG=$WORK/docker-config DOCKER_CLI_HINTS=false CKIT_CGROUP_PARENT="ckitd-order-$$"
ckitd_pid=
cleanup() {
  if [ -n "$ckitd_pid" ]; then kill "$ckitd_pid" 2>/dev/null || true; fi
  scripts/fixtures/registry.sh stop "$REG" || true
  nft delete table ip "ckit_$BRIDGE" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  remove_scratch "$WORK" "$CKIT_CGROUP_PARENT"
}
trap cleanup EXIT
IMAGE="$(scripts/fixtures/registry.sh start "$REG")/library/busybox:latest"

# profile NAME TOOL...: ckitd, run by TOOL on an empty root, driven as scripts/bench/ckitd.sh drives it before it
# measures idle memory; TOOL ends when ckitd does (SIGTERM: under valgrind its SIGINT handling never runs).
profile() {
  local root=$WORK/root-$1
  shift
  mkdir -p "$root/network"
  echo "{\"name\": \"$BRIDGE\", \"subnet\": \"10.$((200 + RANDOM % 40)).0.0/16\"}" >"$root/network/bridge.json"
  rm -f "$SOCK"
  "$@" --root "$root" -H "unix://$SOCK" 2>"$WORK/ckitd.log" &
  ckitd_pid=$!
  for _ in $(seq 600); do [ -S "$SOCK" ] && break; sleep 0.1; done
  [ -S "$SOCK" ] || { tail -20 "$WORK/ckitd.log" >&2; exit 1; }
  DOCKER_HOST=unix://$SOCK docker version >/dev/null
  DOCKER_HOST=unix://$SOCK docker pull -q "$IMAGE" >/dev/null
  DOCKER_HOST=unix://$SOCK docker images >/dev/null
  DOCKER_HOST=unix://$SOCK docker ps -a >/dev/null
  pkill -TERM -P "$ckitd_pid" 2>/dev/null || kill -TERM "$ckitd_pid"
  wait "$ckitd_pid" || true
  ckitd_pid=
}

# SwiftPM does not know the file is an input of the link: relink.
relink() {
  rm -f .build-bench/release/ckitd .build-bench/*/release/ckitd
  release_build --product ckitd >/dev/null
}

# valgrind 3.19 (Debian 12) cannot read the DWARF 5 of the build; the symbol table is all callgrind needs.
objcopy --strip-debug .build-bench/release/ckitd "$WORK/ckitd"
profile callgrind valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --dump-instr=no \
  --compress-strings=no --demangle=no "$WORK/ckitd"
# callgrind's `fn=` (a function that ran) and `cfn=` (one it called) lines, names not compressed; a `'N` suffix
# is a recursion depth; a bare address (code with no symbol) cannot be ordered. Each name once, where it first
# appears.
sed -n "s/^c\\{0,1\\}fn=\\([^']*\\).*/\\1/p" "$WORK/callgrind.out" | awk '!/^0x/ && !seen[$0]++' >"$OUT"
relink
for pass in $(seq "$PASSES"); do
  profile "faults$pass" perf record -q -e page-faults -c 1 -d -o "$WORK/faults.data" .build-bench/release/ckitd
  perf script -i "$WORK/faults.data" -F addr >"$WORK/faults.txt" 2>/dev/null
  added=$(python3 - "$OUT" .build-bench/release/ckitd "$WORK/faults.txt" <<'PY'
import bisect, subprocess, sys
order_path, binary, faults = sys.argv[1:]
order = [l.strip() for l in open(order_path) if l.strip()]
known = set(order)
symbols = []
for line in subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1] in "tTwWiI":
        symbols.append((int(f[0], 16), f[2]))
starts = [a for a, _ in symbols]
# The ordered block: the largest run of ordered functions with no gap of 512 KiB (a few, such as crtbegin's, stay
# where the linker puts them and must not stretch it).
placed = sorted(a for a, n in symbols if n in known)
runs, first = [], 0
for i in range(1, len(placed) + 1):
    if i == len(placed) or placed[i] - placed[i - 1] > 512 * 1024:
        runs.append((i - first, placed[first], placed[i - 1]))
        first = i
_, low, high = max(runs)
text_end = symbols[-1][0]
new = []
for line in open(faults):
    try:
        address = int(line.split()[0], 16)
    except (IndexError, ValueError):
        continue
    if starts[0] <= address <= text_end and not low <= address <= high:
        name = symbols[bisect.bisect_right(starts, address) - 1][1]
        if name not in known:
            known.add(name)
            new.append(name)
open(order_path, "a").write("".join(n + "\n" for n in new))
print(len(new))
PY
  )
  echo "ckitd-order.sh: pass $pass: $added functions faulted outside the ordered block, added"
  [ "$added" -gt 0 ] || break
  relink
done
echo "ckitd-order.sh: $(wc -l <"$OUT") functions in $OUT"
