#!/usr/bin/env bash
# Helpers the benchmark scripts share (sourced, never run: scripts/bench.sh skips it).
#
# release_build [SWIFT-BUILD-ARGS...]: the release build every benchmark measures, in .build-bench: each function
# and each C datum in a section of its own, so that ckitd's link can place the code an idle daemon runs together
# (Package.swift, `ckitdLinkSettings`; with one section per object file lld could only move whole files: 2.5 MiB
# more resident, Documentation/Benchmarks.md). Every script builds through it: SwiftPM does not recompile what was
# compiled with other flags, so a build into .build-bench without them would mix the two.
release_build() {
  swift build -c release --scratch-path .build-bench -Xswiftc -Xfrontend -Xswiftc -function-sections \
    -Xcc -ffunction-sections -Xcc -fdata-sections "$@"
}

# dockerd_start DIR [DOCKERD-ARGS...]: Debian's dockerd (docker.io 20.10, installed when missing) on a socket, data
# root, exec root and pidfile of its own under DIR, touching nothing of the host's network (no iptables rules, no
# masquerade; no bridge unless ARGS name one with --bridge=NAME). It starts its own containerd (under the exec
# root), which ends with it. Waits until it answers; sets DOCKERD_PID and DOCKERD_HOST (unix://DIR/docker.sock),
# the log is DIR/dockerd.log. dockerd_stop ends it (by its pid) and waits for it; safe to call twice.
dockerd_start() {
  local dir=$1
  shift
  command -v dockerd >/dev/null || apt-get install -y -q docker.io >/dev/null
  mkdir -p "$dir"
  local bridge=(--bridge=none)
  local arg
  for arg in "$@"; do
    case $arg in --bridge=* | -b) bridge=() ;; esac
  done
  DOCKERD_HOST="unix://$dir/docker.sock"
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" -H "$DOCKERD_HOST" --pidfile "$dir/docker.pid" \
    --iptables=false --ip6tables=false --ip-masq=false "${bridge[@]}" "$@" >"$dir/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 300); do
    DOCKER_HOST=$DOCKERD_HOST docker info >/dev/null 2>&1 && return 0
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "dockerd did not start:" >&2
  tail -20 "$dir/dockerd.log" >&2
  return 1
}

dockerd_stop() {
  [ -n "${DOCKERD_PID:-}" ] || return 0
  kill "$DOCKERD_PID" 2>/dev/null || true
  for _ in $(seq 150); do
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.1
  done
  DOCKERD_PID=
}

# rss_kib PID...: the resident memory of the processes, summed, in KiB (VmRSS).
rss_kib() {
  local total=0 pid kib
  for pid in "$@"; do
    kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

# remove_scratch DIR CGROUP_PARENT: what a script's containers left under DIR and in the cgroup hierarchies under
# CGROUP_PARENT (its CKIT_CGROUP_PARENT): the cgroups, deepest first, then whatever is still mounted below DIR
# (the mount namespace templates' pins), then DIR.
remove_scratch() {
  local dir=$1 parent=$2 d
  for d in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/"$parent"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  findmnt -rn -o TARGET | grep "^$dir/" | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
  rm -rf "$dir"
}

# busybox_everywhere REG BUNDLE [CKIT ROOT]...: the one busybox image every peer of a start-time comparison runs:
# the project's local registry under REG serving it (built from Debian's busybox-static in REG/busybox;
# `scripts/fixtures/registry.sh stop REG` ends it), pulled by each CKIT binary into its state ROOT, podman's copy of
# it, and a `runc spec` bundle of it running `true` at BUNDLE for the OCI runtimes (scripts/fixtures/true-bundle.sh).
# Sets IMAGE (its reference in the registry), PODMAN_IMAGE, and PODMAN: `podman run --rm` as this VM accepts it
# (cgroupfs, runc, ulimits within the VM's).
busybox_everywhere() {
  local reg=$1 bundle=$2
  shift 2
  IMAGE="$(scripts/fixtures/registry.sh start "$reg")/library/busybox:latest"
  while [ $# -ge 2 ]; do
    "$1" --root "$2" pull -q "$IMAGE" >/dev/null
    shift 2
  done
  PODMAN_IMAGE=$(podman pull -q "oci:$reg/busybox/layout:latest" | tail -1)
  PODMAN="podman --cgroup-manager=cgroupfs --runtime runc run --rm --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
  bash scripts/fixtures/true-bundle.sh "$bundle" >/dev/null
}
