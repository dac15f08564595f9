#!/usr/bin/env bash
# Installs every Debian package that ContainerKit's build, demo and tests need.
# Idempotent: packages already present are skipped, so it is cheap to call from `make`.
set -euo pipefail

PACKAGES=(
  # build
  libarchive-dev zlib1g-dev libseccomp-dev pkg-config
  # LayerFS: ISA-L igzip inflate
  libisal-dev
  # fixtures: a real image, a real registry, peers for interop and benchmarks
  busybox-static docker-registry skopeo umoci crun runc apache2-utils openssl
  # networking
  iproute2 nftables iptables
  # benchmarks
  hyperfine libarchive-tools
  # tests: crafted tarballs (python3 tarfile), zstd-compressed layers
  python3 zstd
  # builder comparison (tests and scripts/bench/build.sh)
  buildah
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
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
