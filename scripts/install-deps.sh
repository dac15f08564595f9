#!/usr/bin/env bash
# Installs every Debian package that ContainerKit's build, demo and tests need.
# Idempotent: packages already present are skipped, so it is cheap to call from `make`.
set -euo pipefail

PACKAGES=(
  # build
  libarchive-dev zlib1g-dev libseccomp-dev pkg-config
  # LayerFS: ISA-L igzip inflate
  libisal-dev
  # the fully static release ckit: static archives of libarchive's decoders and ACLs, and what builds ISA-L's
  # static archive (below)
  libacl1-dev libzstd-dev liblz4-dev liblzma-dev libbz2-dev nasm dpkg-dev
  # fixtures: a real image, a real registry, peers for interop and benchmarks
  busybox-static docker-registry skopeo umoci crun runc apache2-utils openssl
  # networking
  iproute2 nftables iptables
  # benchmarks
  hyperfine libarchive-tools
  # ckitd's link order (scripts/ckitd-order.sh profiles it: callgrind, then perf's page faults)
  valgrind linux-perf
  # tests: crafted tarballs (python3 tarfile), zstd-compressed layers
  python3 zstd
  # tests: a credential file traced (strace), commands as another user (setpriv, util-linux), static C probes (gcc)
  strace util-linux gcc libc6-dev
  # builder comparison (tests and scripts/bench/build.sh)
  buildah
  # real callers of ckit-runtime as an OCI runtime (tests, scripts/bench): podman with conmon, containerd with its
  # runc v2 shim and ctr
  podman containerd
  # the pure cgroup v2 lane (scripts/guest): QEMU, and what packs the guest's initrd (busybox-static, above; kmod)
  qemu-system-x86 kmod
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# docker-registry's package starts a system service on :5000; tests run their own on free ports.
# containerd's too: tests start their own, on a private root, state dir and socket.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
  systemctl disable --now containerd >/dev/null 2>&1 || true
fi

# The release ckit is linked fully static (see Package.swift), and Debian ships ISA-L only as a shared library: its
# static archive is built from Debian's own source package, of the very version whose headers libisal-dev installed,
# into /usr/local/lib. Only igzip and what it calls (crc, mem) are built: ~10 s. Not fatal: debug builds and the
# tests do not need it, only `swift build -c release --product ckit` does.
build_static_isal() {
  local want work
  want=$(dpkg-query -W -f='${source:Package}=${source:Version}' libisal-dev) || return 1
  [ "$(cat /usr/local/lib/libisal.a.version 2>/dev/null)" = "$want" ] && [ -f /usr/local/lib/libisal.a ] && return 0
  [ "$(id -u)" -eq 0 ] || { echo "install-deps: need root to build /usr/local/lib/libisal.a" >&2; return 1; }
  work=$(mktemp -d /tmp/ckit-isal.XXXXXX) || return 1
  # A private source list (the system's own archives, as deb-src) so that the machine's apt setup is left as is.
  mkdir -p "$work/parts" "$work/lists/partial" "$work/src" || return 1
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types:.*/Types: deb-src/' "$f" >"$work/parts/$(basename "$f")"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -n 's/^deb /deb-src /p' >"$work/src.list"
  local apt=(-o "Dir::Etc::SourceList=$work/src.list" -o "Dir::Etc::SourceParts=$work/parts"
    -o "Dir::State::Lists=$work/lists")
  apt-get "${apt[@]}" update -qq >/dev/null 2>&1 || true
  (cd "$work/src" && apt-get "${apt[@]}" source -qq "$want" >/dev/null 2>&1) || { rm -rf "$work"; return 1; }
  local dir
  dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  if [ -z "$dir" ] ||
    ! make -C "$dir" -f Makefile.unx -j "$(nproc)" lib units="igzip crc mem" >"$work/build.log" 2>&1; then
    echo "install-deps: building ISA-L failed, see $work/build.log" >&2
    return 1
  fi
  install -D -m 0644 "$dir/bin/isa-l.a" /usr/local/lib/libisal.a && echo "$want" >/usr/local/lib/libisal.a.version &&
    rm -rf "$work"
}
# The guest kernel of the pure cgroup v2 lane (Debian's linux-image-amd64, unpacked under /var/cache/ckit-guest).
if [ "$(id -u)" -eq 0 ]; then
  bash "$(dirname "$0")/guest/kernel.sh" >/dev/null
fi
build_static_isal || echo "install-deps: no static ISA-L: the release ckit (fully static) will not link" >&2
