#!/usr/bin/env bash
# The opencontainers runtime-tools validation suite against ckit-runtime, crun and runc, in one run.
#
# Usage: scripts/runtime-validation.sh [build | run [RUNTIME...]]
#   build  fetch and build the suite (once per machine), print the directory that holds it
#   run    (the default) run every validation file against each RUNTIME (default: ckit-runtime crun runc) and
#          print a per-file pass/fail table; exit 0 when the suite ran, whatever its results
# Knobs:   CKIT_RUNTIME  the ckit-runtime to test (default: .build/debug/ckit-runtime, built if missing)
#          FILES         the validation files to run, by name (default: all of them, e.g. "delete hooks_stdin")
#          RESULTS       also write the results there, one "FILE RUNTIME pass|fail" a line
#          LOGDIR        where each run's TAP output is kept (default: a new /tmp/ckit-runtime-validation.* dir)
#          TIMEOUT       seconds one validation file may take (default 120)
# Exit 77 (with "runtime-validation: sources unreachable: ...") when Debian's source package cannot be fetched.
#
# The suite: Debian packages runtime-tools (golang-github-opencontainers-runtime-tools) without validation/ and
# without the runtimetest program; its upstream tarball has both. It is fetched from Debian's archive with
# `apt-get source --download-only` from trixie (bookworm's source files answer 404 on the mirror, and so does
# trixie's .dsc: only the .orig tarball is taken, its hash checked by apt against the signed Sources index), into
# a private apt state (never /etc/apt), and built offline with Debian's Go (golang-go, 1.19) in GOPATH mode from
# the golang-*-dev packages in /usr/share/gocode. The one import Debian does not package, github.com/mndrix/tap-go,
# is replaced by our own TAP writer (scripts/runtime-validation/tap). Everything lives under
# /var/cache/ckit-runtime-validation, rebuilt when the tarball or the TAP writer changes.
#
# The run: each file is a Go program that makes bundles from its own rootfs tarball and calls $RUNTIME with runc's
# command line (default --root of each runtime, UUID container ids), printing TAP. A file passes when it exits 0
# with a plan (or, for the *_fail files, with no output at all), no test in its TAP output is "not ok" (a "# TODO" test excepted), and no YAML block stands beside no
# test line (the lifecycle files report a failure only that way). All runs happen in one private mount
# namespace where an empty file hides /sys/fs/cgroup/unified/cgroup.controllers: crun 1.8 refuses a cgroup v1
# hybrid host only because that file is non-empty (the same workaround as scripts/bench/runtime.sh), and all three
# runtimes see the same tree. Why the files that fail do: Documentation/Runtime.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=/var/cache/ckit-runtime-validation
source_package=golang-github-opencontainers-runtime-tools
suite_release=trixie
mode=${1:-run}
[ $# -gt 0 ] && shift

unreachable() {
  echo "runtime-validation: sources unreachable: $*" >&2
  exit 77
}

# Debian's Go and the packages the suite imports (the -dev package of runtime-tools itself brings its library's).
install_deps() {
  local packages=(golang-go golang-github-opencontainers-runtime-tools-dev golang-github-google-uuid-dev
    golang-github-mrunalp-fileutils-dev golang-github-urfave-cli-dev golang-github-opencontainers-specs-dev)
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null; } || unreachable "apt-get install ${missing[*]} failed"
}

# The upstream tarball of the source package, through apt with a sources list and state of its own.
fetch_orig() {
  local apt="$cache/apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/download"
  echo "deb-src http://deb.debian.org/debian $suite_release main" >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  if ! ls "$apt/download/${source_package}"_*.orig.tar.* >/dev/null 2>&1; then
    apt-get "${opts[@]}" -qq update >&2 || unreachable "apt-get update of $suite_release's Sources failed"
    # The .dsc answers 404: apt-get fails, after having fetched (and checked) the files it could.
    (cd "$apt/download" && apt-get "${opts[@]}" -qq source --download-only "$source_package" >&2) || true
  fi
  orig=$(ls "$apt/download/${source_package}"_*.orig.tar.* 2>/dev/null | head -1)
  [ -n "$orig" ] || unreachable "apt-get source --download-only $source_package ($suite_release) fetched no .orig tarball"
}

# Builds runtimetest (static, as upstream's Makefile does) and one executable per validation file, offline.
build_suite() {
  install_deps
  mkdir -p "$cache"
  exec 9>"$cache/lock"
  flock 9
  fetch_orig
  local stamp
  stamp="$(basename "$orig") $(cat "$repo"/scripts/runtime-validation/tap/*.go | sha256sum | cut -c1-16)"
  tree="$cache/gopath/src/github.com/opencontainers/runtime-tools"
  if [ "$(cat "$cache/built" 2>/dev/null)" = "$stamp" ]; then
    flock -u 9
    return 0
  fi
  echo "runtime-validation: building the suite from $(basename "$orig") (once per machine)" >&2
  rm -rf "$cache/gopath" "$cache/built"
  mkdir -p "$tree" "$cache/gopath/src/github.com/mndrix" "$cache/gopath/src/github.com/blang/semver"
  tar -xf "$orig" -C "$tree" --strip-components=1
  cp -r "$repo/scripts/runtime-validation/tap" "$cache/gopath/src/github.com/mndrix/tap-go"
  # semver/v4 is Debian's golang-github-blang-semver-dev (4.0.0), whose go.mod names no /v4.
  ln -s /usr/share/gocode/src/github.com/blang/semver "$cache/gopath/src/github.com/blang/semver/v4"
  (
    cd "$tree"
    export GOPATH="$cache/gopath:/usr/share/gocode" GO111MODULE=off GOPROXY=off GOFLAGS=-p=2 GOCACHE="$cache/gocache"
    go build -tags "netgo osusergo" -ldflags "-extldflags -static" -o runtimetest ./cmd/runtimetest
    for f in validation/*/*.go; do
      [ "$(dirname "$f")" = validation/util ] && continue
      go build -o "${f%.go}.t" "$f"
    done
  )
  echo "$stamp" >"$cache/built"
  flock -u 9
}

# One runtime's column: each file run from the suite's directory (it takes runtimetest and its rootfs tarball
# from there); its TAP output kept in $LOGDIR/RUNTIME/FILE.tap, its stderr in FILE.err, its exit status in
# $LOGDIR/status. Its bundles go to $LOGDIR/tmp (TMPDIR), removed at the end: a file that stops early leaves its own.
run_files() {
  local name=$1 command=$2 file rc
  mkdir -p "$LOGDIR/$name" "$LOGDIR/tmp"
  for file in $files; do
    rc=0
    (cd "$tree" && TMPDIR="$LOGDIR/tmp" RUNTIME=$command timeout "${TIMEOUT:-120}" "validation/$file/$file.t") \
      >"$LOGDIR/$name/$file.tap" 2>"$LOGDIR/$name/$file.err" || rc=$?
    echo "$file $name $rc" >>"$LOGDIR/status"
  done
}

case $mode in
  build)
    build_suite
    echo "$tree"
    ;;
  run)
    build_suite
    runtimes=("$@")
    [ "${#runtimes[@]}" -gt 0 ] || runtimes=(ckit-runtime crun runc)
    ckit=${CKIT_RUNTIME:-$repo/.build/debug/ckit-runtime}
    if [ ! -x "$ckit" ] && [[ " ${runtimes[*]} " == *" ckit-runtime "* ]]; then
      (cd "$repo" && swift build --product ckit-runtime >&2)
    fi
    files=${FILES:-$(cd "$tree/validation" && for d in */; do d=${d%/}; [ ! -x "$d/$d.t" ] || echo "$d"; done)}
    LOGDIR=${LOGDIR:-$(mktemp -d /tmp/ckit-runtime-validation.XXXXXX)}
    mkdir -p "$LOGDIR"
    : >"$LOGDIR/status"
    export LOGDIR tree files
    export -f run_files
    script="set -euo pipefail
      if [ -n \"\$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)\" ]; then
        : >\"\$LOGDIR/empty-controllers\"
        mount --bind \"\$LOGDIR/empty-controllers\" /sys/fs/cgroup/unified/cgroup.controllers
      fi"
    for r in "${runtimes[@]}"; do
      command=$r
      [ "$r" = ckit-runtime ] && command=$ckit
      script+="
      run_files $r $command"
    done
    unshare -m --propagation private bash -c "$script"
    rm -rf "$LOGDIR/tmp"
    python3 - "$LOGDIR" "${runtimes[@]}" <<'PY'
import re, sys
logdir, runtimes = sys.argv[1], sys.argv[2:]

def passed(path, status):
    """A file passes when it exits 0 with a plan, no test "not ok" (but "# TODO"), and no YAML block beside no test
    line: the lifecycle files (hooks, poststart, start...) report their failure only as such a block, the others
    give each test's block after its line, or before it (what ran inside the container)."""
    if status != 0:
        return False
    items, in_yaml = [], False
    for line in open(path, errors="replace").read().splitlines():
        if in_yaml:
            in_yaml = line != "  ..."
        elif line == "  ---":
            in_yaml = True
            items.append("yaml")
        elif re.match(r"not ok\b", line) and "# TODO" not in line:
            return False
        elif re.match(r"(not )?ok\b", line):
            items.append("test")
        elif re.match(r"1\.\.\d+$", line):
            items.append("plan")
    if not items:
        # The *_fail files print nothing when create fails as they expect, and exit 1 (util.Fatal) otherwise.
        return True
    if "plan" not in items:
        return False
    for i, item in enumerate(items):
        beside = items[max(i - 1, 0) : i] + items[i + 1 : i + 2]
        if item == "yaml" and "test" not in beside:
            return False
    return True

rows = {}
for line in open(f"{logdir}/status"):
    f, r, rc = line.split()
    rows.setdefault(f, {})[r] = "pass" if passed(f"{logdir}/{r}/{f}.tap", int(rc)) else "fail"
with open(f"{logdir}/results", "w") as out:
    for f, res in rows.items():
        for r, s in res.items():
            out.write(f"{f} {r} {s}\n")
width = max([len(f) for f in rows] + [15])
print(f"{'validation file':{width}}  " + "  ".join(f"{r:>12}" for r in runtimes))
for f, res in rows.items():
    print(f"{f:{width}}  " + "  ".join(f"{res.get(r, '-'):>12}" for r in runtimes))
print(f"{'passed':{width}}  " + "  ".join(
    f"{sum(1 for res in rows.values() if res.get(r) == 'pass'):>9}/{len(rows):<2}" for r in runtimes))
PY
    [ -z "${RESULTS:-}" ] || cp "$LOGDIR/results" "$RESULTS"
    echo "TAP output of each file: $LOGDIR/RUNTIME/FILE.tap" >&2
    ;;
  *)
    echo "usage: $0 [build | run [RUNTIME...]]" >&2
    exit 2
    ;;
esac
