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
# less resident than the same functions sorted by name). Stale names (code changed since) are ignored by the link.
# Run as root, after changes to what ckitd runs at start or for ping, list and pull; commit the file it writes.
# Needs valgrind (scripts/install-deps.sh) and the docker CLI (docker.io, installed when missing, as lib.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench/lib.sh
command -v valgrind >/dev/null || { echo "ckitd-order.sh: valgrind missing (scripts/install-deps.sh)" >&2; exit 1; }
command -v docker >/dev/null || apt-get install -y -q docker.io >/dev/null
swift build -c release --scratch-path .build-bench --product ckitd >/dev/null
OUT=Sources/Examples/ckitd/ckitd.order

WORK=/tmp/ckitd-order-$$
ROOT=$WORK/root
REG=$WORK/registry
SOCK=$WORK/ckitd.sock
BRIDGE="ckor$$"
mkdir -p "$ROOT/network" "$WORK/docker-config"
export DOCKER_CONFIG=$WORK/docker-config DOCKER_CLI_HINTS=false CKIT_CGROUP_PARENT="ckitd-order-$$"
echo "{\"name\": \"$BRIDGE\", \"subnet\": \"10.$((200 + RANDOM % 40)).0.0/16\"}" >"$ROOT/network/bridge.json"
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
# valgrind 3.19 (Debian 12) cannot read the DWARF 5 of the build; the symbol table is all callgrind needs.
objcopy --strip-debug .build-bench/release/ckitd "$WORK/ckitd"
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --dump-instr=no --compress-strings=no \
  --demangle=no "$WORK/ckitd" --root "$ROOT" -H "unix://$SOCK" 2>"$WORK/ckitd.log" &
ckitd_pid=$!
for _ in $(seq 600); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { tail -20 "$WORK/ckitd.log" >&2; exit 1; }
export DOCKER_HOST=unix://$SOCK
docker version >/dev/null
docker pull -q "$IMAGE" >/dev/null
docker images >/dev/null
docker ps -a >/dev/null
# Under valgrind ckitd's SIGINT handling never runs; on SIGTERM valgrind ends it and writes the profile.
kill -TERM "$ckitd_pid"
wait "$ckitd_pid" || true
ckitd_pid=
# callgrind's `fn=` (a function that ran) and `cfn=` (one it called) lines, names not compressed; a `'N` suffix
# is a recursion depth; a bare address (code with no symbol) cannot be ordered. Each name once, where it first
# appears.
sed -n "s/^c\\{0,1\\}fn=\\([^']*\\).*/\\1/p" "$WORK/callgrind.out" | awk '!/^0x/ && !seen[$0]++' >"$OUT"
# SwiftPM does not know the file is an input of the link: relink.
rm -f .build-bench/release/ckitd .build-bench/*/release/ckitd
swift build -c release --scratch-path .build-bench --product ckitd >/dev/null
echo "ckitd-order.sh: $(wc -l <"$OUT") functions in $OUT"
