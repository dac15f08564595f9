#!/usr/bin/env bash
# The tools a test author would pick instead of ContainerSandbox, doing what `sandbox-bench life` does (start a
# busybox container, run `true` in it, remove it), N times each, medians (issue 16's "Benchmarks"):
#   1. testcontainers-python on Debian's dockerd (docker.io): `with DockerContainer(busybox, command="sleep 3600",
#      network_mode="none") as c: c.exec(["true"])`; Ryuk (its reaper container) disabled: it would be pulled from
#      a registry this machine cannot reach, and it costs one container per session, not per test;
#   2. `podman run --rm --network none busybox true` (cgroupfs, runc): one container whose program is `true`, so
#      one start fewer than the others make.
# dockerd runs on a socket, data root and exec root of its own under a temporary directory, with no bridge and no
# iptables rules (nothing of the host's network touched), and is stopped at the end. Installs docker.io, podman
# and testcontainers (pip) when missing. Usage: scripts/bench/sandbox-peers.sh LAYOUT [N]  (LAYOUT: an OCI layout
# with busybox tagged `latest`; scripts/bench/sandbox.sh passes its own).
set -euo pipefail
layout=$1
n=${2:-30}
. "$(dirname "$0")/lib.sh"
command -v podman >/dev/null || apt-get install -y -q podman >/dev/null
python3 -c "import testcontainers" 2>/dev/null || pip install -q testcontainers >/dev/null
# Lower case only: podman names an image pulled from an oci: layout after its path, and refuses capitals.
work=/tmp/ckit-sbx-peers-$$
mkdir -p "$work"
cp -a "$layout" "$work/layout"
layout=$work/layout
cleanup() {
  dockerd_stop
  findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

podman_image=$(podman pull -q "oci:$layout:latest" | tail -1)
podman save -q --format docker-archive -o "$work/busybox.tar" "$podman_image" >/dev/null

dockerd_start "$work"
export DOCKER_HOST=$DOCKERD_HOST
docker load -q -i "$work/busybox.tar" | tail -1 >"$work/loaded"
docker_image=$(sed 's/^Loaded image[^:]*: //' "$work/loaded")

TESTCONTAINERS_RYUK_DISABLED=true python3 - "$docker_image" "$n" <<'EOF'
import statistics, sys, time
from testcontainers.core.container import DockerContainer

image, n = sys.argv[1], int(sys.argv[2])
def life():
    with DockerContainer(image, command="sleep 3600", network_mode="none") as c:
        code, _ = c.exec(["true"])
        assert code == 0, code
life()  # warm-up: the client, the image's first use
samples = []
for _ in range(n):
    t = time.perf_counter()
    life()
    samples.append((time.perf_counter() - t) * 1000)
samples.sort()
print("testcontainers-python (dockerd %s): n=%d median %.1f ms, p90 %.1f ms, min %.1f ms"
      % (__import__("docker").from_env().version()["Version"], n, statistics.median(samples),
         samples[n * 9 // 10], samples[0]))
EOF

# The ulimits: runc refuses the defaults podman asks for on this VM (as in security.sh).
podman="podman --cgroup-manager=cgroupfs --runtime runc run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
$podman "$podman_image" true
python3 - "$n" $podman "$podman_image" true <<'EOF'
import statistics, subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
samples = []
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    samples.append((time.perf_counter() - t) * 1000)
samples.sort()
print("podman run --rm --network none: n=%d median %.1f ms, p90 %.1f ms, min %.1f ms"
      % (n, statistics.median(samples), samples[n * 9 // 10], samples[0]))
EOF
