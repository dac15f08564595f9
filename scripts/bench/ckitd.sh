#!/usr/bin/env bash
# ckitd against Debian's dockerd (docker.io 20.10), the same docker CLI (28.x) driving both, in one run (issue 15,
# "Benchmarks"). Both pull the same busybox from the project's local registry; each has a bridge of its own and a
# private socket, state root and data root; dockerd runs with --iptables=false (scripts/bench/lib.sh).
#   1. `docker run --rm busybox true`, RUN_N times each, interleaved: medians and the ratio (target <= 0.25x);
#   2. `docker ps -a` with PS_N containers created (not running) on both: medians and ratio (target <= 0.5x), and
#      its request alone (the servers' time without the CLI's), and the CLI alone against each daemon's answer
#      replayed by a server that takes no time (the floor of the ratio);
#   3. LOAD_CLIENTS API clients for LOAD_SECONDS (create/start/wait/remove loops, `logs -f` and `stats` streams,
#      scripts/bench/ckitd-load.py) against each: errors, p50/p99 of `GET /_ping` timed meanwhile (target p99
#      <= 50 ms for ckitd), ckitd's descriptors and RSS before and after (target: no growth);
#   4. resident memory: idle, 5 s after the pull (target ckitd <= 20 MB; dockerd plus its containerd for reference;
#      right after the pull too) and ckitd with RUNNING_N containers running (`sleep`, network none; target <= 60 MB).
# Usage: scripts/bench/ckitd.sh   Env: RUN_N (20), PS_N (1000), LOAD_CLIENTS (100), LOAD_SECONDS (60),
# RUNNING_N (1000), BUILD=debug to use .build/debug instead of the release build in .build-bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
RUN_N=${RUN_N:-20}
PS_N=${PS_N:-1000}
LOAD_CLIENTS=${LOAD_CLIENTS:-100}
LOAD_SECONDS=${LOAD_SECONDS:-60}
RUNNING_N=${RUNNING_N:-1000}
if [ "${BUILD:-release}" = "debug" ]; then
  BIN=.build/debug
else
  for p in ckitd ckit ckit-monitor ckit-runtime ckit-init; do
    release_build --product "$p" >/dev/null
  done
  BIN=.build-bench/release
fi
BIN=$(cd "$BIN" && pwd)
LOAD="python3 scripts/bench/ckitd-load.py"

WORK=/tmp/ckit-dbench-$$
ROOT=$WORK/ckit
REG=$WORK/registry
mkdir -p "$ROOT/network" "$WORK/docker-config"
export DOCKER_CONFIG=$WORK/docker-config DOCKER_CLI_HINTS=false
export CKIT_CGROUP_PARENT="ckit-dbench-$$"
NET=$((160 + RANDOM % 20))
CKITD_BRIDGE="ckdc$$"
DOCKERD_BRIDGE="ckdd$$"
echo "{\"name\": \"$CKITD_BRIDGE\", \"subnet\": \"10.$NET.0.0/16\"}" >"$ROOT/network/bridge.json"
ip link add "$DOCKERD_BRIDGE" type bridge
ip addr add "10.$((NET + 20)).0.1/16" dev "$DOCKERD_BRIDGE"
ip link set "$DOCKERD_BRIDGE" up
CKITD_SOCK=$WORK/ckitd.sock
CKITD_HOST=unix://$CKITD_SOCK
ckitd_pid=
replay_pids=()
cleanup() {
  if [ ${#replay_pids[@]} -gt 0 ]; then kill "${replay_pids[@]}" 2>/dev/null || true; fi
  if [ -n "$ckitd_pid" ]; then
    $LOAD remove "$CKITD_SOCK" 2>/dev/null || true
    kill "$ckitd_pid" 2>/dev/null || true
    wait "$ckitd_pid" 2>/dev/null || true
  fi
  if [ -n "${DOCKERD_PID:-}" ]; then $LOAD remove "$WORK/dockerd/docker.sock" 2>/dev/null || true; fi
  dockerd_stop
  scripts/fixtures/registry.sh stop "$REG" || true
  nft delete table ip "ckit_$CKITD_BRIDGE" 2>/dev/null || true
  ip link del "$CKITD_BRIDGE" 2>/dev/null || true
  ip link del "$DOCKERD_BRIDGE" 2>/dev/null || true
  remove_scratch "$WORK" "$CKIT_CGROUP_PARENT"
}
trap cleanup EXIT

IMAGE="$(scripts/fixtures/registry.sh start "$REG")/library/busybox:latest"
"$BIN/ckitd" --root "$ROOT" -H "$CKITD_HOST" 2>"$WORK/ckitd.log" &
ckitd_pid=$!
for _ in $(seq 100); do [ -S "$CKITD_SOCK" ] && break; sleep 0.1; done
dockerd_start "$WORK/dockerd" --bridge="$DOCKERD_BRIDGE"
containerd_pid=$(pgrep -P "$DOCKERD_PID" containerd || true)
for host in "$CKITD_HOST" "$DOCKERD_HOST"; do DOCKER_HOST=$host docker pull -q "$IMAGE" >/dev/null; done
echo "ckitd $(DOCKER_HOST=$CKITD_HOST docker version -f '{{.Server.APIVersion}}') vs dockerd" \
  "$(DOCKER_HOST=$DOCKERD_HOST docker version -f '{{.Server.Version}}'), docker CLI $(docker version -f '{{.Client.Version}}' 2>/dev/null || true)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"

mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.1f} MiB')" "$1"; }
fds() { ls "/proc/$1/fd" | wc -l; }
# Idle: 5 s after the last request, when ckitd has given the heap of the pull back (IdleTrim, 2 s after its last
# connection closed); right after the pull, for the record.
echo "RSS right after the pull: ckitd $(mib "$(rss_kib "$ckitd_pid")"), dockerd $(mib "$(rss_kib "$DOCKERD_PID")")" \
  "+ containerd $(mib "$(rss_kib $containerd_pid)")"
sleep 5
echo "idle RSS: ckitd $(mib "$(rss_kib "$ckitd_pid")"), dockerd $(mib "$(rss_kib "$DOCKERD_PID")")" \
  "+ containerd $(mib "$(rss_kib $containerd_pid)") (target: ckitd <= 20 MB)"

# 1. run --rm, 2. ps -a with PS_N created.
$LOAD compare "docker run --rm busybox true" "$RUN_N" "$CKITD_HOST" "$DOCKERD_HOST" docker run --rm "$IMAGE" true
for sock in "$CKITD_SOCK" "$WORK/dockerd/docker.sock"; do $LOAD create "$sock" "$IMAGE" "$PS_N"; done
echo "ps -a lists: ckitd $(DOCKER_HOST=$CKITD_HOST docker ps -aq | wc -l), dockerd $(DOCKER_HOST=$DOCKERD_HOST docker ps -aq | wc -l)"
$LOAD compare "docker ps -a, $PS_N containers" 10 "$CKITD_HOST" "$DOCKERD_HOST" docker ps -a
$LOAD get "GET /containers/json?all=1 alone" 10 "$CKITD_SOCK" "$WORK/dockerd/docker.sock" "/containers/json?all=1"
# The CLI's own share: `docker ps -a` against servers that answer at once with each daemon's recorded list. Its
# time against dockerd's answer, over dockerd's whole `ps -a`, is the ratio ckitd could reach with a server that
# took no time at all.
for who in ckitd dockerd; do
  source=$CKITD_SOCK
  [ "$who" = dockerd ] && source=$WORK/dockerd/docker.sock
  $LOAD replay "$WORK/replay-$who.sock" "$source" "/containers/json?all=1" &
  replay_pids+=($!)
done
for _ in $(seq 50); do [ -S "$WORK/replay-ckitd.sock" ] && [ -S "$WORK/replay-dockerd.sock" ] && break; sleep 0.1; done
$LOAD compare "docker ps -a, $PS_N, the CLI alone (replayed answers)" 10 "unix://$WORK/replay-ckitd.sock" \
  "unix://$WORK/replay-dockerd.sock" docker ps -a
kill "${replay_pids[@]}"
wait "${replay_pids[@]}" 2>/dev/null || true
replay_pids=()
echo "RSS with $PS_N created: ckitd $(mib "$(rss_kib "$ckitd_pid")"), dockerd $(mib "$(rss_kib "$DOCKERD_PID")")" \
  "+ containerd $(mib "$(rss_kib $containerd_pid)")"
for sock in "$CKITD_SOCK" "$WORK/dockerd/docker.sock"; do $LOAD remove "$sock"; done

# 3. Load.
settle() { sleep 5; }
settle
before="fds $(fds "$ckitd_pid"), RSS $(mib "$(rss_kib "$ckitd_pid")")"
echo "load, ckitd: $($LOAD load "$CKITD_SOCK" "$IMAGE" "$LOAD_SECONDS" "$LOAD_CLIENTS")"
settle
echo "ckitd before the load: $before; after: fds $(fds "$ckitd_pid"), RSS $(mib "$(rss_kib "$ckitd_pid")")"
echo "load, dockerd: $($LOAD load "$WORK/dockerd/docker.sock" "$IMAGE" "$LOAD_SECONDS" "$LOAD_CLIENTS")"
$LOAD remove "$CKITD_SOCK"
# dockerd under this load may not answer its removals within the client's 120 s: that ends its part, not the run.
$LOAD remove "$WORK/dockerd/docker.sock" 2>/dev/null || echo "dockerd: its containers were not all removed after its load (timed out)"

# 4. Memory with RUNNING_N running.
$LOAD create "$CKITD_SOCK" "$IMAGE" "$RUNNING_N" running
echo "RSS with $RUNNING_N running: ckitd $(mib "$(rss_kib "$ckitd_pid")"), fds $(fds "$ckitd_pid") (target <= 60 MB)"
$LOAD remove "$CKITD_SOCK"
