#!/usr/bin/env bash
# ckit-runtime under its real callers, beside crun and runc, in one run: podman `run --rm busybox true` with
# `--runtime` each of the three (cgroupfs, Debian's conmon), and containerd's `ctr run --rm busybox true` with the
# runc v2 shim's runc binary each of the three (`--runc-binary`, what a runtime handler's BinaryName sets), on a
# containerd of its own (private root, state and socket, as ContainerdRuntimeTests starts it). Medians and ratios
# to crun, with the commit (COMMIT, or git's) and the load average. Release build in .build-bench. RUNS (default 30).
#
# As scripts/bench/runtime.sh: everything runs in one private mount namespace where an empty file hides
# /sys/fs/cgroup/unified/cgroup.controllers, which crun 1.8 refuses on this cgroup v1 hybrid host; the daemons
# started there (conmon, containerd and its shims) inherit it, and all three runtimes see the same tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
RUNS=${RUNS:-30}
release_build --product ckit-runtime >/dev/null
ckit=$(release_build --show-bin-path)/ckit-runtime

work=$(mktemp -d /tmp/ckit-bench-callers.XXXXXX)
cleanup() {
  [ -f "$work/containerd.pid" ] && kill "$(cat "$work/containerd.pid")" 2>/dev/null
  sleep 1
  umount -R "$work/podman" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
bash scripts/fixtures/busybox-image.sh "$work/image" >/dev/null
skopeo copy -q oci:"$work/image/layout":latest docker-archive:"$work/busybox.tar":docker.io/library/busybox:latest

cat >"$work/containerd.toml" <<EOF
version = 2
root = "$work/containerd/root"
state = "$work/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$work/containerd.sock"
[ttrpc]
  address = "$work/containerd.sock.ttrpc"
EOF

cat >"$work/measure.sh" <<EOF
set -euo pipefail
if [ -n "\$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
  : >"$work/empty-controllers"
  mount --bind "$work/empty-controllers" /sys/fs/cgroup/unified/cgroup.controllers
fi
tag=\$\$
podman="podman --root $work/podman/root --runroot $work/podman/runroot --tmpdir $work/podman/tmp --cgroup-manager cgroupfs --events-backend file --storage-driver overlay"
\$podman load -q -i "$work/busybox.tar" >/dev/null
opts="--rm --network none --cgroup-parent /ckit-bench-callers-\$tag --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 docker.io/library/busybox:latest true"
for r in crun runc $ckit; do \$podman --runtime \$r run \$opts; done
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/podman.json" \\
  -n crun "\$podman --runtime /usr/bin/crun run \$opts" \\
  -n runc "\$podman --runtime /usr/sbin/runc run \$opts" \\
  -n ckit-runtime "\$podman --runtime $ckit run \$opts"

containerd --config "$work/containerd.toml" >"$work/containerd.log" 2>&1 </dev/null &
echo \$! >"$work/containerd.pid"
ctr="ctr --address $work/containerd.sock --namespace ckit-bench-\$tag"
for i in \$(seq 50); do \$ctr version >/dev/null 2>&1 && break; sleep 0.2; done
\$ctr images import -q "$work/busybox.tar" >/dev/null 2>&1 || \$ctr images import "$work/busybox.tar" >/dev/null
image=docker.io/library/busybox:latest
for r in /usr/bin/crun /usr/sbin/runc $ckit; do \$ctr run --rm --runc-binary \$r \$image probe-\$tag true; done
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/ctr.json" \\
  -n crun "\$ctr run --rm --runc-binary /usr/bin/crun \$image bench-crun-\$tag true" \\
  -n runc "\$ctr run --rm --runc-binary /usr/sbin/runc \$image bench-runc-\$tag true" \\
  -n ckit-runtime "\$ctr run --rm --runc-binary $ckit \$image bench-ckit-\$tag true"
\$podman rm -af >/dev/null 2>&1 || true
\$podman rmi -af >/dev/null 2>&1 || true
\$ctr images rm \$image >/dev/null 2>&1 || true
kill \$(cat "$work/containerd.pid")
rmdir /sys/fs/cgroup/*/ckit-bench-callers-\$tag 2>/dev/null || true
EOF
unshare -m --propagation private bash "$work/measure.sh"
python3 - "$work" "${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
w, commit, load = sys.argv[1:4]
print(f"commit {commit}, load average {load}")
for name, title in [("podman", "podman run --rm busybox true"), ("ctr", "ctr run --rm busybox true (runc v2 shim)")]:
    res = {x["command"]: x["median"] * 1000 for x in json.load(open(f"{w}/{name}.json"))["results"]}
    print(f"{title:44} {'median':>10}  {'to crun':>8}")
    for runtime, m in res.items():
        print(f"  {runtime:42} {m:7.1f} ms  {m / res['crun']:7.2f}x")
PY
